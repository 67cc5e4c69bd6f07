// A handler thread reuses one request/response pair for request after
// request (RequestDispatcher): nothing a request or its handler left in them
// may show in the next one. One handler thread (pool mode) or one event-loop
// thread (inline mode) serves every request of the test, so the same pair
// does; a probe handler reports all it sees, before and after a handler that
// changes everything it can.
#include "PocoH2/HTTP2ClientSession.h"
#include "PocoH2/HTTP2Server.h"
#include "PocoH2/HTTP2ServerParams.h"
#include "PocoH2/HTTP2ServerResponse.h"
#include "server/RequestDispatcher.h"
#include "server/ServerStream.h"
#include "transport/EventLoop.h"
#include <Poco/Net/HTTPCookie.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Exception.h>
#include <Poco/StreamCopier.h>
#include <gtest/gtest.h>
#include <sstream>

using namespace Poco::Net;

namespace {

std::string describe(HTTPServerRequest& request, HTTPServerResponse& response)
	// Everything the handler API shows of a request and a response not yet
	// sent, except the Date value.
{
	std::ostringstream out;
	out << "request " << request.getMethod() << ' ' << request.getURI() << ' ' << request.getVersion()
		<< " fieldLimit=" << request.getFieldLimit() << '\n';
	for (const auto& field : request)
		out << "  " << field.first << ": " << field.second << '\n';
	NameValueCollection cookies;
	request.getCookies(cookies);
	for (const auto& cookie : cookies)
		out << "  cookie " << cookie.first << '=' << cookie.second << '\n';
	out << "  credentials=" << request.hasCredentials() << " expectContinue=" << request.getExpectContinue()
		<< " keepAlive=" << request.getKeepAlive() << " contentLength=" << request.getContentLength64()
		<< " chunked=" << request.getChunkedTransferEncoding() << '\n';
	std::string body;
	Poco::StreamCopier::copyToString(request.stream(), body);
	out << "  body=" << body << '\n';
	out << "response " << response.getStatus() << ' ' << response.getReason() << ' ' << response.getVersion()
		<< " fieldLimit=" << response.getFieldLimit() << " sent=" << response.sent() << '\n';
	for (const auto& field : response)
		out << "  " << field.first << ": " << (field.first == "Date" ? "(now)" : field.second) << '\n';
	out << "  keepAlive=" << response.getKeepAlive() << " contentLength=" << response.getContentLength64()
		<< " chunked=" << response.getChunkedTransferEncoding() << " contentType=" << response.getContentType()
		<< '\n';
	return out.str();
}

class ProbeHandler : public HTTPRequestHandler
{
public:
	void handleRequest(HTTPServerRequest& request, HTTPServerResponse& response) override
	{
		const std::string report = describe(request, response);
		response.sendBuffer(report.data(), report.size());
	}
};

class MessyHandler : public HTTPRequestHandler
	/// Changes all it can of the request and the response, and answers 404
	/// with a streamed body, a cookie and a trailer.
{
public:
	void handleRequest(HTTPServerRequest& request, HTTPServerResponse& response) override
	{
		std::string body;
		Poco::StreamCopier::copyToString(request.stream(), body);
		request.setMethod("DELETE");
		request.setURI("/changed");
		request.setVersion("HTTP/1.0");
		request.setFieldLimit(3);
		request.set("User-Agent", "changed by the handler");
		request.add("X-Added", "by the handler");
		request.setCredentials("Basic", "aGFuZGxlcjpzZWNyZXQ=");
		request.setKeepAlive(true);
		request.setContentLength(12345);

		response.setStatusAndReason(HTTPResponse::HTTP_NOT_FOUND, "Custom reason");
		response.setVersion("HTTP/1.0");
		response.setFieldLimit(5);
		response.set("Date", "not a date");
		response.set("Server", "not the server");
		response.add("X-Messy", "yes");
		response.addCookie(HTTPCookie("session", "secret"));
		response.setKeepAlive(true);
		response.setContentType("text/html");
		response.setChunkedTransferEncoding(true);
		if (auto* pH2 = dynamic_cast<PocoH2::HTTP2ServerResponse*>(&response))
			pH2->addTrailer("x-trailer", "messy");
		response.send() << "messy: " << body;
	}
};

class ThrowingHandler : public HTTPRequestHandler
	/// Changes the request and the response as MessyHandler does, then
	/// throws: before sending anything (/throw), or after sending the head
	/// and part of the body (/throw-after-send).
{
public:
	explicit ThrowingHandler(bool afterSend): _afterSend(afterSend) {}

	void handleRequest(HTTPServerRequest& request, HTTPServerResponse& response) override
	{
		std::string body;
		Poco::StreamCopier::copyToString(request.stream(), body);
		request.setURI("/changed");
		request.setVersion("HTTP/1.0");
		request.set("User-Agent", "changed by the handler");
		request.setCredentials("Basic", "aGFuZGxlcjpzZWNyZXQ=");
		response.setStatusAndReason(HTTPResponse::HTTP_NOT_FOUND, "Custom reason");
		response.setFieldLimit(5);
		response.set("Server", "not the server");
		response.add("X-Messy", "yes");
		response.addCookie(HTTPCookie("session", "secret"));
		response.setContentType("text/html");
		if (auto* pH2 = dynamic_cast<PocoH2::HTTP2ServerResponse*>(&response))
			pH2->addTrailer("x-trailer", "messy");
		if (_afterSend)
			response.send() << "partial: " << body << std::flush;
		throw Poco::IllegalStateException("the handler failed on purpose");
	}

private:
	bool _afterSend;
};

class Factory : public HTTPRequestHandlerFactory
{
public:
	HTTPRequestHandler* createRequestHandler(const HTTPServerRequest& request) override
	{
		if (request.getURI().rfind("/messy", 0) == 0)
			return new MessyHandler;
		if (request.getURI() == "/throw")
			return new ThrowingHandler(false);
		if (request.getURI() == "/throw-after-send")
			return new ThrowingHandler(true);
		return new ProbeHandler;
	}
};

struct Reply
{
	HTTPResponse response;
	std::string body;
};

class ExchangeReuseTest : public ::testing::TestWithParam<bool>
{
protected:
	void SetUp() override
	{
		Poco::AutoPtr<PocoH2::HTTP2ServerParams> pParams(new PocoH2::HTTP2ServerParams);
		pParams->setMaxThreads(1);
		pParams->setIOThreads(1);
		pParams->setInlineHandlers(GetParam());
		pParams->setSoftwareVersion("poco-h2-test");
		_pServer = std::make_unique<PocoH2::HTTP2Server>(
			new Factory, ServerSocket(SocketAddress("127.0.0.1", 0)), HTTPServerParams::Ptr(pParams));
		_pServer->start();
		_pSession = std::make_unique<PocoH2::HTTP2ClientSession>("127.0.0.1", _pServer->port());
	}

	void TearDown() override
	{
		_pSession.reset();
		_pServer->stop();
	}

	Reply exchange(const std::string& method, const std::string& uri, const NameValueCollection& headers,
		const std::string& body = std::string())
	{
		HTTPRequest request(method, uri, HTTPMessage::HTTP_1_1);
		for (const auto& field : headers)
			request.add(field.first, field.second);
		if (!body.empty())
			request.setContentLength(static_cast<std::streamsize>(body.size()));
		_pSession->sendRequest(request) << body;
		Reply reply;
		Poco::StreamCopier::copyToString(_pSession->receiveResponse(reply.response), reply.body);
		return reply;
	}

	Reply probe()
	{
		NameValueCollection headers;
		headers.add("User-Agent", "the probe's user agent, longer than fifteen bytes");
		headers.add("Cookie", "probe=1");
		return exchange(HTTPRequest::HTTP_GET, "/probe", headers);
	}

	Reply mess(const std::string& method = HTTPRequest::HTTP_POST)
	{
		NameValueCollection headers;
		headers.add("User-Agent", "the messy client");
		headers.add("Cookie", "messy=1; secret=2");
		headers.add("Authorization", "Basic bWVzc3k6c2VjcmV0");
		headers.add("X-Client", "messy");
		headers.add("Content-Type", "application/x-www-form-urlencoded");
		return exchange(method, "/messy?x=1", headers, method == HTTPRequest::HTTP_HEAD ? "" : "a=1&b=2");
	}

	static void expectCleanProbe(const Reply& reply, const std::string& expectedReport)
	{
		EXPECT_EQ(reply.response.getStatus(), HTTPResponse::HTTP_OK);
		EXPECT_FALSE(reply.response.has("X-Messy"));
		EXPECT_FALSE(reply.response.has("Set-Cookie"));
		EXPECT_EQ(reply.response.get("Server", ""), "poco-h2-test");
		EXPECT_NE(reply.response.get("Date", ""), "not a date");
		EXPECT_EQ(reply.response.getContentLength64(), static_cast<Poco::Int64>(reply.body.size()));
		EXPECT_EQ(reply.body, expectedReport);
	}

	std::unique_ptr<PocoH2::HTTP2Server> _pServer;
	std::unique_ptr<PocoH2::HTTP2ClientSession> _pSession;
};

} // namespace

TEST_P(ExchangeReuseTest, NothingOfARequestShowsInTheNext)
{
	const Reply first = probe();
	ASSERT_EQ(first.response.getStatus(), HTTPResponse::HTTP_OK);
	// The report is what a fresh pair shows.
	EXPECT_NE(first.body.find("request GET /probe HTTP/2.0 fieldLimit=100\n"), std::string::npos) << first.body;
	EXPECT_NE(first.body.find("response 200 OK HTTP/2.0 fieldLimit=100 sent=0\n  Date: (now)\n  Server: poco-h2-test\n  keepAlive="),
		std::string::npos)
		<< first.body;

	const Reply messy = mess();
	EXPECT_EQ(messy.response.getStatus(), HTTPResponse::HTTP_NOT_FOUND);
	EXPECT_EQ(messy.response.get("X-Messy", ""), "yes");
	EXPECT_EQ(messy.body, "messy: a=1&b=2");

	expectCleanProbe(probe(), first.body);
}

TEST_P(ExchangeReuseTest, ProbeRequestsWithTheSameNamesSeeTheirOwnValues)
{
	const Reply first = probe();
	NameValueCollection headers;
	headers.add("User-Agent", "another agent");
	headers.add("Cookie", "probe=2");
	const Reply other = exchange(HTTPRequest::HTTP_GET, "/probe?other", headers);
	EXPECT_NE(other.body.find("request GET /probe?other HTTP/2.0"), std::string::npos) << other.body;
	EXPECT_NE(other.body.find("user-agent: another agent\n"), std::string::npos) << other.body;
	EXPECT_NE(other.body.find("cookie probe=2\n"), std::string::npos) << other.body;
	EXPECT_EQ(other.body.find("probe=1"), std::string::npos) << other.body;
	expectCleanProbe(probe(), first.body);
}

TEST_P(ExchangeReuseTest, HeadResponseIsNotCarriedIntoTheNext)
{
	const Reply first = probe();
	const Reply head = mess(HTTPRequest::HTTP_HEAD);
	EXPECT_EQ(head.response.getStatus(), HTTPResponse::HTTP_NOT_FOUND);
	EXPECT_TRUE(head.body.empty());
	// A GET after a HEAD has its body.
	const Reply after = probe();
	EXPECT_FALSE(after.body.empty());
	expectCleanProbe(after, first.body);
}

TEST_P(ExchangeReuseTest, ManyMessyRequestsInARow)
{
	const Reply first = probe();
	for (int i = 0; i < 20; ++i)
	{
		mess();
		expectCleanProbe(probe(), first.body);
	}
}

TEST_P(ExchangeReuseTest, HandlerThrowingBeforeSendingGetsAPlain500AndLeavesNothing)
{
	const Reply first = probe();
	NameValueCollection headers;
	headers.add("User-Agent", "the throwing client");
	headers.add("Cookie", "thrower=1");
	const Reply failed = exchange(HTTPRequest::HTTP_POST, "/throw", headers, "a=1");
	// As Poco's own server answers a handler that throws: a new 500
	// response, none of what the handler had set.
	EXPECT_EQ(failed.response.getStatus(), HTTPResponse::HTTP_INTERNAL_SERVER_ERROR);
	EXPECT_FALSE(failed.response.has("X-Messy"));
	EXPECT_FALSE(failed.response.has("Set-Cookie"));
	EXPECT_EQ(failed.response.get("Server", ""), "poco-h2-test");
	EXPECT_NE(failed.response.getContentType(), "text/html");
	EXPECT_TRUE(failed.body.empty()) << failed.body;
	expectCleanProbe(probe(), first.body);
}

TEST_P(ExchangeReuseTest, HandlerThrowingAfterSendingEndsItsResponseAndLeavesNothing)
{
	const Reply first = probe();
	const Reply failed = exchange(HTTPRequest::HTTP_POST, "/throw-after-send", NameValueCollection(), "a=1");
	EXPECT_EQ(failed.response.getStatus(), HTTPResponse::HTTP_NOT_FOUND); // the head went out
	EXPECT_EQ(failed.response.get("X-Messy", ""), "yes");
	EXPECT_EQ(failed.body, "partial: a=1");
	for (int i = 0; i < 5; ++i)
	{
		exchange(HTTPRequest::HTTP_POST, i % 2 ? "/throw" : "/throw-after-send", NameValueCollection(), "b=2");
		expectCleanProbe(probe(), first.body);
	}
}

INSTANTIATE_TEST_SUITE_P(Modes, ExchangeReuseTest, ::testing::Values(false, true),
	[](const ::testing::TestParamInfo<bool>& info) { return info.param ? "Inline" : "HandlerPool"; });

// A handler cannot reach the dispatcher through the public API, so a nested
// RequestDispatcher::handle() on one thread does not happen in a server;
// the dispatcher allows it all the same (a handler that dispatches another
// stream itself), and the inner call must not take the pair the outer
// handler holds. Driven here without a connection: inline streams keep
// their events and response bytes until taken.
namespace {

class NestingFactory : public HTTPRequestHandlerFactory
	/// /outer dispatches the stream innerStream on the same thread, then
	/// reports what its own request and response show; /inner sets a field
	/// and answers "inner".
{
public:
	class Outer : public HTTPRequestHandler
	{
	public:
		explicit Outer(NestingFactory& factory): _factory(factory) {}

		void handleRequest(HTTPServerRequest& request, HTTPServerResponse& response) override
		{
			response.set("X-Outer", "before");
			_factory.pDispatcher->handle(_factory.pInnerStream);
			std::ostringstream report;
			report << request.getURI() << ' ' << request.get("X-Which", "-") << ' ' << response.getStatus() << ' '
				   << response.get("X-Outer", "-") << ' ' << response.get("X-Inner", "-") << ' ' << response.sent();
			response.send() << report.str();
		}

	private:
		NestingFactory& _factory;
	};

	class Inner : public HTTPRequestHandler
	{
	public:
		void handleRequest(HTTPServerRequest& request, HTTPServerResponse& response) override
		{
			response.setStatusAndReason(HTTPResponse::HTTP_ACCEPTED);
			response.set("X-Inner", request.get("X-Which", "-"));
			response.send() << "inner " << request.getURI();
		}
	};

	HTTPRequestHandler* createRequestHandler(const HTTPServerRequest& request) override
	{
		if (request.getURI() == "/outer")
			return new Outer(*this);
		return new Inner;
	}

	PocoH2::Adapters::RequestDispatcher* pDispatcher = nullptr;
	PocoH2::Server::ServerStream::Ptr pInnerStream;
};

PocoH2::Server::ServerStream::Ptr makeInlineStream(
	PocoH2::Transport::EventLoop& loop, std::int32_t id, const std::string& path)
{
	auto pStream = std::make_shared<PocoH2::Server::ServerStream>(id,
		std::make_shared<PocoH2::Server::ConnectionInfo>(), loop, std::weak_ptr<PocoH2::Server::ServerConnection>(),
		64 * 1024);
	PocoH2::Server::RequestHead& head = pStream->mutableRequest();
	head.method = "GET";
	head.scheme = "http";
	head.authority = "localhost";
	head.path = path;
	head.headers.add("x-which", path.substr(1));
	pStream->onRequestEnd();
	pStream->runInline();
	return pStream;
}

std::string statusOf(const PocoH2::Codec::HeaderBlock& head)
{
	const std::string* pStatus = head.find(":status");
	return pStatus ? *pStatus : std::string("(none)");
}

std::string fieldOf(const PocoH2::Codec::HeaderBlock& head, const std::string& name)
{
	const std::string* pValue = head.find(name);
	return pValue ? *pValue : std::string("(none)");
}

std::string responseBody(PocoH2::Server::ServerStream& stream)
{
	std::string body;
	std::uint8_t buffer[1024];
	bool end = false;
	while (!end)
	{
		const long n = stream.read(buffer, sizeof(buffer), end);
		if (n == PocoH2::Codec::BodySource::DEFERRED)
			return body + "(not ended)";
		body.append(reinterpret_cast<const char*>(buffer), static_cast<std::size_t>(n));
	}
	return body;
}

} // namespace

TEST(ExchangeNesting, NestedHandleUsesItsOwnPairAndLeavesTheOuterOnesIntact)
{
	PocoH2::Transport::EventLoop loop;
	auto* pFactory = new NestingFactory;
	Poco::AutoPtr<HTTPServerParams> pParams(new HTTPServerParams);
	pParams->setSoftwareVersion("poco-h2-test");
	PocoH2::Adapters::RequestDispatcher dispatcher(HTTPRequestHandlerFactory::Ptr(pFactory), pParams);
	pFactory->pDispatcher = &dispatcher;
	for (int round = 0; round < 2; ++round) // the second with the thread's pair already made
	{
		auto pOuter = makeInlineStream(loop, 1, "/outer");
		pFactory->pInnerStream = makeInlineStream(loop, 3, "/inner");
		dispatcher.handle(pOuter);

		const PocoH2::Server::StreamEvents inner = pFactory->pInnerStream->takeEvents();
		ASSERT_TRUE(inner.hasHead);
		EXPECT_EQ(statusOf(pFactory->pInnerStream->responseHead()), "202");
		EXPECT_EQ(fieldOf(pFactory->pInnerStream->responseHead(), "x-inner"), "inner");
		EXPECT_EQ(fieldOf(pFactory->pInnerStream->responseHead(), "x-outer"), "(none)");
		EXPECT_EQ(responseBody(*pFactory->pInnerStream), "inner /inner");

		const PocoH2::Server::StreamEvents outer = pOuter->takeEvents();
		ASSERT_TRUE(outer.hasHead);
		EXPECT_EQ(statusOf(pOuter->responseHead()), "200");
		EXPECT_EQ(fieldOf(pOuter->responseHead(), "x-outer"), "before");
		EXPECT_EQ(fieldOf(pOuter->responseHead(), "x-inner"), "(none)");
		// After the inner call, the outer handler still has its own request
		// and its unsent response.
		EXPECT_EQ(responseBody(*pOuter), "/outer outer 200 before - 0");
	}
}
