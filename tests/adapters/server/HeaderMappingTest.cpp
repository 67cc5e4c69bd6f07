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

TEST(HeaderMapping, RequestWithHostAndAuthorityHasOneHost)
{
	Server::RequestHead head;
	head.method = "GET";
	head.authority = "example.test";
	head.path = "/";
	head.headers.add("host", "example.test");
	head.headers.add("user-agent", "a user agent longer than fifteen bytes");

	Poco::Net::HTTPRequest request;
	Adapters::fillRequest(request, head);
	EXPECT_EQ(request.getHost(), "example.test");
	EXPECT_EQ(request.size(), 2u);
	EXPECT_FALSE(request.has("Cookie"));
}

TEST(HeaderMapping, ContentLengthIsPocosWhateverTheNamesCase)
{
	Poco::Net::HTTPResponse response;
	EXPECT_EQ(Adapters::contentLength(response), Poco::Net::HTTPMessage::UNKNOWN_CONTENT_LENGTH);
	response.add("Content-Type", "text/plain");
	response.add("CONTENT-LENGTH", "42");
	response.add("content-length", "7");
	EXPECT_EQ(Adapters::contentLength(response), response.getContentLength64());
	EXPECT_EQ(Adapters::contentLength(response), 42);

	Poco::Net::HTTPResponse empty;
	empty.add("Content-Length", "");
	EXPECT_EQ(Adapters::contentLength(empty), empty.getContentLength64());

	Poco::Net::HTTPResponse bad;
	bad.add("Content-Length", "x");
	EXPECT_THROW(Adapters::contentLength(bad), Poco::SyntaxException);
}

TEST(HeaderMapping, FieldStorageComesBackEmpty)
{
	{
		Poco::Net::HTTPResponse first;
		Adapters::borrowFieldStorage(first);
		for (int i = 0; i < 8; ++i)
			first.add("X-Field-" + std::to_string(i), "a value longer than fifteen bytes");
		Adapters::returnFieldStorage(first);
		EXPECT_TRUE(first.empty());
	}
	Poco::Net::HTTPResponse second;
	Adapters::borrowFieldStorage(second);
	EXPECT_TRUE(second.empty());
	second.set("Date", "today");
	EXPECT_EQ(second.size(), 1u);
	EXPECT_EQ(second.get("date"), "today");
	Adapters::returnFieldStorage(second);

	// A collection that is not empty is left as it is.
	Poco::Net::HTTPResponse third;
	third.add("Server", "s");
	Adapters::borrowFieldStorage(third);
	EXPECT_EQ(third.size(), 1u);
	EXPECT_EQ(third.get("Server"), "s");
	Adapters::returnFieldStorage(third);
}
