//
// ServerConnectionFuzzer.cpp
//
// libFuzzer target "server_connection": bytes in, whatever happens. A real
// HTTP2Server (event loop, ServerConnection, codec, worker pool, adapters,
// Poco's HTTP/1.1 fallback) serves a few ordinary Poco handlers on
// 127.0.0.1; each input is one TCP connection to it.
//
// Input: the first byte chooses the framing, the rest is sent as is.
//   bit 0 set:   the client preface and an empty SETTINGS frame go first. If
//                the input ends where a frame ends, a PING follows, and the
//                harness waits for its ACK (the server has processed
//                everything before it) or the close.
//   bit 0 clear: the bytes alone (sniffing, h2c Upgrade, HTTP/1.1, a broken
//                preface).
// Then the harness half-closes and waits for the server to close. A server
// that does neither within 10 s is a finding (abort).
//

#include "FuzzSupport.h"

#include "PocoH2/HTTP2Server.h"
#include "PocoH2/HTTP2ServerParams.h"
#include <Poco/Logger.h>
#include <Poco/Net/HTMLForm.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/StreamCopier.h>
#include <cstdint>
#include <stdexcept>
#include <unistd.h>

namespace {

using namespace Poco::Net;

class FuzzHandler : public HTTPRequestHandler
	/// Routes by path, touching the request and response adapters the way
	/// applications do: / (text), /echo (body streamed back), /form (HTMLForm),
	/// /headers (the request's fields back), /throw, anything else 404.
{
public:
	void handleRequest(HTTPServerRequest& request, HTTPServerResponse& response) override
	{
		const std::string path = request.getURI().substr(0, request.getURI().find('?'));
		if (path == "/echo")
		{
			response.setContentType(request.getContentType());
			response.setChunkedTransferEncoding(true);
			Poco::StreamCopier::copyStream(request.stream(), response.send());
		}
		else if (path == "/form")
		{
			HTMLForm form(request, request.stream());
			std::ostream& out = response.send();
			for (const auto& field : form)
				out << field.first << '=' << field.second << '\n';
		}
		else if (path == "/headers")
		{
			response.setContentType("text/plain");
			std::ostream& out = response.send();
			out << request.getMethod() << ' ' << request.getURI() << ' ' << request.getHost() << '\n';
			for (const auto& field : request)
				out << field.first << ": " << field.second << '\n';
		}
		else if (path == "/throw")
			throw std::runtime_error("handler failed");
		else if (path == "/")
		{
			response.setContentLength(6);
			response.send() << "hello\n";
		}
		else
		{
			response.setStatusAndReason(HTTPResponse::HTTP_NOT_FOUND);
			response.send();
		}
	}
};

class FuzzHandlerFactory : public HTTPRequestHandlerFactory
{
public:
	HTTPRequestHandler* createRequestHandler(const HTTPServerRequest&) override { return new FuzzHandler; }
};

PocoH2::HTTP2Server* pServer = nullptr; // never deleted: handlers may still run when the fuzzer exits

const std::string PING_PAYLOAD = "fuzzping";

bool endsOnFrameBoundary(const std::uint8_t* data, std::size_t size)
{
	std::size_t offset = 0;
	while (offset + 9 <= size)
		offset += 9 + ((std::size_t(data[offset]) << 16) | (std::size_t(data[offset + 1]) << 8) | data[offset + 2]);
	return offset == size;
}
const std::string PING_ACK = PocoH2Fuzz::frame(0x6, 0x1, 0, PING_PAYLOAD);

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
	Poco::Logger::root().setLevel(Poco::Message::PRIO_FATAL);
	PocoH2::HTTP2ServerParams::Ptr pParams = new PocoH2::HTTP2ServerParams;
	// An incomplete first request waits this long (sniffing, HTTP/1.1), and
	// so does a handler for body bytes. A half-closed connection whose first
	// bytes are an incomplete HTTP/1.1 head is only closed by this timeout
	// (the sniffer peeks and never sees the end of the stream), so it bounds
	// how long such inputs take.
	pParams->setTimeout(Poco::Timespan(0, 50000));
	pParams->setMaxConcurrentStreams(32);
	ServerSocket socket;
	socket.bind(SocketAddress("127.0.0.1", 0), true);
	socket.listen(64);
	pServer = new PocoH2::HTTP2Server(new FuzzHandlerFactory, socket, pParams);
	pServer->start();
	return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
	using namespace PocoH2Fuzz;
	const std::uint8_t mode = size > 0 ? data[0] : 0;
	if (size > 0)
	{
		++data;
		--size;
	}
	const bool http2 = (mode & 1) != 0;
	const int fd = connectLoopback(pServer->port());
	if (http2)
	{
		const std::string preface = CLIENT_PREFACE + emptySettings();
		writeAll(fd, reinterpret_cast<const std::uint8_t*>(preface.data()), preface.size());
	}
	writeAll(fd, data, size);
	if (http2 && endsOnFrameBoundary(data, size))
	{
		const std::string ping = frame(0x6, 0, 0, PING_PAYLOAD);
		writeAll(fd, reinterpret_cast<const std::uint8_t*>(ping.data()), ping.size());
		if (readUntil(fd, PING_ACK, std::chrono::seconds(10)) == ReadResult::TIMEOUT)
			hang("the server neither acknowledged the PING nor closed within 10 s");
	}
	::shutdown(fd, SHUT_WR);
	if (readUntil(fd, std::string(), std::chrono::seconds(10)) == ReadResult::TIMEOUT)
		hang("the server did not close the connection within 10 s of the client's FIN");
	::close(fd);
	return 0;
}
