#include "server/FloodGuard.h"
#include <gtest/gtest.h>

using PocoH2::Server::FloodGuard;

namespace {

constexpr std::uint8_t DATA = 0x0;
constexpr std::uint8_t HEADERS = 0x1;
constexpr std::uint8_t RST_STREAM = 0x3;
constexpr std::uint8_t SETTINGS = 0x4;
constexpr std::uint8_t PING = 0x6;
constexpr std::uint8_t WINDOW_UPDATE = 0x8;
constexpr std::uint8_t CONTINUATION = 0x9;
constexpr std::uint8_t END_STREAM = 0x1;
constexpr std::uint8_t ACK = 0x1;

int admittedInARow(FloodGuard& guard, std::uint8_t type, std::uint8_t flags, std::size_t length,
	FloodGuard::Clock::time_point now, int most = 100000)
	/// How many such frames at one instant the guard admits before the first refusal.
{
	for (int i = 0; i < most; ++i)
	{
		if (!guard.admit(type, flags, length, now))
			return i;
	}
	return most;
}

} // namespace

TEST(FloodGuard, ResetsBurstThenRefused)
{
	const auto t0 = FloodGuard::Clock::now();
	FloodGuard guard(t0);
	EXPECT_EQ(admittedInARow(guard, RST_STREAM, 0, 4, t0), 500);
	EXPECT_TRUE(guard.tripped());
	EXPECT_NE(guard.reason().find("RST_STREAM"), std::string::npos) << guard.reason();
	// Refused once; the connection is ending, later frames are not refused again.
	EXPECT_TRUE(guard.admit(RST_STREAM, 0, 4, t0));
}

TEST(FloodGuard, ResetsRefillAtTheirRate)
{
	const auto t0 = FloodGuard::Clock::now();
	FloodGuard guard(t0);
	EXPECT_EQ(admittedInARow(guard, RST_STREAM, 0, 4, t0, 500), 500);
	// 33 a second: a second later, 33 more (and not 34).
	const auto t1 = t0 + std::chrono::seconds(1);
	EXPECT_EQ(admittedInARow(guard, RST_STREAM, 0, 4, t1, 33), 33);
	EXPECT_FALSE(guard.admit(RST_STREAM, 0, 4, t1));
}

TEST(FloodGuard, SteadyWellBehavedTrafficNeverTrips)
{
	auto now = FloodGuard::Clock::now();
	FloodGuard guard(now);
	// An hour of a busy client: 20 cancels, 2 PINGs, 1 SETTINGS, 1 empty DATA
	// with END_STREAM and 1000 requests with bodies every second.
	for (int second = 0; second < 3600; ++second)
	{
		now += std::chrono::seconds(1);
		for (int i = 0; i < 20; ++i)
			ASSERT_TRUE(guard.admit(RST_STREAM, 0, 4, now));
		ASSERT_TRUE(guard.admit(PING, 0, 8, now));
		ASSERT_TRUE(guard.admit(PING, ACK, 8, now));
		ASSERT_TRUE(guard.admit(SETTINGS, 0, 6, now));
		ASSERT_TRUE(guard.admit(SETTINGS, ACK, 0, now));
		ASSERT_TRUE(guard.admit(DATA, END_STREAM, 0, now));
		for (int i = 0; i < 1000; ++i)
		{
			ASSERT_TRUE(guard.admit(HEADERS, 0x4, 40, now));
			ASSERT_TRUE(guard.admit(DATA, END_STREAM, 100, now));
			ASSERT_TRUE(guard.admit(WINDOW_UPDATE, 0, 4, now));
		}
	}
	EXPECT_FALSE(guard.tripped());
}

TEST(FloodGuard, EmptyFramesWithoutEndStream)
{
	const auto t0 = FloodGuard::Clock::now();
	{
		FloodGuard guard(t0);
		EXPECT_EQ(admittedInARow(guard, DATA, 0, 0, t0), 100);
	}
	{
		FloodGuard guard(t0);
		EXPECT_EQ(admittedInARow(guard, HEADERS, 0x4, 0, t0), 100);
	}
	{
		FloodGuard guard(t0);
		EXPECT_EQ(admittedInARow(guard, CONTINUATION, 0, 0, t0), 100);
		EXPECT_NE(guard.reason().find("empty"), std::string::npos) << guard.reason();
	}
	{
		// An empty DATA frame that ends the stream is how a body ends.
		FloodGuard guard(t0);
		EXPECT_EQ(admittedInARow(guard, DATA, END_STREAM, 0, t0, 10000), 10000);
	}
}

TEST(FloodGuard, PingAndSettingsShareABucket)
{
	const auto t0 = FloodGuard::Clock::now();
	FloodGuard guard(t0);
	EXPECT_EQ(admittedInARow(guard, PING, 0, 8, t0, 150), 150);
	EXPECT_EQ(admittedInARow(guard, SETTINGS, 0, 6, t0), 50);
	EXPECT_NE(guard.reason().find("PING/SETTINGS"), std::string::npos) << guard.reason();
}

TEST(FloodGuard, AcknowledgementsAndWindowUpdatesAreNotCounted)
{
	const auto t0 = FloodGuard::Clock::now();
	FloodGuard guard(t0);
	EXPECT_EQ(admittedInARow(guard, PING, ACK, 8, t0, 100000), 100000);
	EXPECT_EQ(admittedInARow(guard, SETTINGS, ACK, 0, t0, 100000), 100000);
	EXPECT_EQ(admittedInARow(guard, WINDOW_UPDATE, 0, 4, t0, 100000), 100000);
	EXPECT_FALSE(guard.tripped());
}
