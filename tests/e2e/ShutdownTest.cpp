//
// ShutdownTest.cpp
//
// HTTP2Server::stop() and stopAll(true) while a handler runs, seen from an
// HTTP/2 client (h2frames.py graceful_stop and abort_stop). Each test owns
// its servers, since it stops them.
//

#include "ServerFixture.h"

#include <Poco/Timestamp.h>
#include <chrono>
#include <gtest/gtest.h>
#include <thread>

using namespace PocoH2Test;

namespace {

bool waitForStreamInFlight(PocoH2::HTTP2Server& server)
	/// Polls the server's counter until the client's request reached its handler.
{
	for (int i = 0; i < 500; ++i)
	{
		if (server.currentHTTP2Streams() > 0)
			return true;
		std::this_thread::sleep_for(std::chrono::milliseconds(10));
	}
	return false;
}

CommandResult runCase(const std::string& name, Poco::UInt16 port)
{
	return runCommand(std::string("timeout 60 /usr/bin/python3 ") + H2FRAMES_PY + " " + name + " " +
		std::to_string(port) + " 2>&1");
}

TEST(ShutdownTest, StopLetsStreamInFlightFinish)
{
	TestServers servers;
	PocoH2::HTTP2Server& server = servers.plainServer();
	CommandResult result{-1, ""};
	std::thread client([&] { result = runCase("graceful_stop", servers.plainPort()); });
	const bool inFlight = waitForStreamInFlight(server);
	Poco::Timestamp started;
	server.stop();
	const Poco::Timestamp::TimeDiff elapsed = started.elapsed();
	client.join();
	ASSERT_TRUE(inFlight) << "the request never reached its handler\n" << result.output;
	EXPECT_EQ(0, result.exitCode) << result.output;
	// stop() waits for the 1.5 s handler, not for the 10 s grace period.
	EXPECT_LT(elapsed, 8 * Poco::Timestamp::resolution()) << "stop() took " << elapsed / 1000 << " ms";
	EXPECT_EQ(0, server.currentConnections());
}

TEST(ShutdownTest, StopAllAbortsStreamsInFlight)
{
	TestServers servers;
	PocoH2::HTTP2Server& server = servers.plainServer();
	CommandResult result{-1, ""};
	std::thread client([&] { result = runCase("abort_stop", servers.plainPort()); });
	const bool inFlight = waitForStreamInFlight(server);
	Poco::Timestamp started;
	server.stopAll(true);
	const Poco::Timestamp::TimeDiff elapsed = started.elapsed();
	client.join();
	ASSERT_TRUE(inFlight) << "the request never reached its handler\n" << result.output;
	EXPECT_EQ(0, result.exitCode) << result.output;
	// Poco's HTTPServer::stopAll(true) returns at once too: it does not wait for handlers.
	EXPECT_LT(elapsed, 2 * Poco::Timestamp::resolution())
		<< "stopAll(true) took " << elapsed / 1000 << " ms, waiting for the 3 s handler; client saw:\n"
		<< result.output;
}

} // namespace
