#include "server/H2cUpgrade.h"
#include <gtest/gtest.h>

using PocoH2::Server::H2cUpgradeRequest;

namespace {

H2cUpgradeRequest parse(const std::string& text)
{
	return H2cUpgradeRequest::parse(text.data(), text.size());
}

// What curl --http2 sends for http:// URLs.
const std::string CURL_UPGRADE = "GET /path?q=1 HTTP/1.1\r\n"
								 "Host: 127.0.0.1:8080\r\n"
								 "User-Agent: curl/7.88.1\r\n"
								 "Accept: */*\r\n"
								 "Connection: Upgrade, HTTP2-Settings\r\n"
								 "Upgrade: h2c\r\n"
								 "HTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n"
								 "\r\n";

} // namespace

TEST(H2cUpgrade, RecognisesCurlsUpgradeRequest)
{
	const auto result = parse(CURL_UPGRADE);
	ASSERT_EQ(result.verdict, H2cUpgradeRequest::Verdict::UPGRADE);
	EXPECT_EQ(result.headLength, CURL_UPGRADE.size());
	EXPECT_EQ(result.request.method, "GET");
	EXPECT_EQ(result.request.path, "/path?q=1");
	EXPECT_EQ(result.request.authority, "127.0.0.1:8080");
	EXPECT_EQ(result.request.scheme, "http");
	EXPECT_EQ(result.settings.size(), 18u); // three settings of 6 bytes
	ASSERT_NE(result.request.headers.find("user-agent"), nullptr);
	EXPECT_EQ(result.request.headers.find("connection"), nullptr);
	EXPECT_EQ(result.request.headers.find("upgrade"), nullptr);
	EXPECT_EQ(result.request.headers.find("http2-settings"), nullptr);
	EXPECT_EQ(result.request.headers.find("host"), nullptr);
}

TEST(H2cUpgrade, WaitsForTheWholeHead)
{
	EXPECT_EQ(parse(CURL_UPGRADE.substr(0, 40)).verdict, H2cUpgradeRequest::Verdict::INCOMPLETE);
	EXPECT_EQ(parse("GET / HTTP/1.1\r\n").verdict, H2cUpgradeRequest::Verdict::INCOMPLETE);
}

TEST(H2cUpgrade, PlainRequestsStayHttp1)
{
	EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: x\r\n\r\n").verdict, H2cUpgradeRequest::Verdict::HTTP1);
	EXPECT_EQ(parse("GET / HTTP/1.0\r\nHost: x\r\nUpgrade: h2c\r\n\r\n").verdict, H2cUpgradeRequest::Verdict::HTTP1);
	EXPECT_EQ(parse(std::string(H2cUpgradeRequest::MAX_HEAD, 'a')).verdict, H2cUpgradeRequest::Verdict::HTTP1);
}

TEST(H2cUpgrade, RequestsWithBodyOrIncompleteAsksStayHttp1)
{
	std::string withBody = CURL_UPGRADE;
	withBody.insert(withBody.size() - 2, "Content-Length: 5\r\n");
	EXPECT_EQ(parse(withBody).verdict, H2cUpgradeRequest::Verdict::HTTP1);

	std::string noSettingsToken = CURL_UPGRADE;
	noSettingsToken.replace(noSettingsToken.find("Upgrade, HTTP2-Settings"), 23, "Upgrade");
	EXPECT_EQ(parse(noSettingsToken).verdict, H2cUpgradeRequest::Verdict::HTTP1);

	std::string badSettings = CURL_UPGRADE;
	badSettings.replace(badSettings.find("AAMAAABkAAQCAAAAAAIAAAAA"), 24, "!!!");
	EXPECT_EQ(parse(badSettings).verdict, H2cUpgradeRequest::Verdict::HTTP1);

	std::string websocket = CURL_UPGRADE;
	websocket.replace(websocket.find("Upgrade: h2c"), 12, "Upgrade: websocket");
	EXPECT_EQ(parse(websocket).verdict, H2cUpgradeRequest::Verdict::HTTP1);
}
