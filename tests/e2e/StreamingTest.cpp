//
// StreamingTest.cpp
//
// Bodies that stream both ways with flow control (issue 3): the server
// never sends beyond the client's windows and applies a changed
// SETTINGS_INITIAL_WINDOW_SIZE to open streams; a slow handler holds an
// upload back through the windows the server grants; a complete response
// ends an unfinished upload with RST_STREAM(NO_ERROR); trailers go both ways.
// The frame-level checks are h2frames.py cases.
//

#include "ServerFixture.h"

#include <chrono>
#include <gtest/gtest.h>
#include <thread>

using namespace PocoH2Test;

namespace {

class StreamingTest : public ServerFixture
{
};

TEST_F(StreamingTest, TrailersRoundTripGrpcStyle)
{
	for (bool tls : {false, true})
	{
		SCOPED_TRACE(tls ? "TLS" : "h2c");
		const CommandResult result =
			runH2Frames("trailers", tls ? servers().tlsPort() : servers().plainPort(), tls);
		EXPECT_EQ(0, result.exitCode) << result.output;
	}
}

TEST_F(StreamingTest, CompleteResponseEndsUnfinishedUploadWithRstStreamNoError)
{
	for (bool tls : {false, true})
	{
		SCOPED_TRACE(tls ? "TLS" : "h2c");
		const CommandResult result =
			runH2Frames("auth_unfinished_upload", tls ? servers().tlsPort() : servers().plainPort(), tls);
		EXPECT_EQ(0, result.exitCode) << result.output;
	}
}

TEST_F(StreamingTest, ClosedWindowsHoldResponseAndHandlerBack)
{
	// window_exhausted keeps the client's windows closed for 1.5 s after its
	// request for 1 MiB; the handler must meanwhile be blocked in its writes
	// (the bounded stream buffer is full), not done with the body buffered.
	PocoH2::HTTP2Server& server = servers().plainServer();
	CommandResult result{-1, ""};
	std::thread client([&] { result = runH2Frames("window_exhausted", servers().plainPort()); });
	bool started = false;
	for (int i = 0; i < 500 && !started; ++i)
	{
		started = server.currentHTTP2Streams() > 0;
		std::this_thread::sleep_for(std::chrono::milliseconds(10));
	}
	std::this_thread::sleep_for(std::chrono::milliseconds(800));
	const int running = server.currentHTTP2Streams();
	client.join();
	EXPECT_EQ(0, result.exitCode) << result.output;
	EXPECT_TRUE(started) << "the request never reached its handler\n" << result.output;
	EXPECT_EQ(1, running) << "the /stream handler returned while the client's windows were closed: "
						  << "its 1 MiB body was buffered instead of blocking the handler";
}

TEST_F(StreamingTest, InitialWindowSizeChangeAppliesToOpenStream)
{
	const CommandResult result = runH2Frames("window_settings_change", servers().plainPort());
	EXPECT_EQ(0, result.exitCode) << result.output;
}

TEST_F(StreamingTest, SlowHandlerHoldsUploadBack)
{
	const CommandResult result = runH2Frames("upload_backpressure", servers().plainPort(), false, "delay=500");
	EXPECT_EQ(0, result.exitCode) << result.output;
}

} // namespace
