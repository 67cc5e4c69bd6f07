// HTTP2Server's life cycle through real peers: stop() lets in-flight streams
// finish after a GOAWAY, stopAll(true) does not, the counters count, and
// HTTP/1.1 on the same port keeps Poco's WebSocket working.
#include "PocoH2/HTTP2Server.h"
#include "PocoH2/HTTP2ServerParams.h"
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Net/WebSocket.h>
#include <Poco/Thread.h>
#include <Poco/URI.h>
#include <array>
#include <chrono>
#include <cstdio>
#include <future>
#include <gtest/gtest.h>

using namespace Poco::Net;
using Clock = std::chrono::steady_clock;

namespace {

class SlowHandler : public HTTPRequestHandler
{
public:
	void handleRequest(HTTPServerRequest& request, HTTPServerResponse& response) override
	{
		Poco::URI uri(request.getURI());
		int ms = 0;
		for (const auto& p : uri.getQueryParameters())
			if (p.first == "ms")
				ms = std::stoi(p.second);
		Poco::Thread::sleep(ms);
		response.setContentType("text/plain");
		// A Content-Length lets an HTTP/1.1 connection stay alive.
		const std::string body = "done after " + std::to_string(ms) + " ms\n";
		response.sendBuffer(body.data(), body.size());
	}
};

class EchoWebSocketHandler : public HTTPRequestHandler
{
public:
	void handleRequest(HTTPServerRequest& request, HTTPServerResponse& response) override
	{
		try
		{
			WebSocket ws(request, response);
			char buffer[1024];
			int flags = 0;
			int n;
			do
			{
				n = ws.receiveFrame(buffer, sizeof(buffer), flags);
				if (n > 0 && (flags & WebSocket::FRAME_OP_BITMASK) == WebSocket::FRAME_OP_TEXT)
					ws.sendFrame(buffer, n, flags);
			} while (n > 0 && (flags & WebSocket::FRAME_OP_BITMASK) != WebSocket::FRAME_OP_CLOSE);
		}
		catch (WebSocketException&)
		{
			response.setStatusAndReason(HTTPResponse::HTTP_BAD_REQUEST);
			response.setContentLength(0);
			response.send();
		}
	}
};

class Factory : public HTTPRequestHandlerFactory
{
public:
	HTTPRequestHandler* createRequestHandler(const HTTPServerRequest& request) override
	{
		if (request.getURI() == "/ws")
			return new EchoWebSocketHandler;
		return new SlowHandler;
	}
};

struct CommandResult
{
	int exitCode;
	std::string output;
};

CommandResult run(const std::string& command)
{
	CommandResult result{-1, {}};
	FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
	if (!pipe)
		return result;
	std::array<char, 4096> buffer;
	std::size_t n;
	while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
		result.output.append(buffer.data(), n);
	const int status = ::pclose(pipe);
	result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	return result;
}

std::unique_ptr<PocoH2::HTTP2Server> startServer(int graceSeconds = 10)
{
	Poco::AutoPtr<PocoH2::HTTP2ServerParams> pParams(new PocoH2::HTTP2ServerParams);
	pParams->setShutdownGracePeriod(Poco::Timespan(graceSeconds, 0));
	auto pServer = std::make_unique<PocoH2::HTTP2Server>(
		new Factory, ServerSocket(SocketAddress("127.0.0.1", 0)), HTTPServerParams::Ptr(pParams));
	pServer->start();
	return pServer;
}

double secondsSince(Clock::time_point start)
{
	return std::chrono::duration<double>(Clock::now() - start).count();
}

} // namespace

TEST(HTTP2Server, StopSendsGoAwayAndLetsStreamsInFlightFinish)
{
	auto pServer = startServer();
	const std::string url = "http://127.0.0.1:" + std::to_string(pServer->port()) + "/slow?ms=1500";
	auto client = std::async(std::launch::async, [url] { return run("nghttp -v " + url); });
	// Wait until the request is being handled.
	const auto deadline = Clock::now() + std::chrono::seconds(10);
	while (pServer->currentHTTP2Streams() == 0 && Clock::now() < deadline)
		Poco::Thread::sleep(10);
	ASSERT_EQ(pServer->currentHTTP2Streams(), 1);

	const auto stopStart = Clock::now();
	pServer->stop();
	const double stopSeconds = secondsSince(stopStart);
	const CommandResult result = client.get();

	EXPECT_EQ(result.exitCode, 0) << result.output;
	EXPECT_NE(result.output.find("done after 1500 ms"), std::string::npos) << result.output;
	EXPECT_NE(result.output.find("recv GOAWAY frame"), std::string::npos) << result.output;
	EXPECT_NE(result.output.find("error_code=NO_ERROR"), std::string::npos) << result.output;
	EXPECT_GT(stopSeconds, 1.0); // it waited for the handler
	EXPECT_LT(stopSeconds, 9.0); // and not for the grace period
	EXPECT_EQ(pServer->currentConnections(), 0);

	// Nobody listens any more.
	StreamSocket socket;
	EXPECT_THROW(socket.connect(SocketAddress("127.0.0.1", pServer->port()), Poco::Timespan(1, 0)), Poco::Exception);
}

TEST(HTTP2Server, StopAllAbortsStreamsInFlight)
{
	auto pServer = startServer();
	const std::string url = "http://127.0.0.1:" + std::to_string(pServer->port()) + "/slow?ms=3000";
	auto client = std::async(std::launch::async, [url] { return run("curl -s --http2-prior-knowledge " + url); });
	const auto deadline = Clock::now() + std::chrono::seconds(10);
	while (pServer->currentHTTP2Streams() == 0 && Clock::now() < deadline)
		Poco::Thread::sleep(10);
	ASSERT_EQ(pServer->currentHTTP2Streams(), 1);

	const auto stopStart = Clock::now();
	pServer->stopAll(true);
	// The connection closes at once; joining the handler pool waits for the
	// sleeping handler, whose stream is already gone.
	const CommandResult result = client.get();
	EXPECT_LT(secondsSince(stopStart), 5.0);
	EXPECT_NE(result.exitCode, 0) << result.output;
	EXPECT_EQ(result.output.find("done after"), std::string::npos);
}

TEST(HTTP2Server, CountsConnections)
{
	auto pServer = startServer();
	const std::string base = "http://127.0.0.1:" + std::to_string(pServer->port());
	for (int i = 0; i < 3; ++i)
		ASSERT_EQ(run("curl -sf --http2-prior-knowledge " + base + "/slow?ms=0").exitCode, 0);
	ASSERT_EQ(run("curl -sf --http1.1 " + base + "/slow?ms=0").exitCode, 0);
	EXPECT_EQ(pServer->totalConnections(), 4);
	EXPECT_EQ(pServer->totalHTTP2Streams(), 3);
	EXPECT_GE(pServer->maxConcurrentConnections(), 1);
	const auto deadline = Clock::now() + std::chrono::seconds(10);
	while (pServer->currentConnections() > 0 && Clock::now() < deadline)
		Poco::Thread::sleep(10);
	EXPECT_EQ(pServer->currentConnections(), 0);
	EXPECT_GE(pServer->currentThreads(), 2);
	pServer->stop();
}

TEST(HTTP2Server, WebSocketWorksOverHttp11OnTheSamePort)
{
	auto pServer = startServer();
	HTTPClientSession session("127.0.0.1", pServer->port());
	HTTPRequest request(HTTPRequest::HTTP_GET, "/ws", HTTPMessage::HTTP_1_1);
	HTTPResponse response;
	WebSocket ws(session, request, response);
	const std::string message = "hello over HTTP/1.1";
	ws.sendFrame(message.data(), static_cast<int>(message.size()), WebSocket::FRAME_TEXT);
	char buffer[256];
	int flags = 0;
	const int n = ws.receiveFrame(buffer, sizeof(buffer), flags);
	ASSERT_GT(n, 0);
	EXPECT_EQ(std::string(buffer, static_cast<std::size_t>(n)), message);
	ws.shutdown();
	ws.close();
	pServer->stop();
}

TEST(HTTP2Server, WebSocketHandlerOverHttp2IsRefusedCleanly)
{
	// A WebSocket handler reached over h2 sees no Upgrade (illegal in h2) and
	// refuses; no static_cast to Poco's HTTP/1 request class ever happens.
	auto pServer = startServer();
	const CommandResult result = run("curl -s -o /dev/null -w '%{http_version} %{http_code}' --http2-prior-knowledge "
		"http://127.0.0.1:" + std::to_string(pServer->port()) + "/ws");
	EXPECT_EQ(result.output, "2 400");
	pServer->stop();
}

TEST(HTTP2Server, H2cUpgradeAnswersTheUpgradingRequestOnStream1)
{
	// curl --http2 for http:// sends "Upgrade: h2c" with HTTP2-Settings.
	auto pServer = startServer();
	const std::string base = "http://127.0.0.1:" + std::to_string(pServer->port());
	const CommandResult upgraded = run("curl -sv --http2 " + base + "/slow?ms=0");
	EXPECT_EQ(upgraded.exitCode, 0) << upgraded.output;
	EXPECT_NE(upgraded.output.find("HTTP/1.1 101 Switching Protocols"), std::string::npos) << upgraded.output;
	EXPECT_NE(upgraded.output.find("< HTTP/2 200"), std::string::npos) << upgraded.output;
	EXPECT_NE(upgraded.output.find("done after 0 ms"), std::string::npos) << upgraded.output;
	EXPECT_EQ(pServer->totalHTTP2Streams(), 1);

	// Two URLs: the second request reuses the upgraded connection as stream 3.
	const CommandResult two = run("curl -s --http2 -w ' %{http_version} %{num_connects}\\n' " + base + "/slow?ms=0 "
		+ base + "/slow?ms=0");
	EXPECT_EQ(two.output, "done after 0 ms\n 2 1\ndone after 0 ms\n 2 0\n");

	// nghttp's upgrade path too.
	const CommandResult nghttp = run("nghttp -u -v " + base + "/slow?ms=0");
	EXPECT_EQ(nghttp.exitCode, 0) << nghttp.output;
	EXPECT_NE(nghttp.output.find("HTTP Upgrade success"), std::string::npos) << nghttp.output;

	// A request with a body stays on HTTP/1.1 (the server may ignore Upgrade).
	const CommandResult post = run("curl -s --http2 -d x=1 -o /dev/null -w '%{http_version} %{http_code}' " + base
		+ "/slow?ms=0");
	EXPECT_EQ(post.output, "1.1 200");
	pServer->stop();
}

TEST(HTTP2Server, MaxConcurrentConnectionsCountsHttp11Too)
{
	auto pServer = startServer();
	// Two HTTP/1.1 keep-alive connections, served by Poco's code, stay open.
	HTTPClientSession first("127.0.0.1", pServer->port());
	HTTPClientSession second("127.0.0.1", pServer->port());
	for (HTTPClientSession* pSession : {&first, &second})
	{
		pSession->setKeepAlive(true);
		HTTPRequest request(HTTPRequest::HTTP_GET, "/slow?ms=0", HTTPMessage::HTTP_1_1);
		pSession->sendRequest(request);
		HTTPResponse response;
		std::istream& body = pSession->receiveResponse(response);
		std::string text((std::istreambuf_iterator<char>(body)), std::istreambuf_iterator<char>());
		ASSERT_EQ(response.getStatus(), HTTPResponse::HTTP_OK);
	}
	EXPECT_EQ(pServer->currentConnections(), 2);
	// A third connection, over h2c, while both are open.
	ASSERT_EQ(run("curl -sf --http2-prior-knowledge http://127.0.0.1:" + std::to_string(pServer->port())
				  + "/slow?ms=0")
				  .exitCode,
		0);
	EXPECT_GE(pServer->maxConcurrentConnections(), 3);
	pServer->stopAll(true);
}
