// A connection's table of open streams: lookup, holes left by closed
// streams, and the storage it gives up when empty.
#include "server/StreamTable.h"
#include "transport/EventLoop.h"
#include <Poco/Exception.h>
#include <gtest/gtest.h>
#include <vector>

using namespace PocoH2;
using namespace PocoH2::Server;

namespace {

ServerStream::Ptr makeStream(Transport::EventLoop& loop, std::int32_t id)
{
	return std::make_shared<ServerStream>(
		id, std::make_shared<ConnectionInfo>(), loop, std::weak_ptr<ServerConnection>(), 1024);
}

std::vector<std::int32_t> ids(const StreamTable& table)
{
	std::vector<std::int32_t> result;
	table.forEach([&result](ServerStream& stream) { result.push_back(stream.id()); });
	return result;
}

} // namespace

TEST(StreamTable, FindsWhatWasInsertedUntilErased)
{
	Transport::EventLoop loop;
	StreamTable table;
	EXPECT_EQ(table.find(1), nullptr);
	for (std::int32_t id = 1; id < 200; id += 2)
		table.insert(makeStream(loop, id));
	EXPECT_EQ(table.size(), 100u);
	for (std::int32_t id = 1; id < 200; id += 2)
	{
		ASSERT_NE(table.find(id), nullptr);
		EXPECT_EQ(table.find(id)->id(), id);
		EXPECT_EQ(table.find(id + 1), nullptr);
	}
	EXPECT_EQ(table.find(0), nullptr);
	EXPECT_EQ(table.find(201), nullptr);

	ServerStream::Ptr pErased = table.erase(51);
	ASSERT_NE(pErased, nullptr);
	EXPECT_EQ(pErased->id(), 51);
	EXPECT_EQ(table.find(51), nullptr);
	EXPECT_EQ(table.erase(51), nullptr); // a hole is not a stream
	EXPECT_EQ(table.erase(52), nullptr);
	EXPECT_EQ(table.size(), 99u);
	EXPECT_NE(table.find(49), nullptr);
	EXPECT_NE(table.find(53), nullptr);
}

TEST(StreamTable, ClosingInAnyOrderKeepsTheRestFindable)
{
	Transport::EventLoop loop;
	StreamTable table;
	for (std::int32_t id = 1; id <= 99; id += 2)
		table.insert(makeStream(loop, id));
	// Oldest first (holes at the front, compacted as they grow), then the
	// newest (dropped from the back), then every third of the rest.
	for (std::int32_t id = 1; id <= 39; id += 2)
		ASSERT_NE(table.erase(id), nullptr);
	for (std::int32_t id = 99; id >= 91; id -= 2)
		ASSERT_NE(table.erase(id), nullptr);
	std::vector<std::int32_t> expected;
	for (std::int32_t id = 41; id <= 89; id += 2)
	{
		if (id % 3 == 0)
			ASSERT_NE(table.erase(id), nullptr);
		else
			expected.push_back(id);
	}
	EXPECT_EQ(ids(table), expected);
	EXPECT_EQ(table.size(), expected.size());
	for (std::int32_t id : expected)
		EXPECT_NE(table.find(id), nullptr);
	// A later stream still goes after them all.
	table.insert(makeStream(loop, 101));
	EXPECT_EQ(table.find(101)->id(), 101);
	EXPECT_EQ(ids(table).back(), 101);
}

TEST(StreamTable, FindsTheStreamsOfAPeerThatSkipsIds)
{
	// Where an id does not tell the index, the lookup must not trust it.
	Transport::EventLoop loop;
	StreamTable table;
	const std::vector<std::int32_t> opened{3, 5, 11, 13, 15, 101, 103, 0x7ffffffd, 0x7fffffff};
	for (std::int32_t id : opened)
		table.insert(makeStream(loop, id));
	for (std::int32_t id : opened)
	{
		ASSERT_NE(table.find(id), nullptr) << id;
		EXPECT_EQ(table.find(id)->id(), id);
	}
	// Ids whose guessed index holds another stream, even ids, ids below and
	// between the open ones.
	for (std::int32_t id : {1, 4, 7, 9, 17, 99, 105, -1, 0, 0x7ffffffb})
		EXPECT_EQ(table.find(id), nullptr) << id;
	// Closing from the front moves the rest when the holes are compacted.
	for (std::int32_t id : {3, 5, 11, 13, 15})
		ASSERT_NE(table.erase(id), nullptr);
	EXPECT_EQ(ids(table), (std::vector<std::int32_t>{101, 103, 0x7ffffffd, 0x7fffffff}));
	for (std::int32_t id : {101, 103, 0x7ffffffd, 0x7fffffff})
		EXPECT_EQ(table.find(id)->id(), id);
	EXPECT_EQ(table.find(105), nullptr);
}

TEST(StreamTable, RefusesIdsNotAboveTheOpenStreams)
{
	Transport::EventLoop loop;
	StreamTable table;
	table.insert(makeStream(loop, 5));
	EXPECT_THROW(table.insert(makeStream(loop, 1)), Poco::AssertionViolationException);
	EXPECT_THROW(table.insert(makeStream(loop, 5)), Poco::AssertionViolationException);
	EXPECT_EQ(ids(table), (std::vector<std::int32_t>{5}));
	EXPECT_EQ(table.size(), 1u);
	table.insert(makeStream(loop, 7));
	// Once the newest closed, the next id need only be above the others.
	ASSERT_NE(table.erase(7), nullptr);
	table.insert(makeStream(loop, 9));
	EXPECT_EQ(ids(table), (std::vector<std::int32_t>{5, 9}));
	EXPECT_EQ(table.size(), 2u);
}

TEST(StreamTable, EmptyTableGivesUpItsStorageAndStaysUsable)
{
	Transport::EventLoop loop;
	StreamTable table;
	for (int round = 0; round < 3; ++round)
	{
		for (std::int32_t id = 1; id <= 63; id += 2)
			table.insert(makeStream(loop, 100 * round + id));
		table.releaseMemory(); // not empty: keeps everything
		EXPECT_EQ(table.size(), 32u);
		for (std::int32_t id = 1; id <= 63; id += 2)
			ASSERT_NE(table.erase(100 * round + id), nullptr);
		EXPECT_TRUE(table.empty());
		table.releaseMemory();
		EXPECT_TRUE(ids(table).empty());
	}
	table.insert(makeStream(loop, 1001));
	table.clear();
	EXPECT_TRUE(table.empty());
	EXPECT_EQ(table.find(1001), nullptr);
}
