//
// ShutdownTest.cpp
//
// HTTP2Server::stop() and stopAll(true) while a handler runs, seen from an
// HTTP/2 client (h2frames.py graceful_stop, abort_stop and the two-step
// GOAWAY cases of RFC 9113 §6.8). Each test owns its servers, since it
// stops them.
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

struct StopOutcome
{
	CommandResult client; /// what the h2frames.py case said
	bool inFlight;        /// the case's first request reached its handler before stop()
	double stopSeconds;   /// how long stop() took
};

StopOutcome stopDuringCase(TestServers& servers, const std::string& caseName)
	/// Runs the case against the cleartext server and calls stop() as soon
	/// as its first request runs.
{
	PocoH2::HTTP2Server& server = servers.plainServer();
	StopOutcome outcome{{-1, ""}, false, 0};
	std::thread client([&] { outcome.client = runH2Frames(caseName, servers.plainPort()); });
	outcome.inFlight = waitForStreamInFlight(server);
	Poco::Timestamp started;
	server.stop();
	outcome.stopSeconds = static_cast<double>(started.elapsed()) / Poco::Timestamp::resolution();
	client.join();
	return outcome;
}

TEST(ShutdownTest, StopLetsStreamInFlightFinish)
{
	TestServers servers;
	PocoH2::HTTP2Server& server = servers.plainServer();
	CommandResult result{-1, ""};
	std::thread client([&] { result = runH2Frames("graceful_stop", servers.plainPort()); });
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
	std::thread client([&] { result = runH2Frames("abort_stop", servers.plainPort()); });
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

TEST(ShutdownTest, StopSendsNoticeThenFinalGoAwayOnPingAck)
{
	TestServers servers;
	const StopOutcome outcome = stopDuringCase(servers, "stop_two_step");
	ASSERT_TRUE(outcome.inFlight) << "the request never reached its handler\n" << outcome.client.output;
	EXPECT_EQ(0, outcome.client.exitCode) << outcome.client.output;
	// stop() returns once the 2 s handler is done and the connection closed.
	EXPECT_LT(outcome.stopSeconds, 5.0);
	EXPECT_EQ(0, servers.plainServer().currentConnections());
}

TEST(ShutdownTest, StopSendsFinalGoAwayOneSecondAfterNoticeWithoutPingAck)
{
	TestServers servers;
	const StopOutcome outcome = stopDuringCase(servers, "stop_two_step_unacked");
	ASSERT_TRUE(outcome.inFlight) << "the request never reached its handler\n" << outcome.client.output;
	EXPECT_EQ(0, outcome.client.exitCode) << outcome.client.output;
	EXPECT_LT(outcome.stopSeconds, 5.0);
	EXPECT_EQ(0, servers.plainServer().currentConnections());
}

} // namespace
