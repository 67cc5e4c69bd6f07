#include "server/HeaderMapping.h"
#include <Poco/Net/HTTPCookie.h>
#include <Poco/Net/NameValueCollection.h>
#include <gtest/gtest.h>

using namespace PocoH2;

TEST(HeaderMapping, ResponseHeadersAreLowerCaseWithoutConnectionSpecificOnes)
{
	Poco::Net::HTTPResponse response(Poco::Net::HTTPResponse::HTTP_NOT_FOUND);
	response.setContentType("text/html");
	response.setKeepAlive(true);
	response.setChunkedTransferEncoding(true);
	response.set("Keep-Alive", "timeout=5");
	response.set("Proxy-Connection", "keep-alive");
	response.set("Upgrade", "h2c");
	response.set("X-Custom", "Value");
	response.addCookie(Poco::Net::HTTPCookie("session", "abc"));
	response.setContentLength(42);

	const auto headers = Adapters::toResponseHeaders(response, true);
	ASSERT_FALSE(headers.empty());
	EXPECT_EQ(headers.fields()[0].first, ":status");
	EXPECT_EQ(headers.fields()[0].second, "404");
	for (const auto& field : headers.fields())
	{
		EXPECT_EQ(field.first, Poco::toLower(field.first));
		EXPECT_NE(field.first, "connection");
		EXPECT_NE(field.first, "keep-alive");
		EXPECT_NE(field.first, "transfer-encoding");
		EXPECT_NE(field.first, "proxy-connection");
		EXPECT_NE(field.first, "upgrade");
	}
	ASSERT_NE(headers.find("content-type"), nullptr);
	EXPECT_EQ(*headers.find("content-type"), "text/html");
	ASSERT_NE(headers.find("x-custom"), nullptr);
	EXPECT_EQ(*headers.find("x-custom"), "Value");
	ASSERT_NE(headers.find("set-cookie"), nullptr);
	EXPECT_EQ(headers.find("set-cookie")->rfind("session=abc", 0), 0u);
	ASSERT_NE(headers.find("content-length"), nullptr);
	EXPECT_EQ(Adapters::toResponseHeaders(response, false).find("content-length"), nullptr);
}

TEST(HeaderMapping, TeIsKeptOnlyAsTrailers)
{
	EXPECT_FALSE(Adapters::isConnectionSpecificHeader("te", "trailers"));
	EXPECT_TRUE(Adapters::isConnectionSpecificHeader("te", "gzip"));
	EXPECT_TRUE(Adapters::isConnectionSpecificHeader("connection", "close"));
	EXPECT_FALSE(Adapters::isConnectionSpecificHeader("content-type", "text/plain"));
}

TEST(HeaderMapping, RequestGetsPseudoHeadersAndJoinedCookies)
{
	Server::RequestHead head;
	head.method = "POST";
	head.scheme = "https";
	head.authority = "example.test:8443";
	head.path = "/form?x=1";
	head.headers.add("content-type", "application/x-www-form-urlencoded");
	head.headers.add("cookie", "a=1");
	head.headers.add("cookie", "b=2");
	head.headers.add("authorization", "Basic dXNlcjpwYXNz");

	Poco::Net::HTTPRequest request;
	Adapters::fillRequest(request, head);
	EXPECT_EQ(request.getMethod(), "POST");
	EXPECT_EQ(request.getURI(), "/form?x=1");
	EXPECT_EQ(request.getVersion(), "HTTP/2.0");
	EXPECT_EQ(request.getHost(), "example.test:8443");
	EXPECT_EQ(request.getContentType(), "application/x-www-form-urlencoded");
	EXPECT_EQ(request.get("Cookie"), "a=1; b=2");
	Poco::Net::NameValueCollection cookies;
	request.getCookies(cookies);
	EXPECT_EQ(cookies.get("a"), "1");
	EXPECT_EQ(cookies.get("b"), "2");
	std::string scheme, info;
	request.getCredentials(scheme, info);
	EXPECT_EQ(scheme, "Basic");
	EXPECT_EQ(info, "dXNlcjpwYXNz");
}
