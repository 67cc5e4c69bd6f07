//
// TestHandlers.cpp
//

#include "TestHandlers.h"

#include "PocoH2/HTTP2ServerRequest.h"
#include "PocoH2/HTTP2ServerResponse.h"
#include <Poco/DigestEngine.h>
#include <Poco/Net/HTMLForm.h>
#include <Poco/Net/HTTPBasicCredentials.h>
#include <Poco/Net/HTTPCookie.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/MessageHeader.h>
#include <Poco/Net/NameValueCollection.h>
#include <Poco/Net/PartHandler.h>
#include <Poco/NullStream.h>
#include <Poco/NumberParser.h>
#include <Poco/SHA2Engine.h>
#include <Poco/StreamCopier.h>
#include <Poco/String.h>
#include <Poco/URI.h>
#include <chrono>
#include <pthread.h>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

using Poco::Net::HTTPRequestHandler;
using Poco::Net::HTTPResponse;
using Poco::Net::HTTPServerRequest;
using Poco::Net::HTTPServerResponse;

namespace PocoH2Test {

const std::string TestHandlerFactory::HELLO = "Hello, world\n";
const std::string TestHandlerFactory::HEAD_BODY = "head body\n";
const std::size_t TestHandlerFactory::STREAM_BLOCK = 64 * 1024;

namespace {

std::string queryParameter(const HTTPServerRequest& request, const std::string& name, const std::string& deflt)
{
	for (const auto& [key, value] : Poco::URI(request.getURI()).getQueryParameters())
	{
		if (key == name)
			return value;
	}
	return deflt;
}

void sendText(HTTPServerResponse& response, const std::string& text,
	HTTPResponse::HTTPStatus status = HTTPResponse::HTTP_OK)
{
	response.setStatusAndReason(status);
	response.setContentType("text/plain");
	response.setContentLength(static_cast<std::streamsize>(text.size()));
	response.send() << text;
}

class HelloHandler : public HTTPRequestHandler
{
public:
	void handleRequest(HTTPServerRequest&, HTTPServerResponse& response) override
	{
		sendText(response, TestHandlerFactory::HELLO);
	}
};

class NotFoundHandler : public HTTPRequestHandler
{
public:
	void handleRequest(HTTPServerRequest&, HTTPServerResponse& response) override
	{
		sendText(response, "not found\n", HTTPResponse::HTTP_NOT_FOUND);
	}
};

class EchoHandler : public HTTPRequestHandler
	/// Streams the body back while it arrives: with a 50 MiB upload this only
	/// works if the server neither buffers the whole request nor the whole response.
{
public:
	void handleRequest(HTTPServerRequest& request, HTTPServerResponse& response) override
	{
		response.setContentType(request.has("Content-Type") ? request.getContentType() : "application/octet-stream");
		if (request.hasContentLength())
			response.setContentLength64(request.getContentLength64());
		else
			response.setChunkedTransferEncoding(true);
		std::ostream& out = response.send();
		Poco::StreamCopier::copyStream(request.stream(), out);
	}
};

class SlowHandler : public HTTPRequestHandler
{
public:
	void handleRequest(HTTPServerRequest& request, HTTPServerResponse& response) override
	{
		const int ms = Poco::NumberParser::parse(queryParameter(request, "ms", "1000"));
		std::this_thread::sleep_for(std::chrono::milliseconds(ms));
		sendText(response, "slow");
	}
};

class ThreadNameHandler : public HTTPRequestHandler
	/// Answers with the name of the thread running it (h2-io-N on an event
	/// loop, h2-handler in the pool), after reading any request body.
{
public:
	void handleRequest(HTTPServerRequest& request, HTTPServerResponse& response) override
	{
		Poco::NullOutputStream discard;
		Poco::StreamCopier::copyStream(request.stream(), discard);
		char name[16] = {};
		pthread_getname_np(pthread_self(), name, sizeof(name));
		sendText(response, name);
	}
};

class ThrowHandler : public HTTPRequestHandler
{
public:
	void handleRequest(HTTPServerRequest&, HTTPServerResponse&) override
	{
		throw std::runtime_error("handler failed before sending");
	}
};

class UnsendableHeadHandler : public HTTPRequestHandler
	/// Leaves a Content-Length that does not parse and returns without
	/// sending: no response head can go out for it.
{
public:
	void handleRequest(HTTPServerRequest&, HTTPServerResponse& response) override
	{
		response.set("Content-Length", "not a number");
	}
};

class StreamHandler : public HTTPRequestHandler
{
public:
	void handleRequest(HTTPServerRequest& request, HTTPServerResponse& response) override
	{
		const std::size_t bytes = Poco::NumberParser::parseUnsigned64(queryParameter(request, "bytes", "1024"));
		response.setContentType("application/octet-stream");
		response.setChunkedTransferEncoding(true);
		std::ostream& out = response.send();
		const std::string block = TestHandlerFactory::streamPattern(TestHandlerFactory::STREAM_BLOCK);
		std::size_t sent = 0;
		while (sent < bytes && out.good())
		{
			const std::size_t n = std::min(block.size(), bytes - sent);
			out.write(block.data(), static_cast<std::streamsize>(n));
			sent += n;
		}
	}
};

class BufferHandler : public HTTPRequestHandler
	/// sendBuffer() of streamPattern(bytes), after sleeping ms.
{
public:
	void handleRequest(HTTPServerRequest& request, HTTPServerResponse& response) override
	{
		const std::size_t bytes = Poco::NumberParser::parseUnsigned64(queryParameter(request, "bytes", "1024"));
		const int ms = Poco::NumberParser::parse(queryParameter(request, "ms", "0"));
		const std::string body = TestHandlerFactory::streamPattern(bytes);
		if (ms > 0)
			std::this_thread::sleep_for(std::chrono::milliseconds(ms));
		response.setContentType("application/octet-stream");
		response.sendBuffer(body.data(), body.size());
	}
};

class HeadersHandler : public HTTPRequestHandler
{
public:
	void handleRequest(HTTPServerRequest& request, HTTPServerResponse& response) override
	{
		std::ostringstream text;
		text << "method=" << request.getMethod() << "\n";
		text << "uri=" << request.getURI() << "\n";
		text << "version=" << request.getVersion() << "\n";
		text << "host=" << request.getHost() << "\n";
		text << "secure=" << (request.secure() ? "true" : "false") << "\n";
		for (const auto& [name, value] : request)
			text << "header:" << Poco::toLower(name) << "=" << value << "\n";
		Poco::Net::NameValueCollection cookies;
		request.getCookies(cookies);
		for (const auto& [name, value] : cookies)
			text << "cookie:" << name << "=" << value << "\n";
		if (request.hasCredentials())
		{
			std::string scheme;
			std::string authInfo;
			request.getCredentials(scheme, authInfo);
			text << "scheme=" << scheme << "\n";
			if (Poco::icompare(scheme, "Basic") == 0)
			{
				Poco::Net::HTTPBasicCredentials credentials(authInfo);
				text << "user=" << credentials.getUsername() << "\n";
				text << "password=" << credentials.getPassword() << "\n";
			}
		}

		Poco::Net::HTTPCookie cookie("sid", "abc123");
		cookie.setPath("/");
		response.addCookie(cookie);
		response.set("Connection", "keep-alive");
		response.set("Keep-Alive", "timeout=5");
		response.setChunkedTransferEncoding(true);
		response.setContentType("text/plain");
		response.send() << text.str();
	}
};

class CountingPartHandler : public Poco::Net::PartHandler
{
public:
	void handlePart(const Poco::Net::MessageHeader& header, std::istream& stream) override
	{
		std::string disposition;
		Poco::Net::NameValueCollection parameters;
		if (header.has("Content-Disposition"))
			Poco::Net::MessageHeader::splitParameters(header.get("Content-Disposition"), disposition, parameters);
		std::size_t size = 0;
		char buffer[8192];
		while (stream.read(buffer, sizeof(buffer)) || stream.gcount() > 0)
			size += static_cast<std::size_t>(stream.gcount());
		std::ostringstream line;
		line << "part name=" << parameters.get("name", "") << " filename=" << parameters.get("filename", "")
			 << " size=" << size << "\n";
		_lines.push_back(line.str());
	}

	const std::vector<std::string>& lines() const { return _lines; }

private:
	std::vector<std::string> _lines;
};

class FormHandler : public HTTPRequestHandler
{
public:
	void handleRequest(HTTPServerRequest& request, HTTPServerResponse& response) override
	{
		CountingPartHandler parts;
		Poco::Net::HTMLForm form(request, request.stream(), parts);
		std::ostringstream text;
		for (const auto& [name, value] : form)
			text << name << "=" << value << "\n";
		for (const auto& line : parts.lines())
			text << line;
		sendText(response, text.str());
	}
};

class FileHandler : public HTTPRequestHandler
{
public:
	explicit FileHandler(const std::string& path) : _path(path) {}

	void handleRequest(HTTPServerRequest&, HTTPServerResponse& response) override
	{
		response.sendFile(_path, "application/octet-stream");
	}

private:
	std::string _path;
};

class RedirectHandler : public HTTPRequestHandler
{
public:
	void handleRequest(HTTPServerRequest&, HTTPServerResponse& response) override
	{
		response.redirect("/target");
	}
};

class AuthHandler : public HTTPRequestHandler
{
public:
	void handleRequest(HTTPServerRequest& request, HTTPServerResponse& response) override
	{
		if (request.hasCredentials())
		{
			Poco::Net::HTTPBasicCredentials credentials(request);
			if (credentials.getUsername() == "user" && credentials.getPassword() == "pass")
			{
				sendText(response, "welcome user\n");
				return;
			}
		}
		response.requireAuthentication("realm");
		response.setContentLength(0);
		response.send();
	}
};

class HeadHandler : public HTTPRequestHandler
	/// Writes the body whatever the method, as Poco handlers do: for HEAD the
	/// server must send the headers (with Content-Length) and drop the body.
{
public:
	void handleRequest(HTTPServerRequest&, HTTPServerResponse& response) override
	{
		sendText(response, TestHandlerFactory::HEAD_BODY);
	}
};

class NoContentHandler : public HTTPRequestHandler
{
public:
	void handleRequest(HTTPServerRequest&, HTTPServerResponse& response) override
	{
		response.setStatusAndReason(HTTPResponse::HTTP_NO_CONTENT);
		response.send();
	}
};

class SinkHandler : public HTTPRequestHandler
	/// Reads and discards the body as a slow consumer would: the server must
	/// hold the client back with its flow-control windows, not buffer the body.
	/// Reads as most Poco handlers do, through the istream, which turns an
	/// exception of its streambuf (a read timeout, a reset) into badbit unless
	/// asked to throw.
{
public:
	void handleRequest(HTTPServerRequest& request, HTTPServerResponse& response) override
	{
		const Poco::UInt64 delayMsPerMiB =
			Poco::NumberParser::parseUnsigned64(queryParameter(request, "delayMsPerMiB", "0"));
		std::istream& in = request.stream();
		if (queryParameter(request, "throw", "0") == "1")
			in.exceptions(std::ios::badbit);
		std::vector<char> buffer(64 * 1024);
		Poco::UInt64 total = 0;
		while (in.read(buffer.data(), static_cast<std::streamsize>(buffer.size())) || in.gcount() > 0)
		{
			const auto n = static_cast<Poco::UInt64>(in.gcount());
			total += n;
			if (delayMsPerMiB > 0)
				std::this_thread::sleep_for(std::chrono::microseconds(delayMsPerMiB * 1000 * n / (1024 * 1024)));
		}
		sendText(response, std::to_string(total));
	}
};

class TrailersHandler : public HTTPRequestHandler
	/// gRPC style: the status comes in response trailers, after the body, and
	/// depends on a request trailer (the checksum of the body it follows).
{
public:
	void handleRequest(HTTPServerRequest& request, HTTPServerResponse& response) override
	{
		Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
		std::istream& in = request.stream();
		char buffer[16384];
		Poco::UInt64 total = 0;
		while (in.read(buffer, sizeof(buffer)) || in.gcount() > 0)
		{
			engine.update(buffer, static_cast<unsigned>(in.gcount()));
			total += static_cast<Poco::UInt64>(in.gcount());
		}
		const std::string checksum = Poco::DigestEngine::digestToHex(engine.digest());

		Poco::Net::NameValueCollection trailers;
		if (auto* pH2Request = dynamic_cast<PocoH2::HTTP2ServerRequest*>(&request))
			trailers = pH2Request->trailers();
		std::ostringstream text;
		text << "bytes=" << total << "\n"
			 << "sha256=" << checksum << "\n";
		for (const auto& [name, value] : trailers)
			text << "trailer:" << name << "=" << value << "\n";

		response.setContentType("text/plain");
		response.setChunkedTransferEncoding(true);
		response.send() << text.str();
		if (auto* pH2Response = dynamic_cast<PocoH2::HTTP2ServerResponse*>(&response))
		{
			const bool intact = trailers.get("x-checksum", "") == checksum;
			pH2Response->addTrailer("grpc-status", intact ? "0" : "3");
			pH2Response->addTrailer("grpc-message", intact ? "ok" : "checksum mismatch");
		}
	}
};

} // namespace

TestHandlerFactory::TestHandlerFactory(const std::string& filePath) : _filePath(filePath)
{
}

Poco::Net::HTTPRequestHandler* TestHandlerFactory::createRequestHandler(const HTTPServerRequest& request)
{
	const std::string path = Poco::URI(request.getURI()).getPath();
	if (path == "/")
		return new HelloHandler;
	if (path == "/echo")
		return new EchoHandler;
	if (path == "/slow")
		return new SlowHandler;
	if (path == "/throw")
		return new ThrowHandler;
	if (path == "/unsendable-head")
		return new UnsendableHeadHandler;
	if (path == "/thread")
		return new ThreadNameHandler;
	if (path == "/stream")
		return new StreamHandler;
	if (path == "/headers")
		return new HeadersHandler;
	if (path == "/buffer")
		return new BufferHandler;
	if (path == "/form")
		return new FormHandler;
	if (path == "/file")
		return new FileHandler(_filePath);
	if (path == "/redirect")
		return new RedirectHandler;
	if (path == "/auth")
		return new AuthHandler;
	if (path == "/head")
		return new HeadHandler;
	if (path == "/nocontent")
		return new NoContentHandler;
	if (path == "/sink")
		return new SinkHandler;
	if (path == "/trailers")
		return new TrailersHandler;
	if (path == "/null")
		return nullptr;
	return new NotFoundHandler;
}

std::string TestHandlerFactory::streamPattern(std::size_t bytes)
{
	std::string pattern(bytes, '\0');
	for (std::size_t i = 0; i < bytes; ++i)
	{
		// Periodic in 64 KiB, the block size StreamHandler writes.
		const std::size_t j = i % STREAM_BLOCK;
		pattern[i] = static_cast<char>('a' + (j * 7 + j / 26) % 26);
	}
	return pattern;
}

} // namespace PocoH2Test
