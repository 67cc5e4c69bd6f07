// The pipes between a handler thread and the loop side of a ServerStream.
#include "PocoH2/HTTP2Exception.h"
#include "server/ServerStream.h"
#include <atomic>
#include <chrono>
#include <gtest/gtest.h>
#include <thread>

using namespace PocoH2;
using namespace PocoH2::Server;

namespace {

ServerStream::Ptr makeStream(Transport::EventLoop& loop, std::size_t capacity = 1024)
{
	// No connection: tasks the stream posts find nobody and are dropped.
	return std::make_shared<ServerStream>(
		1, std::make_shared<ConnectionInfo>(), loop, std::weak_ptr<ServerConnection>(), capacity);
}

std::string drain(ServerStream& stream, bool& ended)
{
	std::string out;
	std::uint8_t buffer[300];
	for (;;)
	{
		bool end = false;
		const long n = stream.read(buffer, sizeof(buffer), end);
		if (n == Codec::BodySource::DEFERRED)
			break;
		out.append(reinterpret_cast<char*>(buffer), static_cast<std::size_t>(n));
		if (end)
		{
			ended = true;
			break;
		}
	}
	return out;
}

} // namespace

TEST(ServerStream, RequestBodyFlowsToTheHandler)
{
	Transport::EventLoop loop;
	auto stream = makeStream(loop);
	const std::string part1 = "first ", part2 = "second";
	stream->onBodyData(reinterpret_cast<const std::uint8_t*>(part1.data()), part1.size());
	std::string received;
	std::thread handler(
		[&]
		{
			char buffer[4];
			std::size_t n;
			while ((n = stream->readBody(buffer, sizeof(buffer))) > 0)
				received.append(buffer, n);
		});
	std::this_thread::sleep_for(std::chrono::milliseconds(20)); // the handler waits for more
	stream->onBodyData(reinterpret_cast<const std::uint8_t*>(part2.data()), part2.size());
	stream->onRequestEnd();
	handler.join();
	EXPECT_EQ(received, "first second");
	EXPECT_EQ(stream->receivedBytes(), 12u);
}

TEST(ServerStream, ReadingAClosedStreamThrows)
{
	Transport::EventLoop loop;
	auto stream = makeStream(loop);
	stream->onClosed(8); // CANCEL
	char buffer[8];
	EXPECT_THROW(stream->readBody(buffer, sizeof(buffer)), HTTP2StreamResetException);
	EXPECT_THROW(stream->writeBody("x", 1), HTTP2StreamResetException);
	EXPECT_TRUE(stream->isClosed());
}

TEST(ServerStream, WriterBlocksWhileTheBufferIsFull)
{
	Transport::EventLoop loop;
	auto stream = makeStream(loop, 1024);
	const std::string payload(5000, 'z');
	std::atomic<bool> done{false};
	std::thread handler(
		[&]
		{
			stream->writeBody(payload.data(), payload.size());
			stream->endBody();
			done = true;
		});
	std::this_thread::sleep_for(std::chrono::milliseconds(50));
	EXPECT_FALSE(done.load()); // 5000 bytes do not fit in 1024
	std::string out;
	bool ended = false;
	while (!ended)
	{
		out += drain(*stream, ended);
		std::this_thread::yield();
	}
	handler.join();
	EXPECT_TRUE(done.load());
	EXPECT_EQ(out, payload);
}

TEST(ServerStream, EmptyBodyEndsAtOnce)
{
	Transport::EventLoop loop;
	auto stream = makeStream(loop);
	bool ended = false;
	EXPECT_EQ(drain(*stream, ended), "");
	EXPECT_FALSE(ended); // nothing yet: deferred
	stream->endBody();
	EXPECT_EQ(drain(*stream, ended), "");
	EXPECT_TRUE(ended);
}

TEST(ServerStream, DiscardingCreditsAtOnce)
{
	Transport::EventLoop loop;
	auto stream = makeStream(loop);
	const std::string data(100, 'd');
	EXPECT_FALSE(stream->onBodyData(reinterpret_cast<const std::uint8_t*>(data.data()), data.size()));
	EXPECT_EQ(stream->discardUnread(), 100u);
	EXPECT_TRUE(stream->onBodyData(reinterpret_cast<const std::uint8_t*>(data.data()), data.size()));
}

TEST(ServerStream, WaitingWriterIsWokenOnlyOnceHalfTheBufferIsFree)
{
	// Waking the handler for every frame's worth of room would cost two
	// thread switches per DATA frame: it refills from half empty.
	Transport::EventLoop loop;
	auto stream = makeStream(loop, 1024);
	const std::string payload(5000, 'h');
	std::thread handler(
		[&]
		{
			stream->writeBody(payload.data(), payload.size());
			stream->endBody();
		});
	while (!stream->handlerWaitsForRoom()) // it wrote 1024 bytes and waits for room
		std::this_thread::yield();
	std::uint8_t first[300];
	bool firstEnd = false;
	ASSERT_EQ(300, stream->read(first, sizeof(first), firstEnd));
	std::this_thread::sleep_for(std::chrono::milliseconds(50));
	std::uint8_t rest[2000];
	bool end = false;
	EXPECT_EQ(724, stream->read(rest, sizeof(rest), end)) << "the handler refilled before half the buffer was free";
	std::string out(300, 'h');
	out.append(reinterpret_cast<char*>(rest), 724);
	bool ended = false;
	while (!ended)
	{
		out += drain(*stream, ended);
		std::this_thread::yield();
	}
	handler.join();
	EXPECT_EQ(out, payload);
}

TEST(ServerStream, LargeFramesAreOfferedInPlace)
{
	Transport::EventLoop loop;
	auto stream = makeStream(loop, 64 * 1024);
	std::string payload(20000, 'p');
	payload[16383] = 'e';
	payload[16384] = 's';
	stream->writeBody(payload.data(), payload.size());
	stream->endBody();
	std::uint8_t buffer[16384];
	bool end = false;
	bool inPlace = false;
	ASSERT_EQ(16384, stream->readFrame(buffer, sizeof(buffer), end, inPlace));
	EXPECT_TRUE(inPlace);
	EXPECT_FALSE(end);
	std::string out = "frame:";
	stream->appendTo(out, 16384);
	EXPECT_EQ(16384u, stream->sentBytes());
	// 3616 bytes are left: below IN_PLACE_MIN they are copied as before.
	ASSERT_EQ(3616, stream->readFrame(buffer, sizeof(buffer), end, inPlace));
	EXPECT_FALSE(inPlace);
	EXPECT_TRUE(end);
	out.append(reinterpret_cast<char*>(buffer), 3616);
	EXPECT_EQ("frame:" + payload, out);
}

TEST(ServerStream, LentBodyIsFramedFromTheLendersBufferUntilTaken)
{
	// lendBody() copies nothing into the response buffer (1 KiB here, far
	// less than the body) and returns once the loop side took the last byte.
	Transport::EventLoop loop;
	auto stream = makeStream(loop, 1024);
	std::string payload(40000, 'l');
	for (std::size_t i = 0; i < payload.size(); i += 1000)
		payload[i] = static_cast<char>('A' + i / 1000 % 26);
	std::atomic<bool> returned{false};
	std::thread handler(
		[&]
		{
			stream->lendBody(payload.data(), payload.size());
			returned = true;
			stream->endBody();
		});
	while (!stream->hasPendingOutput())
		std::this_thread::yield();
	std::string out;
	std::uint8_t buffer[16384];
	bool end = false;
	bool inPlace = false;
	// Frames of 16 KiB go in place (appendTo() copies them); the last
	// 7232 bytes are copied by read().
	ASSERT_EQ(16384, stream->readFrame(buffer, sizeof(buffer), end, inPlace));
	EXPECT_TRUE(inPlace);
	EXPECT_FALSE(end);
	stream->appendTo(out, 16384);
	ASSERT_EQ(16384, stream->readFrame(buffer, sizeof(buffer), end, inPlace));
	stream->appendTo(out, 16384);
	std::this_thread::sleep_for(std::chrono::milliseconds(30));
	EXPECT_FALSE(returned.load()) << "the lender returned while its bytes were still to be taken";
	ASSERT_EQ(7232, stream->read(buffer, sizeof(buffer), end));
	EXPECT_FALSE(end) << "the body ends with endBody(), after lendBody() returned";
	out.append(reinterpret_cast<char*>(buffer), 7232);
	handler.join();
	EXPECT_TRUE(returned.load());
	bool ended = false;
	EXPECT_EQ(drain(*stream, ended), "");
	EXPECT_TRUE(ended);
	EXPECT_TRUE(out == payload) << "the lent bytes arrived changed";
	EXPECT_EQ(stream->sentBytes(), payload.size());
}

TEST(ServerStream, LenderIsReleasedWhenTheStreamCloses)
{
	Transport::EventLoop loop;
	auto stream = makeStream(loop, 1024);
	const std::string payload(40000, 'c');
	std::atomic<bool> threw{false};
	std::thread handler(
		[&]
		{
			try
			{
				stream->lendBody(payload.data(), payload.size());
			}
			catch (HTTP2StreamResetException&)
			{
				threw = true;
			}
		});
	while (!stream->hasPendingOutput())
		std::this_thread::yield();
	std::uint8_t buffer[1000];
	bool end = false;
	ASSERT_EQ(1000, stream->read(buffer, sizeof(buffer), end));
	stream->onClosed(8); // CANCEL
	handler.join();
	EXPECT_TRUE(threw.load());
	EXPECT_FALSE(stream->hasPendingOutput()) << "the closed stream still points at the lender's bytes";
	EXPECT_THROW(stream->lendBody(payload.data(), payload.size()), HTTP2StreamResetException);
}
