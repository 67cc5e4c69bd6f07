// The client's Ctx without a socket: the request body pipe as the codec sees
// it (BodySource), the response side as the caller sees it, retries, errors
// and the collected (asynchronous) form.
#include "client/ClientStream.h"
#include "PocoH2/HTTP2Exception.h"
#include <chrono>
#include <gtest/gtest.h>
#include <thread>

using PocoH2::Client::ClientStream;
using PocoH2::Codec::BodySource;
using PocoH2::Codec::HeaderBlock;

namespace {

HeaderBlock requestHead()
{
	HeaderBlock head;
	head.add(":method", "POST");
	head.add(":path", "/");
	return head;
}

std::string take(ClientStream& stream, std::size_t length, bool& end)
{
	std::string buffer(length, '\0');
	const long n = stream.read(reinterpret_cast<std::uint8_t*>(&buffer[0]), length, end);
	return n == BodySource::DEFERRED ? std::string("<deferred>") : buffer.substr(0, static_cast<std::size_t>(n));
}

} // namespace

TEST(ClientStream, WholeBodyIsReadInFramesAndRewoundForARetry)
{
	auto pStream = std::make_shared<ClientStream>(requestHead(), ClientStream::BodyMode::WHOLE, 1024);
	pStream->setWholeBody("abcde");
	bool end = false;
	EXPECT_EQ(take(*pStream, 3, end), "abc");
	EXPECT_FALSE(end);
	EXPECT_EQ(take(*pStream, 3, end), "de");
	EXPECT_TRUE(end);
	ASSERT_TRUE(pStream->prepareRetry());
	end = false;
	EXPECT_EQ(take(*pStream, 10, end), "abcde");
	EXPECT_TRUE(end);
}

TEST(ClientStream, StreamedBodyIsBoundedAndDeferredWhenEmpty)
{
	auto pStream = std::make_shared<ClientStream>(requestHead(), ClientStream::BodyMode::STREAMED, 1024);
	bool end = false;
	EXPECT_EQ(take(*pStream, 100, end), "<deferred>");
	EXPECT_TRUE(pStream->bodyBlocked());
	EXPECT_TRUE(pStream->prepareRetry()); // nothing taken yet
	const std::string data(3000, 'x');
	EXPECT_EQ(pStream->writeSome(data.data(), data.size()), 1024u); // the pipe holds 1024
	EXPECT_EQ(pStream->writeSome(data.data(), data.size()), 0u);
	EXPECT_EQ(take(*pStream, 1000, end).size(), 1000u);
	EXPECT_EQ(pStream->writeSome(data.data(), data.size()), 1000u);
	pStream->endBody();
	EXPECT_EQ(take(*pStream, 5000, end).size(), 1024u);
	EXPECT_TRUE(end);
	EXPECT_FALSE(pStream->prepareRetry()); // streamed bytes are gone
}

TEST(ClientStream, ResponseHeadBodyAndEnd)
{
	auto pStream = std::make_shared<ClientStream>(requestHead(), ClientStream::BodyMode::NONE, 1024);
	HeaderBlock head;
	head.add(":status", "200");
	pStream->onHead(head);
	const std::string part1 = "hello ";
	const std::string part2 = "world";
	EXPECT_FALSE(pStream->onData(reinterpret_cast<const std::uint8_t*>(part1.data()), part1.size()));
	EXPECT_FALSE(pStream->onData(reinterpret_cast<const std::uint8_t*>(part2.data()), part2.size()));
	pStream->onEnd();
	EXPECT_TRUE(pStream->onClosed(0));
	pStream->waitForHead();
	EXPECT_EQ(*pStream->responseHead().find(":status"), "200");
	char buffer[64];
	std::string body;
	std::size_t n;
	while ((n = pStream->readBody(buffer, sizeof(buffer))) > 0)
		body.append(buffer, n);
	EXPECT_EQ(body, "hello world");
	EXPECT_EQ(pStream->receivedBytes(), 11u);
}

TEST(ClientStream, TheReadThatTakesTheLastBytesNotesTheEnd)
{
	// bodyEndTaken() lets the caller skip the lock for the read that returns
	// 0 and for the abandon check: it must hold only once the end was read.
	auto pStream = std::make_shared<ClientStream>(requestHead(), ClientStream::BodyMode::NONE, 1024);
	HeaderBlock head;
	head.add(":status", "200");
	pStream->onHead(head);
	const std::string data = "abc";
	pStream->onData(reinterpret_cast<const std::uint8_t*>(data.data()), data.size());
	char buffer[8];
	EXPECT_EQ(pStream->readBody(buffer, 3), 3u);
	EXPECT_FALSE(pStream->bodyEndTaken()); // drained, but the server has not ended it
	pStream->onData(reinterpret_cast<const std::uint8_t*>(data.data()), data.size());
	pStream->onEnd();
	EXPECT_EQ(pStream->readBody(buffer, 2), 2u);
	EXPECT_FALSE(pStream->bodyEndTaken()); // one byte left
	EXPECT_EQ(pStream->readBody(buffer, 8), 1u);
	EXPECT_TRUE(pStream->bodyEndTaken());
	EXPECT_TRUE(pStream->finished());
	EXPECT_EQ(pStream->readBody(buffer, 8), 0u);
	bool end = false;
	EXPECT_EQ(pStream->readAvailable(buffer, 8, end), 0u);
	EXPECT_TRUE(end);

	// An end with no body: the read that finds it notes it too.
	auto pEmpty = std::make_shared<ClientStream>(requestHead(), ClientStream::BodyMode::NONE, 1024);
	HeaderBlock emptyHead;
	emptyHead.add(":status", "204");
	pEmpty->onHead(emptyHead);
	pEmpty->onEnd();
	end = false;
	EXPECT_EQ(pEmpty->readAvailable(buffer, 8, end), 0u);
	EXPECT_TRUE(end);
	EXPECT_TRUE(pEmpty->bodyEndTaken());

	// A reset before the end: the read throws and the end is not noted.
	auto pReset = std::make_shared<ClientStream>(requestHead(), ClientStream::BodyMode::NONE, 1024);
	HeaderBlock resetHead;
	resetHead.add(":status", "200");
	pReset->onHead(resetHead);
	pReset->onData(reinterpret_cast<const std::uint8_t*>(data.data()), data.size());
	EXPECT_FALSE(pReset->onClosed(8)); // CANCEL
	EXPECT_EQ(pReset->readBody(buffer, 8), 3u);
	EXPECT_THROW(pReset->readBody(buffer, 8), PocoH2::HTTP2StreamResetException);
	EXPECT_FALSE(pReset->bodyEndTaken());
}

TEST(ClientStream, CallerBlockedForTheBodyWakesWhenHeadBodyAndEndComeInOneBatch)
{
	// The loop skips the batch's wake-up of a stream the batch completed:
	// the completion itself must have woken the caller.
	auto pStream = std::make_shared<ClientStream>(requestHead(), ClientStream::BodyMode::NONE, 1024);
	std::string body;
	std::thread caller(
		[&]
		{
			pStream->waitForHead();
			char buffer[8];
			std::size_t n;
			while ((n = pStream->readBody(buffer, sizeof(buffer))) > 0)
				body.append(buffer, n);
		});
	std::this_thread::sleep_for(std::chrono::milliseconds(20)); // let it sleep (not needed for correctness)
	HeaderBlock head;
	head.add(":status", "200");
	const std::string data = "hello";
	const bool waiting = pStream->onHead(head);
	pStream->onData(reinterpret_cast<const std::uint8_t*>(data.data()), data.size());
	pStream->onEnd();
	if (waiting && pStream->queueWake())
		pStream->wakeCaller();
	caller.join();
	EXPECT_EQ(body, "hello");
}

TEST(ClientStream, ErrorsReachTheCaller)
{
	auto pStream = std::make_shared<ClientStream>(requestHead(), ClientStream::BodyMode::NONE, 1024);
	pStream->fail(Poco::TimeoutException("too slow"));
	EXPECT_THROW(pStream->waitForHead(), Poco::TimeoutException);
	EXPECT_FALSE(pStream->prepareRetry());

	auto pReset = std::make_shared<ClientStream>(requestHead(), ClientStream::BodyMode::NONE, 1024);
	HeaderBlock head;
	head.add(":status", "200");
	pReset->onHead(head);
	EXPECT_FALSE(pReset->onClosed(2)); // INTERNAL_ERROR before the end of the body
	char buffer[8];
	try
	{
		pReset->readBody(buffer, sizeof(buffer));
		FAIL();
	}
	catch (PocoH2::HTTP2StreamResetException& exc)
	{
		EXPECT_EQ(exc.code(), 2);
		EXPECT_NE(exc.displayText().find("INTERNAL_ERROR"), std::string::npos);
	}
}

TEST(ClientStream, CollectedExchangeCompletesOnce)
{
	auto pStream = std::make_shared<ClientStream>(requestHead(), ClientStream::BodyMode::NONE, 1024);
	int calls = 0;
	std::string body;
	pStream->setCompletion(
		[&](ClientStream& stream)
		{
			++calls;
			body = stream.collectedBody();
			EXPECT_EQ(stream.error(), nullptr);
		});
	HeaderBlock head;
	head.add(":status", "204");
	pStream->onHead(head);
	const std::string data = "abc";
	EXPECT_TRUE(pStream->onData(reinterpret_cast<const std::uint8_t*>(data.data()), data.size())); // credited at once
	pStream->onEnd();
	pStream->onClosed(0);
	pStream->fail(Poco::IOException("late"));
	EXPECT_EQ(calls, 1);
	EXPECT_EQ(body, "abc");
}
