//
// ConcurrencyTest.cpp
//
// Many streams at once: a slow handler beside a fast one on one connection,
// nghttp with 100 streams on one connection, h2load with 20 connections of 50
// streams each, and the thread count with 200 idle connections.
//

#include "ServerFixture.h"
#include "TestHandlers.h"

#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Timespan.h>
#include <algorithm>
#include <gtest/gtest.h>
#include <iostream>
#include <sstream>
#include <vector>

using namespace PocoH2Test;

namespace {

const std::string PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

class ConcurrencyTest : public ServerFixture
{
protected:
	static std::vector<int> nghttpStatusCodes(const std::string& output)
		/// Returns the code column of `nghttp -s`'s request table.
	{
		std::vector<int> codes;
		std::istringstream lines(output);
		std::string line;
		bool inTable = false;
		while (std::getline(lines, line))
		{
			if (line.rfind("id  responseEnd", 0) == 0)
			{
				inTable = true;
				continue;
			}
			if (!inTable || line.empty())
				continue;
			std::istringstream fields(line);
			std::string id, responseEnd, requestStart, process;
			int code = 0;
			if (fields >> id >> responseEnd >> requestStart >> process >> code)
				codes.push_back(code);
		}
		return codes;
	}

	static Poco::Net::StreamSocket openIdleH2Connection(Poco::UInt16 port)
		/// Connects, sends the client preface and an empty SETTINGS, and reads
		/// the server's first frame header (its SETTINGS), so that the server
		/// has accepted the connection as HTTP/2 when this returns.
	{
		Poco::Net::StreamSocket socket(Poco::Net::SocketAddress("127.0.0.1", port));
		socket.setReceiveTimeout(Poco::Timespan(10, 0));
		const std::string settings("\x00\x00\x00\x04\x00\x00\x00\x00\x00", 9);
		const std::string hello = PREFACE + settings;
		socket.sendBytes(hello.data(), static_cast<int>(hello.size()));
		unsigned char header[9];
		int received = 0;
		while (received < 9)
		{
			const int n = socket.receiveBytes(header + received, 9 - received);
			if (n <= 0)
				throw Poco::IOException("connection closed before the server's SETTINGS");
			received += n;
		}
		if (header[3] != 0x04)
			throw Poco::IOException("first server frame is not SETTINGS");
		return socket;
	}
};

TEST_F(ConcurrencyTest, SlowHandlerDoesNotBlockOtherStreamOnSameConnection)
{
	for (const bool tls : {false, true})
	{
		SCOPED_TRACE(tls ? "TLS" : "h2c");
		const Poco::UInt16 port = tls ? servers().tlsPort() : servers().plainPort();
		const std::string command = std::string("timeout 60 /usr/bin/python3 ") + H2FRAMES_PY + " slow_multiplex " +
			std::to_string(port) + (tls ? " --tls" : "") + " 2>&1";
		const CommandResult result = runCommand(command);
		EXPECT_EQ(0, result.exitCode) << command << "\n" << result.output;
	}
}

TEST_F(ConcurrencyTest, NghttpHundredStreamsOnOneConnection)
{
	for (const bool tls : {false, true})
	{
		SCOPED_TRACE(tls ? "TLS" : "h2c");
		const std::string url = tls ? servers().tlsUrl("/") : servers().plainUrl("/");
		const CommandResult result = runCommand("timeout 60 nghttp -ns -m 100 " + shellQuote(url) + " 2>&1");
		ASSERT_EQ(0, result.exitCode) << result.output;
		const std::vector<int> codes = nghttpStatusCodes(result.output);
		ASSERT_EQ(100u, codes.size()) << result.output;
		for (int code : codes)
			EXPECT_EQ(200, code);
	}
}

TEST_F(ConcurrencyTest, NghttpMixedRoutesOnOneConnection)
{
	std::string urls;
	for (const std::string path : {"/", "/slow?ms=300", "/file", "/stream?bytes=200000", "/head", "/nocontent",
			 "/redirect", "/auth", "/null", "/throw", "/headers", "/no/such/path"})
		urls += " " + shellQuote(servers().plainUrl(path));
	const CommandResult result = runCommand("timeout 60 nghttp -ns" + urls + " 2>&1");
	ASSERT_EQ(0, result.exitCode) << result.output;
	std::vector<int> codes = nghttpStatusCodes(result.output);
	std::sort(codes.begin(), codes.end());
	EXPECT_EQ((std::vector<int>{200, 200, 200, 200, 200, 200, 204, 302, 401, 404, 500, 501}), codes) << result.output;
}

TEST_F(ConcurrencyTest, H2loadCleartext)
{
	const CommandResult result =
		runCommand("timeout 120 h2load -n 20000 -c 20 -m 50 " + shellQuote(servers().plainUrl("/")) + " 2>&1");
	EXPECT_EQ(0, result.exitCode) << result.output;
	EXPECT_NE(std::string::npos, result.output.find("20000 succeeded, 0 failed, 0 errored")) << result.output;
	EXPECT_NE(std::string::npos, result.output.find("status codes: 20000 2xx")) << result.output;
}

TEST_F(ConcurrencyTest, H2loadTLS)
{
	const CommandResult result =
		runCommand("timeout 120 h2load -n 20000 -c 20 -m 50 " + shellQuote(servers().tlsUrl("/")) + " 2>&1");
	EXPECT_EQ(0, result.exitCode) << result.output;
	EXPECT_NE(std::string::npos, result.output.find("Application protocol: h2")) << result.output;
	EXPECT_NE(std::string::npos, result.output.find("20000 succeeded, 0 failed, 0 errored")) << result.output;
	EXPECT_NE(std::string::npos, result.output.find("status codes: 20000 2xx")) << result.output;
}

TEST_F(ConcurrencyTest, ThreadCountDoesNotGrowWithIdleConnections)
{
	PocoH2::HTTP2Server& server = servers().plainServer();
	std::vector<Poco::Net::StreamSocket> connections;
	connections.push_back(openIdleH2Connection(servers().plainPort()));
	const int baselineThreads = processThreadCount();
	const int baselineServerThreads = server.currentThreads();

	for (int i = 0; i < 199; ++i)
		connections.push_back(openIdleH2Connection(servers().plainPort()));
	EXPECT_GE(server.currentConnections(), 200);

	const int threads = processThreadCount();
	std::cout << "[   INFO   ] process threads: " << baselineThreads << " with 1 idle connection, " << threads
			  << " with 200; server threads: " << baselineServerThreads << " -> " << server.currentThreads()
			  << std::endl;
	EXPECT_LE(threads, baselineThreads + 3) << "process threads with 1 connection: " << baselineThreads
											<< ", with 200: " << threads;
	EXPECT_LE(server.currentThreads(), baselineServerThreads + 3);

	// The connections are idle, not dead: the server still answers on the last one.
	Poco::Net::StreamSocket& last = connections.back();
	const std::string ping("\x00\x00\x08\x06\x00\x00\x00\x00\x00pingpong", 17);
	last.sendBytes(ping.data(), static_cast<int>(ping.size()));
	std::string received;
	char buffer[256];
	while (received.find("pingpong") == std::string::npos)
	{
		const int n = last.receiveBytes(buffer, sizeof(buffer));
		ASSERT_GT(n, 0) << "connection closed instead of PING ACK";
		received.append(buffer, static_cast<std::size_t>(n));
	}

	for (auto& connection : connections)
		connection.close();
}

} // namespace
