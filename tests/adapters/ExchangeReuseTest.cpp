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
#include <Poco/Net/HTTPCookie.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
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

class Factory : public HTTPRequestHandlerFactory
{
public:
	HTTPRequestHandler* createRequestHandler(const HTTPServerRequest& request) override
	{
		if (request.getURI().rfind("/messy", 0) == 0)
			return new MessyHandler;
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

INSTANTIATE_TEST_SUITE_P(Modes, ExchangeReuseTest, ::testing::Values(false, true),
	[](const ::testing::TestParamInfo<bool>& info) { return info.param ? "Inline" : "HandlerPool"; });
