// An idle HTTP/2 connection gives back what its last streams left in the
// codec's allocator cache (SessionMemory) on both ends, whether or not a
// keep-alive PING or an idle timeout would ever wake its timer: in process
// an HTTP2Server and an HTTP2Client, and the process-wide count of session
// allocators that hold cached blocks.
#include "ClientTestSupport.h"
#include "PocoH2/HTTP2Client.h"
#include "PocoH2/HTTP2ClientParams.h"
#include "PocoH2/HTTP2Server.h"
#include "PocoH2/HTTP2ServerParams.h"
#include "codec/SessionMemory.h"
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <chrono>
#include <gtest/gtest.h>
#include <memory>
#include <thread>

using namespace Poco::Net;
using PocoH2::Codec::SessionMemory;

namespace {

std::unique_ptr<PocoH2::HTTP2Server> startServer()
	/// A server without keepalive PING and idle timeout. Its send-stall
	/// check runs while streams are open, and the one due last would come a
	/// quarter of the (default, 60 s) timeout after the last stream began.
{
	PocoH2::HTTP2ServerParams::Ptr pParams = new PocoH2::HTTP2ServerParams;
	pParams->setPingInterval(0);
	pParams->setIdleTimeout(0);
	auto pServer = std::make_unique<PocoH2::HTTP2Server>(new PocoH2Test::TestHandlerFactory,
		ServerSocket(SocketAddress("127.0.0.1", 0)), HTTPServerParams::Ptr(pParams, true));
	pServer->start();
	return pServer;
}

void requestSome(PocoH2::HTTP2Client& client)
{
	for (int i = 0; i < 20; ++i)
	{
		HTTPRequest request(HTTPRequest::HTTP_GET, "/hello");
		HTTPResponse response;
		ASSERT_EQ(client.sendRequest(request, response), "hello");
	}
}

bool cachesEmptyWithin(std::chrono::milliseconds limit)
{
	const auto deadline = std::chrono::steady_clock::now() + limit;
	while (SessionMemory::sessionsHoldingCache() != 0)
	{
		if (std::chrono::steady_clock::now() >= deadline)
			return false;
		std::this_thread::sleep_for(std::chrono::milliseconds(20));
	}
	return true;
}

} // namespace

TEST(IdleMemoryTest, ServerWithoutPingOrIdleTimeoutTrimsItsCache)
{
	auto pServer = startServer();
	// No keep-alive PING during the test either: each PING and its ACK
	// would refill both caches (and re-arm their release a second later),
	// so the count would reach 0 only by luck. The client trims its side
	// with its own idle release (the next test); both must reach 0.
	PocoH2::HTTP2ClientParams params;
	params.setKeepAliveInterval(Poco::Timespan(60, 0));
	PocoH2::HTTP2Client client("127.0.0.1", pServer->port(), params);
	requestSome(client);
	EXPECT_GT(SessionMemory::sessionsHoldingCache(), 0u); // what the streams left
	EXPECT_TRUE(cachesEmptyWithin(std::chrono::milliseconds(4000)))
		<< SessionMemory::sessionsHoldingCache() << " session allocators still hold cached blocks";
	EXPECT_EQ(client.currentConnections(), 1); // idle, not closed
	pServer->stopAll(true);
}

TEST(IdleMemoryTest, ClientWithoutKeepAliveTrimsItsCache)
{
	auto pServer = startServer();
	PocoH2::HTTP2ClientParams params;
	params.setKeepAliveInterval(0);
	PocoH2::HTTP2Client client("127.0.0.1", pServer->port(), params);
	requestSome(client);
	EXPECT_GT(SessionMemory::sessionsHoldingCache(), 0u);
	EXPECT_TRUE(cachesEmptyWithin(std::chrono::milliseconds(4000)))
		<< SessionMemory::sessionsHoldingCache() << " session allocators still hold cached blocks";
	// Still usable, and its next streams fill the caches again.
	requestSome(client);
	EXPECT_EQ(client.totalConnections(), 1);
	pServer->stopAll(true);
}
