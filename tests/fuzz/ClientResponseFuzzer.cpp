//
// ClientResponseFuzzer.cpp
//
// libFuzzer target "client_response": the client's response path fed a
// fuzzed server. Each input is one request through a fresh HTTP2Client (its
// loop thread, ClientConnection, codec, ClientStream, response mapping)
// against a socket of the harness that answers with the fuzzed bytes.
//
// Input: the first byte chooses the request and the framing.
//   bits 0-1: GET, HEAD, POST with a small body, PUT with a 100 KiB body
//   bit 2:    an empty SETTINGS frame goes first (the server's preface)
// The request must end within the client's 2 s timeout: with a response, or
// with a Poco::Exception. Any other exception, a crash, or a request that
// never ends (10 s) is a finding.
//

#include "FuzzSupport.h"

#include "PocoH2/HTTP2Client.h"
#include "PocoH2/HTTP2ClientParams.h"
#include <Poco/Exception.h>
#include <Poco/Logger.h>
#include <Poco/Net/HTTPRequest.h>
#include <cstdint>
#include <future>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace {

int listenFd = -1;
std::uint16_t listenPort = 0;

void drainUntilDone(int fd, std::future<PocoH2::HTTP2Client::Result>& result)
	// Reads what the client sends (so that it never blocks on a full socket)
	// until its request has an outcome.
{
	const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
	char buffer[16384];
	bool open = fd >= 0;
	while (result.wait_for(std::chrono::seconds(0)) != std::future_status::ready)
	{
		if (std::chrono::steady_clock::now() > deadline)
			PocoH2Fuzz::hang("the request had no outcome within 10 s");
		if (!open)
		{
			result.wait_for(std::chrono::milliseconds(5));
			continue;
		}
		pollfd p{fd, POLLIN, 0};
		if (::poll(&p, 1, 5) > 0 && ::recv(fd, buffer, sizeof(buffer), 0) <= 0)
			open = false;
	}
}

void closePendingConnections()
	// A client may open another connection after the one the harness answered
	// closed; left in the backlog it would be taken for the next input's.
{
	int fd;
	while ((fd = PocoH2Fuzz::acceptWithin(listenFd, std::chrono::milliseconds(0))) >= 0)
		::close(fd);
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
	Poco::Logger::root().setLevel(Poco::Message::PRIO_FATAL);
	listenFd = PocoH2Fuzz::listenLoopback(listenPort);
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
	closePendingConnections();
	PocoH2::HTTP2ClientParams params;
	params.setTimeout(Poco::Timespan(2, 0));
	params.setConnectTimeout(Poco::Timespan(2, 0));
	params.setMaxAttempts(1);
	params.setMaxConnections(1);
	PocoH2::HTTP2Client client("127.0.0.1", listenPort, params);

	static const char* const METHODS[] = {"GET", "HEAD", "POST", "PUT"};
	Poco::Net::HTTPRequest request(METHODS[mode & 3], "/fuzz?q=1", Poco::Net::HTTPMessage::HTTP_1_1);
	std::string body;
	if ((mode & 3) == 2)
		body = "name=value";
	else if ((mode & 3) == 3)
		body.assign(100 * 1024, 'x');
	auto result = client.sendRequestAsync(request, body);

	const int fd = acceptWithin(listenFd, std::chrono::seconds(10));
	if (fd < 0)
	{
		// A client that gave up connecting (its 2 s connect timeout, on a
		// machine busy enough to delay the loopback handshake) is not a hang.
		if (result.wait_for(std::chrono::seconds(0)) == std::future_status::ready)
			return 0;
		hang("the client did not connect within 10 s and its request is still pending");
	}
	if (mode & 4)
	{
		const std::string settings = emptySettings();
		writeAll(fd, reinterpret_cast<const std::uint8_t*>(settings.data()), settings.size());
	}
	writeAll(fd, data, size);
	::shutdown(fd, SHUT_WR);
	drainUntilDone(fd, result);
	::close(fd);
	try
	{
		PocoH2::HTTP2Client::Result response = result.get();
		// The mapped response is read the way applications read it.
		(void) response.response.getStatus();
		(void) response.response.getContentLength64();
		for (const auto& field : response.response)
			(void) field.second.size();
	}
	catch (const Poco::Exception&)
	{
		// A clear error is a fine outcome for bad server bytes.
	}
	client.close();
	closePendingConnections();
	return 0;
}
