// SpareStorage: per-thread spare buffers, bounded in number, in size each
// and in size all together.
#include "transport/SpareStorage.h"
#include <gtest/gtest.h>
#include <string>
#include <thread>

using PocoH2::Transport::SpareStorage;

namespace {

TEST(SpareStorage, KeepsBuffersUpToItsTotalAndFreesTheRest)
{
	// Up to 4 spares of up to 64 KiB each, 100 KiB in all.
	using Spares = SpareStorage<std::string, 64 * 1024, 4, 100 * 1024>;
	std::string first, second, tooLarge;
	first.reserve(40 * 1024);
	second.reserve(40 * 1024);
	tooLarge.reserve(65 * 1024);
	const std::size_t firstCapacity = first.capacity();
	Spares::give(first);
	Spares::give(tooLarge);
	EXPECT_EQ(first.capacity(), std::string().capacity()) << "a given buffer leaves its owner";
	EXPECT_EQ(tooLarge.capacity(), std::string().capacity());

	std::string third;
	third.reserve(40 * 1024);
	Spares::give(second);
	Spares::give(third); // 120 KiB would pass the total: freed

	std::string taken;
	Spares::take(taken);
	EXPECT_GE(taken.capacity(), 40u * 1024) << "the second buffer was kept";
	std::string next;
	Spares::take(next);
	EXPECT_EQ(next.capacity(), firstCapacity) << "the first buffer was kept";
	std::string none;
	Spares::take(none);
	EXPECT_EQ(none.capacity(), std::string().capacity()) << "the third and the too large one were freed";

	// Taking gives room back to the total.
	Spares::give(taken);
	Spares::give(next);
	std::string again;
	Spares::take(again);
	EXPECT_GE(again.capacity(), 40u * 1024);
	Spares::give(again);
}

TEST(SpareStorage, EachThreadHasItsOwn)
{
	using Spares = SpareStorage<std::string, 64 * 1024, 4, 100 * 1024>;
	std::string buffer;
	buffer.reserve(8 * 1024);
	Spares::give(buffer);
	std::size_t otherThreadGot = 1;
	std::thread([&] {
		std::string taken;
		Spares::take(taken);
		otherThreadGot = taken.capacity();
	}).join();
	EXPECT_EQ(otherThreadGot, std::string().capacity());
	std::string taken;
	Spares::take(taken);
	EXPECT_GE(taken.capacity(), 8u * 1024);
}

} // namespace
