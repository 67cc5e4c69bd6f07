//
// LimitsTest.cpp
//
// The limits of HTTP2ServerParams (issue 3) seen from real peers: request
// body size (413 without a handler, RST_STREAM CANCEL while streaming), read
// timeout (408), idle timeout (GOAWAY, then close), keepalive PING (a dead
// peer is closed), max connections (the excess closed at once). Each test
// starts servers with the params it needs; the frame-level checks are
// h2frames.py cases, whose docstrings say what they assert.
//

#include "ServerFixture.h"
#include "TestHandlers.h"

#include <Poco/Exception.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Timestamp.h>
#include <chrono>
#include <gtest/gtest.h>
#include <thread>
#include <vector>

using namespace PocoH2Test;

namespace {

constexpr Poco::UInt64 BODY_LIMIT = 1024 * 1024;

const std::string BODY_LIMIT_OPTION = "limit=" + std::to_string(BODY_LIMIT);

void limitBody(PocoH2::HTTP2ServerParams& params)
{
	params.setMaxRequestBodySize(BODY_LIMIT);
}

Poco::UInt16 portOf(TestServers& servers, bool tls)
{
	return tls ? servers.tlsPort() : servers.plainPort();
}

PocoH2::HTTP2Server& serverOf(TestServers& servers, bool tls)
{
	return tls ? servers.tlsServer() : servers.plainServer();
}

void expectH2FramesPassOverBoth(TestServers& servers, const std::string& caseName, const std::string& options)
	// Runs the h2frames.py case against the h2c and the TLS server.
{
	for (bool tls : {false, true})
	{
		SCOPED_TRACE(tls ? "TLS" : "h2c");
		const CommandResult result = runH2Frames(caseName, portOf(servers, tls), tls, options);
		EXPECT_EQ(0, result.exitCode) << result.output;
	}
}

template <typename Predicate>
bool waitUntil(Predicate predicate, std::chrono::milliseconds timeout = std::chrono::milliseconds(5000))
{
	const auto deadline = std::chrono::steady_clock::now() + timeout;
	while (!predicate())
	{
		if (std::chrono::steady_clock::now() >= deadline)
			return false;
		std::this_thread::sleep_for(std::chrono::milliseconds(10));
	}
	return true;
}

TEST(LimitsTest, DeclaredBodyOverLimitGets413WithoutHandler)
{
	TestServers servers(limitBody);
	for (bool tls : {false, true})
	{
		SCOPED_TRACE(tls ? "TLS" : "h2c");
		const CommandResult result = runH2Frames("body_limit_declared", portOf(servers, tls), tls, BODY_LIMIT_OPTION);
		EXPECT_EQ(0, result.exitCode) << result.output;
		// Streams 3 (content-length at the limit) and 5 (GET /) ran a
		// handler; stream 1, over the limit, must not have.
		EXPECT_EQ(2, serverOf(servers, tls).totalHTTP2Streams()) << result.output;
	}
}

TEST(LimitsTest, StreamedBodyOverLimitGetsRstStreamCancel)
{
	TestServers servers(limitBody);
	for (bool tls : {false, true})
	{
		SCOPED_TRACE(tls ? "TLS" : "h2c");
		const CommandResult result = runH2Frames("body_limit_streamed", portOf(servers, tls), tls, BODY_LIMIT_OPTION);
		EXPECT_EQ(0, result.exitCode) << result.output;
	}
}

TEST(LimitsTest, CurlUploadsAtAndOverTheLimit)
{
	TestServers servers(limitBody);
	const std::string curl = "timeout 20 curl --http2-prior-knowledge -sS -T - -w ' %{http_code}' ";
	const CommandResult atLimit = runCommand("head -c " + std::to_string(BODY_LIMIT) + " /dev/zero | " + curl +
		shellQuote(servers.plainUrl("/sink")) + " 2>&1");
	EXPECT_EQ(0, atLimit.exitCode) << atLimit.output;
	EXPECT_EQ(std::to_string(BODY_LIMIT) + " 200", atLimit.output);

	// Without content-length the limit shows only while streaming: the stream is reset.
	const CommandResult overLimit = runCommand("head -c " + std::to_string(BODY_LIMIT + 1) + " /dev/zero | " + curl +
		shellQuote(servers.plainUrl("/sink")) + " 2>&1");
	EXPECT_EQ(92, overLimit.exitCode) << overLimit.output;
	EXPECT_NE(std::string::npos, overLimit.output.find("CANCEL")) << overLimit.output;
}

void oneSecondTimeout(PocoH2::HTTP2ServerParams& params)
{
	params.setTimeout(Poco::Timespan(1, 0));
}

TEST(LimitsTest, StalledUploadGets408)
{
	// /sink reads as most Poco handlers do: through request.stream(), which
	// sets badbit rather than throw when its streambuf throws.
	TestServers servers(oneSecondTimeout);
	const CommandResult result = runH2Frames("read_timeout", servers.plainPort(), false, "timeout=1 path=/sink");
	EXPECT_EQ(0, result.exitCode) << result.output;
}

TEST(LimitsTest, StalledUploadGets408WhenHandlerLetsTimeoutThrough)
{
	// /sink?throw=1 sets exceptions(badbit) on request.stream(), so the
	// Poco::TimeoutException leaves the handler.
	TestServers servers(oneSecondTimeout);
	const CommandResult result =
		runH2Frames("read_timeout", servers.plainPort(), false, "timeout=1 path=/sink?throw=1");
	EXPECT_EQ(0, result.exitCode) << result.output;
}

TEST(LimitsTest, ResponseThePeerNeverTakesIsResetAfterTimeout)
{
	// The handler blocks in its writes (pool) or its response is held
	// (inline): either way the stream is reset once the peer's window has
	// stayed closed for the timeout, and the handler and its memory are freed.
	for (bool inlineHandlers : {false, true})
	{
		SCOPED_TRACE(inlineHandlers ? "inline handlers" : "handler pool");
		TestServers servers(
			[inlineHandlers](PocoH2::HTTP2ServerParams& params)
			{
				oneSecondTimeout(params);
				params.setInlineHandlers(inlineHandlers);
			});
		for (bool tls : {false, true})
		{
			SCOPED_TRACE(tls ? "TLS" : "h2c");
			const CommandResult result = runH2Frames(
				"window_never_opens", tls ? servers.tlsPort() : servers.plainPort(), tls, "timeout=1");
			EXPECT_EQ(0, result.exitCode) << result.output;
		}
		for (int i = 0; i < 200 && servers.plainServer().currentHTTP2Streams() + servers.tlsServer().currentHTTP2Streams() > 0; ++i)
			std::this_thread::sleep_for(std::chrono::milliseconds(10));
		EXPECT_EQ(0, servers.plainServer().currentHTTP2Streams() + servers.tlsServer().currentHTTP2Streams());
	}
}

TEST(LimitsTest, ConnectionWhoseSocketIsNeverReadIsClosedAfterTimeout)
{
	TestServers servers(oneSecondTimeout);
	expectH2FramesPassOverBoth(servers, "socket_never_read", "timeout=1");
}

void sixteenStreams(PocoH2::HTTP2ServerParams& params)
{
	params.setMaxConcurrentStreams(16);
}

TEST(LimitsTest, ResponseHeadsOfStreamsResetWhileTheSocketIsFullAreBounded)
{
	// A response head is lent to nghttp2 until it is sent or dropped; a
	// stream reset before that leaves its head with the connection, which
	// keeps at most SETTINGS_MAX_CONCURRENT_STREAMS of them.
	TestServers servers(sixteenStreams);
	expectH2FramesPassOverBoth(servers, "lent_heads_bounded", "streams=16");
}

TEST(LimitsTest, SlowReaderThatKeepsTakingIsNotReset)
{
	TestServers servers(oneSecondTimeout);
	const CommandResult result = runH2Frames("window_trickle", servers.plainPort(), false, "timeout=1");
	EXPECT_EQ(0, result.exitCode) << result.output;
}

void oneSecondIdle(PocoH2::HTTP2ServerParams& params)
{
	params.setIdleTimeout(Poco::Timespan(1, 0));
}

TEST(LimitsTest, IdleConnectionGetsGoAwayThenClose)
{
	TestServers servers(oneSecondIdle);
	for (bool tls : {false, true})
	{
		SCOPED_TRACE(tls ? "TLS" : "h2c");
		const CommandResult result = runH2Frames("idle_timeout", portOf(servers, tls), tls, "idle=1");
		EXPECT_EQ(0, result.exitCode) << result.output;
		EXPECT_TRUE(waitUntil([&] { return serverOf(servers, tls).currentConnections() == 0; }))
			<< serverOf(servers, tls).currentConnections() << " connections still counted";
	}
}

TEST(LimitsTest, RunningStreamKeepsConnectionPastIdleTimeout)
{
	TestServers servers(oneSecondIdle);
	const CommandResult result = runH2Frames("idle_busy_stream", servers.plainPort(), false, "idle=1");
	EXPECT_EQ(0, result.exitCode) << result.output;
}

void oneSecondKeepalive(PocoH2::HTTP2ServerParams& params)
{
	params.setPingInterval(Poco::Timespan(1, 0));
	params.setPingTimeout(Poco::Timespan(1, 0));
}

TEST(LimitsTest, KeepalivePingAcknowledgedKeepsConnection)
{
	TestServers servers(oneSecondKeepalive);
	const CommandResult result = runH2Frames("keepalive_acked", servers.plainPort(), false, "interval=1");
	EXPECT_EQ(0, result.exitCode) << result.output;
}

TEST(LimitsTest, KeepalivePingUnansweredClosesConnection)
{
	TestServers servers(oneSecondKeepalive);
	for (bool tls : {false, true})
	{
		SCOPED_TRACE(tls ? "TLS" : "h2c");
		const CommandResult result =
			runH2Frames("keepalive_unacked", portOf(servers, tls), tls, "interval=1 timeout=1");
		EXPECT_EQ(0, result.exitCode) << result.output;
		EXPECT_TRUE(waitUntil([&] { return serverOf(servers, tls).currentConnections() == 0; }))
			<< serverOf(servers, tls).currentConnections() << " connections still counted";
	}
}

Poco::Net::StreamSocket openHttp2(Poco::UInt16 port)
	/// A cleartext connection that sent the HTTP/2 preface and an empty SETTINGS.
{
	static const char PREFACE[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00";
	Poco::Net::StreamSocket socket(Poco::Net::SocketAddress("127.0.0.1", port));
	socket.sendBytes(PREFACE, sizeof(PREFACE) - 1);
	return socket;
}

std::string http1Hello(Poco::Net::StreamSocket& socket)
	/// Sends GET / over HTTP/1.1 (keep-alive) and returns what came until the
	/// end of the hello body, or until 5 s passed.
{
	const std::string request = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
	socket.sendBytes(request.data(), static_cast<int>(request.size()));
	socket.setReceiveTimeout(Poco::Timespan(5, 0));
	std::string received;
	char buffer[4096];
	while (received.find("\r\n\r\n" + TestHandlerFactory::HELLO) == std::string::npos)
	{
		const int n = socket.receiveBytes(buffer, sizeof(buffer));
		if (n <= 0)
			break;
		received.append(buffer, static_cast<std::size_t>(n));
	}
	return received;
}

int waitForClose(Poco::Net::StreamSocket& socket, double& seconds)
	/// Waits up to 3 s for the peer to close; returns 0 if it closed (EOF or
	/// reset), the number of bytes if it sent some, -1 on timeout; seconds
	/// tells how long the wait took.
{
	socket.setReceiveTimeout(Poco::Timespan(3, 0));
	Poco::Timestamp started;
	int result;
	try
	{
		char buffer[256];
		result = socket.receiveBytes(buffer, sizeof(buffer));
	}
	catch (Poco::Net::ConnectionResetException&)
	{
		result = 0;
	}
	catch (Poco::TimeoutException&)
	{
		result = -1;
	}
	seconds = static_cast<double>(started.elapsed()) / Poco::Timestamp::resolution();
	return result;
}

TEST(LimitsTest, ConnectionsOverTheLimitAreClosedAtOnce)
{
	TestServers servers([](PocoH2::HTTP2ServerParams& params) { params.setMaxConnections(3); });
	PocoH2::HTTP2Server& server = servers.plainServer();
	const Poco::UInt16 port = servers.plainPort();

	// The limit counts HTTP/2 and HTTP/1.1 connections together.
	std::vector<Poco::Net::StreamSocket> held;
	held.push_back(openHttp2(port));
	held.push_back(openHttp2(port));
	Poco::Net::StreamSocket http1(Poco::Net::SocketAddress("127.0.0.1", port));
	EXPECT_NE(std::string::npos, http1Hello(http1).find("200 OK"));
	ASSERT_TRUE(waitUntil([&] { return server.currentConnections() == 3; }))
		<< server.currentConnections() << " connections";
	EXPECT_EQ(0, server.refusedConnections());

	Poco::Net::StreamSocket fourth(Poco::Net::SocketAddress("127.0.0.1", port));
	double seconds = 0;
	EXPECT_EQ(0, waitForClose(fourth, seconds)) << "the connection over the limit was not closed";
	EXPECT_LT(seconds, 1.0);
	EXPECT_EQ(1, server.refusedConnections());

	const std::string curl =
		"timeout 10 curl --http2-prior-knowledge -sS -w ' %{http_code}' " + shellQuote(servers.plainUrl("/")) + " 2>&1";
	const CommandResult refused = runCommand(curl);
	EXPECT_NE(0, refused.exitCode) << refused.output;
	EXPECT_EQ(2, server.refusedConnections());

	// The connections within the limit were not disturbed.
	EXPECT_NE(std::string::npos, http1Hello(http1).find("200 OK"));
	EXPECT_EQ(3, server.currentConnections());

	// Closing one frees a place.
	held[0].close();
	ASSERT_TRUE(waitUntil([&] { return server.currentConnections() == 2; }))
		<< server.currentConnections() << " connections";
	const CommandResult served = runCommand(curl);
	EXPECT_EQ(0, served.exitCode) << served.output;
	EXPECT_EQ(TestHandlerFactory::HELLO + " 200", served.output);
	EXPECT_EQ(2, server.refusedConnections());
}

} // namespace
