// A loop thread recycles closed streams (StreamPool): a recycled stream must
// look exactly like a new one, and a stream somebody else still holds must
// not be recycled under them.
#include "server/StreamPool.h"
#include <gtest/gtest.h>
#include <thread>

using namespace PocoH2;
using namespace PocoH2::Server;

namespace {

class StreamPoolTest : public ::testing::Test
{
protected:
	// Each test starts and ends with an empty pool on its thread.
	void SetUp() override { StreamPool::clear(); }
	void TearDown() override { StreamPool::clear(); }

	ServerStream::Ptr acquire(std::int32_t id, std::size_t responseBufferSize = 2048)
	{
		return StreamPool::acquire(
			id, _pInfo, _loop, std::weak_ptr<ServerConnection>(), responseBufferSize, std::chrono::milliseconds(50));
	}

	Transport::EventLoop _loop;
	std::shared_ptr<ConnectionInfo> _pInfo = std::make_shared<ConnectionInfo>();
};

Codec::HeaderBlock block(const std::string& name, const std::string& value, int count = 1)
{
	Codec::HeaderBlock headers;
	for (int i = 0; i < count; ++i)
		headers.add(name + std::to_string(i), value);
	return headers;
}

void useEverything(ServerStream& stream)
	// Changes every piece of state a request and its handler can leave in a
	// stream: request head, body, trailers, events, response body and
	// trailers, close state, and the connection's flags.
{
	RequestHead& request = stream.mutableRequest();
	request.method = "POST";
	request.scheme = "https";
	request.authority = "old.example";
	request.path = "/old";
	request.headers = block("x-old-header", "old value, longer than fifteen bytes");
	const std::string body = "old body";
	stream.onBodyData(reinterpret_cast<const std::uint8_t*>(body.data()), body.size());
	Codec::HeaderBlock trailers = block("x-old-trailer", "old");
	stream.onRequestTrailers(trailers);
	stream.onRequestEnd();
	stream.runInline();
	char buffer[4];
	ASSERT_EQ(stream.readBody(buffer, sizeof(buffer)), 4u); // leaves unread bytes and uncredited ones
	stream.sendInformational(block(":status", "103"));
	stream.sendHead(block(":status", "200"), true);
	stream.writeBody("old response", 12);
	stream.endBody(block("x-old-response-trailer", "old"));
	std::uint8_t out[5];
	bool end = false;
	ASSERT_EQ(stream.read(out, sizeof(out), end), 5); // part of the response body sent
	stream.handlerDone();
	stream.creditedBytes() = 3;
	stream.onClosed(8);
	stream.handlerFinished = true;
	stream.localEnded = true;
	stream.responseStarted = true;
	stream.abandoned = true;
	stream.handlerRunning = true;
	stream.handlerWaitsForUpload = true;
	stream.detached = true;
	stream.heldHeaderBytes = 123;
	stream.sendStalled = true;
	stream.sentAtStall = 5;
	stream.stalledSince = Transport::EventLoop::Clock::now();
}

void expectFresh(ServerStream& stream, std::int32_t id)
{
	EXPECT_EQ(stream.id(), id);
	const RequestHead& request = stream.request();
	EXPECT_EQ(request.method, "");
	EXPECT_EQ(request.scheme, "");
	EXPECT_EQ(request.authority, "");
	EXPECT_EQ(request.path, "");
	EXPECT_TRUE(request.headers.empty());
	EXPECT_EQ(request.headers.listSize(), 0u);
	EXPECT_TRUE(stream.requestTrailers().empty());
	EXPECT_FALSE(stream.isClosed());
	EXPECT_FALSE(stream.requestEnded());
	EXPECT_EQ(stream.receivedBytes(), 0u);
	EXPECT_EQ(stream.creditedBytes(), 0u);
	EXPECT_EQ(stream.sentBytes(), 0u);
	EXPECT_FALSE(stream.hasPendingOutput());
	EXPECT_FALSE(stream.handlerFinished);
	EXPECT_FALSE(stream.localEnded);
	EXPECT_FALSE(stream.responseStarted);
	EXPECT_FALSE(stream.abandoned);
	EXPECT_FALSE(stream.handlerRunning);
	EXPECT_FALSE(stream.handlerWaitsForUpload);
	EXPECT_FALSE(stream.detached);
	EXPECT_EQ(stream.heldHeaderBytes, 0u);
	EXPECT_FALSE(stream.sendStalled);
	EXPECT_EQ(stream.sentAtStall, 0u);
	EXPECT_EQ(stream.stalledSince, Transport::EventLoop::Clock::time_point());
	const StreamEvents events = stream.takeEvents();
	EXPECT_TRUE(events.informational.empty());
	EXPECT_FALSE(events.hasHead);
	EXPECT_FALSE(events.headWithBody);
	EXPECT_FALSE(events.timedOut);
	EXPECT_FALSE(events.timedOutBeforeHead);
	EXPECT_FALSE(events.resumeBody);
	EXPECT_EQ(events.credit, 0u);
	EXPECT_FALSE(events.handlerDone);
	// No response body yet, and not ended: the codec is told to wait.
	std::uint8_t out[16];
	bool end = false;
	EXPECT_EQ(stream.read(out, sizeof(out), end), Codec::BodySource::DEFERRED);
	Codec::HeaderBlock trailers;
	EXPECT_FALSE(stream.takeTrailers(trailers));
}

} // namespace

TEST_F(StreamPoolTest, ARecycledStreamLooksNew)
{
	ServerStream::Ptr pFresh = acquire(1);
	expectFresh(*pFresh, 1);

	ServerStream::Ptr pStream = acquire(3);
	useEverything(*pStream);
	ServerStream* pUsed = pStream.get();
	StreamPool::release(std::move(pStream));
	ASSERT_EQ(StreamPool::size(), 1u);

	ServerStream::Ptr pRecycled = acquire(5);
	EXPECT_EQ(pRecycled.get(), pUsed); // recycled, not new
	EXPECT_EQ(StreamPool::size(), 0u);
	expectFresh(*pRecycled, 5);
	EXPECT_EQ(&pRecycled->connectionInfo(), _pInfo.get());
}

TEST_F(StreamPoolTest, ARecycledStreamCarriesNothingIntoItsNextExchange)
{
	ServerStream::Ptr pStream = acquire(1);
	useEverything(*pStream);
	StreamPool::release(std::move(pStream));
	pStream = acquire(3);

	// A request without body nor trailers, handled on another thread: it
	// reads an empty body and sends a response of its own.
	pStream->mutableRequest().method = "GET";
	pStream->onRequestEnd();
	std::string body;
	std::thread handler(
		[&]
		{
			char buffer[64];
			std::size_t n;
			while ((n = pStream->readBody(buffer, sizeof(buffer))) > 0)
				body.append(buffer, n);
			pStream->sendHead(block(":status", "204"), false);
			pStream->handlerDone();
		});
	handler.join();
	EXPECT_EQ(body, "");
	EXPECT_TRUE(pStream->requestTrailers().empty());
	const StreamEvents events = pStream->takeEvents();
	EXPECT_TRUE(events.informational.empty());
	ASSERT_TRUE(events.hasHead);
	EXPECT_EQ(pStream->responseHead().fields().size(), 1u);
	EXPECT_FALSE(events.headWithBody);
	EXPECT_EQ(events.credit, 0u);
	EXPECT_TRUE(events.handlerDone);
	std::uint8_t out[16];
	bool end = false;
	EXPECT_EQ(pStream->read(out, sizeof(out), end), 0);
	EXPECT_TRUE(end);
	Codec::HeaderBlock trailers;
	EXPECT_FALSE(pStream->takeTrailers(trailers));
}

TEST_F(StreamPoolTest, AStreamSomebodyStillHoldsIsNotRecycled)
{
	ServerStream::Ptr pStream = acquire(1);
	ServerStream::Ptr pHandlersReference = pStream;
	useEverything(*pStream);
	StreamPool::release(std::move(pStream));
	EXPECT_EQ(StreamPool::size(), 0u);
	// The holder still sees its exchange as it was.
	EXPECT_EQ(pHandlersReference->id(), 1);
	EXPECT_EQ(pHandlersReference->request().path, "/old");
	EXPECT_TRUE(pHandlersReference->isClosed());
	EXPECT_NE(acquire(3).get(), pHandlersReference.get());
}

TEST_F(StreamPoolTest, AStreamAHandlerThreadLetsGoMeanwhileIsFreedOrRecycledCleanly)
{
	// The usual pool-mode race: the loop closes the stream while a handler
	// thread still holds it; the handler thread frees it.
	ServerStream::Ptr pStream = acquire(1);
	ServerStream::Ptr pHandlersReference = pStream;
	std::thread handler([pHeld = std::move(pHandlersReference)]() mutable { pHeld.reset(); });
	StreamPool::release(std::move(pStream));
	handler.join();
	EXPECT_LE(StreamPool::size(), 1u);
	if (StreamPool::size() == 1)
		expectFresh(*acquire(7), 7); // released last by the loop: recycled cleanly
}

TEST_F(StreamPoolTest, ThePoolIsBounded)
{
	std::vector<ServerStream::Ptr> streams;
	for (std::size_t i = 0; i < StreamPool::MAX_STREAMS + 10; ++i)
		streams.push_back(acquire(static_cast<std::int32_t>(2 * i + 1)));
	for (auto& pStream : streams)
		StreamPool::release(std::move(pStream));
	EXPECT_EQ(StreamPool::size(), StreamPool::MAX_STREAMS);
	StreamPool::release(nullptr);
	EXPECT_EQ(StreamPool::size(), StreamPool::MAX_STREAMS);
}

TEST_F(StreamPoolTest, TrimKeepsOnlyWhatItIsTold)
{
	std::vector<ServerStream::Ptr> streams;
	for (int i = 0; i < 100; ++i)
		streams.push_back(acquire(2 * i + 1));
	for (auto& pStream : streams)
		StreamPool::release(std::move(pStream));
	ASSERT_EQ(StreamPool::size(), 100u);
	StreamPool::trim(32);
	EXPECT_EQ(StreamPool::size(), 32u);
	StreamPool::trim(64);
	EXPECT_EQ(StreamPool::size(), 32u);
	StreamPool::trim(0);
	EXPECT_EQ(StreamPool::size(), 0u);
	EXPECT_NE(acquire(1001), nullptr); // still works, with a new stream
}

TEST_F(StreamPoolTest, ARecycledStreamKeepsOnlySmallBuffers)
{
	ServerStream::Ptr pSmall = acquire(1);
	pSmall->mutableRequest().headers = block("x-small", "v", 4);
	const std::size_t smallCapacity = pSmall->request().headers.fields().capacity();
	ServerStream* pSmallRaw = pSmall.get();
	StreamPool::release(std::move(pSmall));
	ServerStream::Ptr pReused = acquire(3);
	ASSERT_EQ(pReused.get(), pSmallRaw);
	EXPECT_EQ(pReused->request().headers.fields().capacity(), smallCapacity); // kept for the next request

	pReused->mutableRequest().headers = block("x-large", "v", int(ServerStream::RECYCLE_MAX_FIELDS) + 1);
	pReused->mutableRequest().path.assign(ServerStream::RECYCLE_MAX_STRING + 1, '/');
	StreamPool::release(std::move(pReused));
	ServerStream::Ptr pTrimmed = acquire(5);
	ASSERT_EQ(pTrimmed.get(), pSmallRaw);
	EXPECT_EQ(pTrimmed->request().headers.fields().capacity(), 0u);
	EXPECT_LE(pTrimmed->request().path.capacity(), std::string().capacity());
}

TEST_F(StreamPoolTest, TheResponseHeadIsKeptForTheNextExchangeToBuildOver)
{
	// The fields' strings (Date, Server, ...) are overwritten by the next
	// response head instead of allocated again; only a small head is kept.
	ServerStream::Ptr pStream = acquire(1);
	ServerStream* pRaw = pStream.get();
	pStream->runInline(); // no loop task holds the stream
	EXPECT_TRUE(pStream->takeHeadStorage().empty());
	pStream->sendHead(block("x-field", "a value longer than fifteen bytes", 4), false);
	const char* pValue = pStream->responseHead().fields()[0].second.data();
	StreamPool::release(std::move(pStream));
	ServerStream::Ptr pReused = acquire(3);
	ASSERT_EQ(pReused.get(), pRaw);
	EXPECT_FALSE(pReused->takeEvents().hasHead);
	Codec::HeaderBlock storage = pReused->takeHeadStorage();
	ASSERT_EQ(storage.size(), 4u);
	EXPECT_EQ(storage.fields()[0].second.data(), pValue); // the same string storage
	EXPECT_TRUE(pReused->takeHeadStorage().empty());

	pReused->runInline();
	pReused->sendHead(block("x-field", std::string(ServerStream::RECYCLE_MAX_HEAD_BYTES + 1, 'v')), false);
	StreamPool::release(std::move(pReused));
	ServerStream::Ptr pTrimmed = acquire(5);
	ASSERT_EQ(pTrimmed.get(), pRaw);
	EXPECT_TRUE(pTrimmed->takeHeadStorage().empty());
	pTrimmed->runInline();
	pTrimmed->sendHead(block("x-field", "v", int(ServerStream::RECYCLE_MAX_FIELDS) + 1), false);
	StreamPool::release(std::move(pTrimmed));
	EXPECT_TRUE(acquire(7)->takeHeadStorage().empty());
}

TEST_F(StreamPoolTest, EachThreadHasItsOwnStreams)
{
	StreamPool::release(acquire(1));
	ASSERT_EQ(StreamPool::size(), 1u);
	std::size_t otherThreadsSize = 99;
	std::thread other([&] { otherThreadsSize = StreamPool::size(); });
	other.join();
	EXPECT_EQ(otherThreadsSize, 0u);
}
