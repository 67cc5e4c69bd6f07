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

namespace {

using Fields = std::vector<std::pair<std::string, std::string>>;

Fields fieldsOf(const Poco::Net::NameValueCollection& collection)
{
	return Fields(collection.begin(), collection.end());
}

Server::RequestHead makeHead(const std::string& method, const std::string& authority, const std::string& path,
	const Fields& headers)
{
	Server::RequestHead head;
	head.method = method;
	head.authority = authority;
	head.path = path;
	for (const auto& field : headers)
		head.headers.add(field.first, field.second);
	return head;
}

std::vector<Server::RequestHead> sampleHeads()
{
	const std::string longValue = "a value longer than fifteen bytes";
	return {
		makeHead("GET", "example.test", "/", {{"user-agent", "h2load nghttp2/1.52.0"}}),
		makeHead("GET", "example.test", "/other", {{"user-agent", "another agent, also long"}}),
		makeHead("POST", "", "/form", {{"host", "h"}, {"content-type", "text/plain"}, {"content-length", "3"}}),
		makeHead("GET", "example.test", "/", {{"cookie", "a=1"}, {"user-agent", longValue}, {"cookie", "b=2"}}),
		makeHead("GET", "example.test", "/", {{"cookie", longValue}, {"user-agent", "x"}}),
		makeHead("GET", "example.test", "/", {{"accept", "a"}, {"user-agent", "x"}, {"accept", "b"}}),
		makeHead("GET", "example.test", "/", {{"accept", "a"}, {"accept", "b"}, {"user-agent", "x"}}),
		makeHead("GET", "example.test", "/", {{"expect", "100-continue"}, {"content-length", "10"}}),
		makeHead("PUT", "", "/", {{"expect", "100-Continue"}}),
		makeHead("GET", "", "/", {}),
		makeHead("GET", "example.test", "/", {{"host", "other"}, {"user-agent", "h2load nghttp2/1.52.0"}}),
	};
}

void expectSameRequest(const Poco::Net::HTTPRequest& actual, const Poco::Net::HTTPRequest& expected)
{
	EXPECT_EQ(actual.getMethod(), expected.getMethod());
	EXPECT_EQ(actual.getURI(), expected.getURI());
	EXPECT_EQ(actual.getVersion(), expected.getVersion());
	EXPECT_EQ(fieldsOf(actual), fieldsOf(expected));
}

} // namespace

TEST(HeaderMapping, RefilledRequestIsWhatAFreshOneWouldBe)
{
	const auto heads = sampleHeads();
	for (std::size_t before = 0; before < heads.size(); ++before)
	{
		for (std::size_t after = 0; after < heads.size(); ++after)
		{
			SCOPED_TRACE("request " + std::to_string(before) + " then " + std::to_string(after));
			Poco::Net::HTTPRequest fresh;
			Adapters::fillRequest(fresh, heads[after]);

			Poco::Net::HTTPRequest reused;
			Adapters::fillRequest(reused, heads[before]);
			Adapters::fillRequest(reused, heads[after]);
			expectSameRequest(reused, fresh);

			// Whatever a handler did to the previous request.
			Poco::Net::HTTPRequest changed;
			Adapters::fillRequest(changed, heads[before]);
			changed.set("User-Agent", "changed by a handler");
			changed.add("X-Added", "by a handler");
			changed.setMethod("DELETE");
			changed.setURI("/changed");
			changed.setVersion("HTTP/1.0");
			Adapters::fillRequest(changed, heads[after]);
			expectSameRequest(changed, fresh);
		}
	}
}

TEST(HeaderMapping, RefillWithTheSameNamesKeepsTheValuesStorage)
{
	const std::string agent(40, 'a');
	Poco::Net::HTTPRequest request;
	Adapters::fillRequest(request, makeHead("GET", "example.test", "/", {{"user-agent", agent}, {"cookie", agent}}));
	const char* pAgent = request.get("User-Agent").data();
	const char* pCookie = request.get("Cookie").data();

	const std::string other(30, 'b');
	Adapters::fillRequest(request, makeHead("GET", "example.test", "/", {{"user-agent", other}, {"cookie", other}}));
	EXPECT_EQ(request.get("User-Agent"), other);
	EXPECT_EQ(request.get("Cookie"), other);
	EXPECT_EQ(request.get("User-Agent").data(), pAgent);
	EXPECT_EQ(request.get("Cookie").data(), pCookie);
}

TEST(HeaderMapping, ExpectsContinueAsPocoReadsIt)
{
	for (const auto& head : sampleHeads())
	{
		Poco::Net::HTTPRequest request;
		Adapters::fillRequest(request, head);
		EXPECT_EQ(Adapters::expectsContinue(head), request.getExpectContinue()) << head.path;
	}
	EXPECT_TRUE(Adapters::expectsContinue(makeHead("POST", "", "/", {{"expect", "100-continue"}})));
	EXPECT_FALSE(Adapters::expectsContinue(makeHead("POST", "", "/", {{"expect", ""}, {"expect", "100-continue"}})));
}

TEST(HeaderMapping, ResetResponseFieldsLeavesDateAndServerOnly)
{
	const std::string date = "Tue, 24 Nov 2026 08:00:00 GMT";
	const std::string later = "Tue, 24 Nov 2026 08:00:01 GMT";
	const std::vector<Fields> previous = {
		{},
		{{"Date", date}, {"Server", "poco-h2"}},
		{{"Date", date}, {"Server", "poco-h2"}, {"Content-Type", "text/plain"}, {"Content-Length", "13"}},
		{{"Date", date}, {"Server", "other"}, {"Set-Cookie", "a=1"}, {"Set-Cookie", "b=2"}, {"", "empty name"}},
		{{"Date", date}},
		{{"Server", "poco-h2"}, {"Date", date}},
		{{"date", date}, {"Server", "poco-h2"}},
		{{"Date", date}, {"Server", "poco-h2"}, {"Date", "second"}, {"Server", "second"}},
	};
	std::vector<Fields> many = {{{"Date", date}, {"Server", "poco-h2"}}};
	for (int i = 0; i < 20; ++i)
		many[0].emplace_back("X-Field-" + std::to_string(i), std::string(20, 'x'));
	for (const std::string server : {"poco-h2", ""})
	{
		std::vector<Fields> all = previous;
		all.insert(all.end(), many.begin(), many.end());
		for (std::size_t i = 0; i < all.size(); ++i)
		{
			SCOPED_TRACE("previous response " + std::to_string(i) + ", server '" + server + "'");
			Poco::Net::HTTPResponse response;
			for (const auto& field : all[i])
				response.add(field.first, field.second);
			Adapters::resetResponseFields(response, later, server);
			Fields expected = {{"Date", later}};
			if (!server.empty())
				expected.emplace_back("Server", server);
			EXPECT_EQ(fieldsOf(response), expected);
		}
	}
}

TEST(HeaderMapping, ResetResponseFieldsKeepsTheDateStorage)
{
	Poco::Net::HTTPResponse response;
	Adapters::resetResponseFields(response, "Tue, 24 Nov 2026 08:00:00 GMT", "poco-h2");
	const char* pDate = response.get("Date").data();
	response.setContentType("text/plain");
	response.setContentLength(13);
	response.addCookie(Poco::Net::HTTPCookie("session", "abc"));
	Adapters::resetResponseFields(response, "Tue, 24 Nov 2026 08:00:01 GMT", "poco-h2");
	EXPECT_EQ(response.get("Date").data(), pDate);
	EXPECT_EQ(fieldsOf(response), (Fields{{"Date", "Tue, 24 Nov 2026 08:00:01 GMT"}, {"Server", "poco-h2"}}));
}

TEST(HeaderMapping, FixedContentLengthIsPocosSetContentLengthWithoutChunking)
{
	const std::vector<Fields> starts = {
		{},
		{{"Date", "d"}, {"Content-Type", "text/plain"}},
		{{"Content-Length", "99"}, {"X", "y"}},
		{{"content-length", "99"}, {"CONTENT-LENGTH", "98"}},
		{{"Transfer-Encoding", "chunked"}, {"X", "y"}},
		{{"X", "y"}, {"transfer-encoding", "chunked"}, {"Content-Length", "1"}},
	};
	for (const Poco::UInt64 length : {Poco::UInt64(0), Poco::UInt64(13), Poco::UInt64(1) << 40})
	{
		for (std::size_t i = 0; i < starts.size(); ++i)
		{
			SCOPED_TRACE("fields " + std::to_string(i) + ", length " + std::to_string(length));
			Poco::Net::HTTPResponse poco;
			Poco::Net::HTTPResponse ours;
			for (const auto& field : starts[i])
			{
				poco.add(field.first, field.second);
				ours.add(field.first, field.second);
			}
			poco.setContentLength64(static_cast<Poco::Int64>(length));
			poco.setChunkedTransferEncoding(false);
			Adapters::setFixedContentLength(ours, length);
			EXPECT_EQ(fieldsOf(ours), fieldsOf(poco));
		}
	}
}

TEST(HeaderMapping, ParsedContentLengthIsPocos)
{
	for (const std::string value : {"", "0", "13", "007", "+5", " 7", "1,000", "-1", "123456789012345678"})
	{
		Poco::Net::HTTPResponse response;
		response.set("Content-Length", value);
		EXPECT_EQ(Adapters::parseContentLength(value), response.getContentLength64()) << value;
	}
	for (const std::string value : {"abc", "12x", "99999999999999999999999"})
		EXPECT_THROW(Adapters::parseContentLength(value), Poco::SyntaxException) << value;
}

TEST(HeaderMapping, ResponseHeadPointsAtTheFirstContentLength)
{
	Poco::Net::HTTPResponse response;
	response.add("Content-Type", "text/plain");
	EXPECT_EQ(Adapters::toResponseHead(response, true).pContentLength, nullptr);
	response.add("content-LENGTH", "42");
	response.add("Content-Length", "7");
	const auto head = Adapters::toResponseHead(response, false);
	ASSERT_NE(head.pContentLength, nullptr);
	EXPECT_EQ(*head.pContentLength, "42");
	EXPECT_EQ(head.headers.find("content-length"), nullptr);
}

TEST(HeaderMapping, OnlyFewSmallFieldsAreWorthKeeping)
{
	Poco::Net::NameValueCollection fields;
	EXPECT_TRUE(Adapters::isWorthKeeping(fields));
	fields.add("User-Agent", "a user agent longer than fifteen bytes");
	EXPECT_TRUE(Adapters::isWorthKeeping(fields));
	fields.add("Cookie", std::string(9 * 1024, 'c'));
	EXPECT_FALSE(Adapters::isWorthKeeping(fields));

	Poco::Net::NameValueCollection many;
	for (int i = 0; i < 32; ++i)
		many.add("X-" + std::to_string(i), "v");
	EXPECT_TRUE(Adapters::isWorthKeeping(many));
	many.add("X-32", "v");
	EXPECT_FALSE(Adapters::isWorthKeeping(many));
}

TEST(HeaderMapping, ResponseNamesAreLowerCasedAsPocoDoes)
{
	// Every byte value, at every offset and length up to the stack buffer's
	// 64 bytes and beyond.
	for (std::size_t length = 1; length <= 70; ++length)
	{
		for (int start = 0; start < 256; start += 37)
		{
			std::string name;
			for (std::size_t i = 0; i < length; ++i)
				name += static_cast<char>((start + i * 7) % 255 + 1);
			Poco::Net::HTTPResponse response;
			response.add(name, "v");
			const auto headers = Adapters::toResponseHeaders(response, true);
			ASSERT_EQ(headers.size(), 2u) << length;
			EXPECT_EQ(headers.fields()[1].first, Poco::toLower(name)) << length << ' ' << start;
		}
	}
}

TEST(HeaderMapping, ResponseHeadBuiltOverAnOldBlockEqualsAFreshOne)
{
	// The storage of an earlier head (more fields, other values, the same
	// names in part) leaves nothing of itself in the new one.
	Poco::Net::HTTPResponse earlier(Poco::Net::HTTPResponse::HTTP_NOT_FOUND);
	earlier.set("Date", "Tue, 24 Nov 2026 12:00:00 GMT");
	earlier.set("Server", "an old server name longer than fifteen");
	earlier.set("X-One", "1");
	earlier.set("X-Two", "2");
	earlier.set("X-Three", "3");
	Poco::Net::HTTPResponse response;
	response.set("Date", "Tue, 24 Nov 2026 12:00:01 GMT");
	response.set("Server", "poco-h2");
	response.set("Content-Type", "text/plain");
	response.set("Connection", "close");
	response.set("X-A-Very-Long-Name-That-Does-Not-Fit-The-Stack-Buffer-Of-Sixty-Four-Bytes", "v");
	response.setContentLength(13);

	for (const auto& storageOf : {earlier, response, Poco::Net::HTTPResponse()})
	{
		Codec::HeaderBlock storage = Adapters::toResponseHead(storageOf, true).headers;
		const auto head = Adapters::toResponseHead(response, true, std::move(storage));
		const auto fresh = Adapters::toResponseHead(response, true);
		EXPECT_EQ(head.headers.fields(), fresh.headers.fields());
		EXPECT_EQ(head.headers.listSize(), fresh.headers.listSize());
		ASSERT_NE(head.pContentLength, nullptr);
		EXPECT_EQ(*head.pContentLength, "13");
	}
	const auto fresh = Adapters::toResponseHead(response, true).headers;
	ASSERT_EQ(fresh.size(), 6u);
	EXPECT_EQ(fresh.fields()[0], Codec::HeaderBlock::Field(":status", "200"));
	EXPECT_EQ(fresh.fields()[5].first, "content-length");
}
