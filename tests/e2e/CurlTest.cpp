//
// CurlTest.cpp
//
// The test handlers served to curl: HTTP/2 over TLS (ALPN), h2c with prior
// knowledge, h2c by Upgrade from HTTP/1.1 (with nghttp too), and HTTP/1.1
// on the same two ports.
//

#include "ServerFixture.h"
#include "TestHandlers.h"

#include <Poco/String.h>
#include <atomic>
#include <gtest/gtest.h>
#include <sstream>
#include <vector>

using namespace PocoH2Test;

namespace {

struct Transport
{
	const char* name;    /// test name suffix
	const char* options; /// curl options selecting the protocol
	bool tls;            /// use the TLS server
	const char* version; /// what curl's %{http_version} must say
};

const Transport H2C{"H2C", "--http2-prior-knowledge", false, "2"};
const Transport H2TLS{"H2TLS", "--http2 -k", true, "2"};
const Transport H11{"H11", "--http1.1", false, "1.1"};
const Transport H11TLS{"H11TLS", "--http1.1 -k", true, "1.1"};

struct CurlResponse
{
	int exitCode = -1;
	std::string version;
	int status = 0;
	std::string headers; /// the -D dump: every header block, 1xx included
	std::string body;
	std::string errors;  /// curl's stderr

	std::string header(const std::string& name) const
		/// Returns the value of name in the last header block ("" if absent).
	{
		std::string value;
		std::istringstream lines(headers);
		std::string line;
		while (std::getline(lines, line))
		{
			if (!line.empty() && line.back() == '\r')
				line.pop_back();
			if (line.rfind("HTTP/", 0) == 0)
				value.clear();
			const auto colon = line.find(':');
			if (colon != std::string::npos && Poco::icompare(line.substr(0, colon), name) == 0)
				value = Poco::trim(line.substr(colon + 1));
		}
		return value;
	}

	bool hasHeader(const std::string& name) const
	{
		std::istringstream lines(headers);
		std::string line;
		while (std::getline(lines, line))
		{
			const auto colon = line.find(':');
			if (colon != std::string::npos && Poco::icompare(line.substr(0, colon), name) == 0)
				return true;
		}
		return false;
	}

	std::string describe() const
	{
		return "curl exit " + std::to_string(exitCode) + ", stderr: " + errors + "\nheaders:\n" + headers;
	}
};

void PrintTo(const Transport& transport, std::ostream* os)
{
	*os << transport.name;
}

std::string transportName(const ::testing::TestParamInfo<Transport>& info)
{
	return info.param.name;
}

class CurlFixture : public ServerFixture
{
protected:
	CurlResponse curl(const std::string& options, const std::string& url)
		/// Runs curl once; the body, the header dump and stderr go to files in
		/// the servers' temporary directory.
	{
		const std::string id = std::to_string(++_calls);
		const std::string bodyFile = servers().path("body" + id);
		const std::string headerFile = servers().path("headers" + id);
		const std::string errorFile = servers().path("stderr" + id);
		const std::string command = "timeout 120 curl -sS --max-time 100 -o " + bodyFile + " -D " + headerFile +
			" -w '%{http_version} %{http_code}' " + options + " " + shellQuote(url) + " 2>" + errorFile;
		const CommandResult result = runCommand(command);
		CurlResponse response;
		response.exitCode = result.exitCode;
		std::istringstream out(result.output);
		out >> response.version >> response.status;
		response.headers = readOptional(headerFile);
		response.body = readOptional(bodyFile);
		response.errors = readOptional(errorFile);
		return response;
	}

	static std::string readOptional(const std::string& path)
	{
		try
		{
			return readFile(path);
		}
		catch (const Poco::Exception&)
		{
			return "";
		}
	}

	std::string makeRandomFile(const std::string& name, std::size_t bytes)
	{
		const std::string file = servers().path(name);
		const CommandResult result = runCommand("head -c " + std::to_string(bytes) + " /dev/urandom > " + file);
		EXPECT_EQ(0, result.exitCode);
		return file;
	}

private:
	int _calls = 0;
};

class CurlTest : public CurlFixture, public ::testing::WithParamInterface<Transport>
	/// Runs on every transport: h2 and h2c, and HTTP/1.1 on the same ports.
{
protected:
	std::string url(const std::string& pathAndQuery)
	{
		return GetParam().tls ? servers().tlsUrl(pathAndQuery) : servers().plainUrl(pathAndQuery);
	}

	CurlResponse get(const std::string& pathAndQuery, const std::string& extra = "")
	{
		return curl(std::string(GetParam().options) + " " + extra, url(pathAndQuery));
	}
};

class CurlH2Test : public CurlTest
	/// HTTP/2-only expectations: h2 and h2c.
{
};

TEST_P(CurlTest, HelloUsesExpectedProtocol)
{
	const CurlResponse response = get("/");
	ASSERT_EQ(0, response.exitCode) << response.describe();
	EXPECT_EQ(GetParam().version, response.version);
	EXPECT_EQ(200, response.status);
	EXPECT_EQ(TestHandlerFactory::HELLO, response.body);
	EXPECT_EQ("text/plain", response.header("content-type"));
}

TEST_P(CurlTest, UnknownPathGets404FromHandler)
{
	const CurlResponse response = get("/no/such/path");
	ASSERT_EQ(0, response.exitCode) << response.describe();
	EXPECT_EQ(404, response.status);
	EXPECT_EQ("not found\n", response.body);
}

TEST_P(CurlTest, SmallEcho)
{
	const CurlResponse response = get("/echo", "-H 'Content-Type: text/x-test' --data-binary 'ping pong'");
	ASSERT_EQ(0, response.exitCode) << response.describe();
	EXPECT_EQ(GetParam().version, response.version);
	EXPECT_EQ(200, response.status);
	EXPECT_EQ("ping pong", response.body);
	EXPECT_EQ("text/x-test", response.header("content-type"));
	EXPECT_EQ("9", response.header("content-length"));
}

TEST_P(CurlTest, NullHandlerGives501)
{
	const CurlResponse response = get("/null");
	ASSERT_EQ(0, response.exitCode) << response.describe();
	EXPECT_EQ(501, response.status);
}

TEST_P(CurlTest, Redirect)
{
	const CurlResponse response = get("/redirect");
	ASSERT_EQ(0, response.exitCode) << response.describe();
	EXPECT_EQ(302, response.status);
	EXPECT_EQ("/target", response.header("location"));
	EXPECT_EQ("", response.body);
}

TEST_P(CurlTest, AuthenticationRequiredThenGranted)
{
	const CurlResponse denied = get("/auth");
	ASSERT_EQ(0, denied.exitCode) << denied.describe();
	EXPECT_EQ(401, denied.status);
	EXPECT_EQ("Basic realm=\"realm\"", denied.header("www-authenticate"));

	const CurlResponse wrong = get("/auth", "-u user:wrong");
	ASSERT_EQ(0, wrong.exitCode) << wrong.describe();
	EXPECT_EQ(401, wrong.status);

	const CurlResponse granted = get("/auth", "-u user:pass");
	ASSERT_EQ(0, granted.exitCode) << granted.describe();
	EXPECT_EQ(200, granted.status);
	EXPECT_EQ("welcome user\n", granted.body);
}

TEST_P(CurlTest, HeadHasContentLengthButNoBody)
{
	const CurlResponse response = get("/head", "-I");
	ASSERT_EQ(0, response.exitCode) << response.describe();
	EXPECT_EQ(200, response.status);
	EXPECT_EQ(std::to_string(TestHandlerFactory::HEAD_BODY.size()), response.header("content-length"));
	// With -I curl writes the headers where the body would go; h2frames.py
	// head_no_body checks at frame level that no DATA payload is sent.
	EXPECT_EQ(std::string::npos, response.body.find(TestHandlerFactory::HEAD_BODY)) << response.body;

	const CurlResponse getResponse = get("/head");
	ASSERT_EQ(0, getResponse.exitCode) << getResponse.describe();
	EXPECT_EQ(TestHandlerFactory::HEAD_BODY, getResponse.body);
}

TEST_P(CurlTest, NoContent)
{
	const CurlResponse response = get("/nocontent");
	ASSERT_EQ(0, response.exitCode) << response.describe();
	EXPECT_EQ(204, response.status);
	EXPECT_EQ("", response.body);
}

TEST_P(CurlTest, FormUrlEncoded)
{
	const CurlResponse response = get("/form", "-d a=1 -d b=2");
	ASSERT_EQ(0, response.exitCode) << response.describe();
	EXPECT_EQ(200, response.status);
	EXPECT_EQ("a=1\nb=2\n", response.body);
}

TEST_P(CurlTest, FormMultipart)
{
	const std::string upload = makeRandomFile("upload.bin", 30000);
	const CurlResponse response = get("/form", "-F field=x -F file=@" + upload);
	ASSERT_EQ(0, response.exitCode) << response.describe();
	EXPECT_EQ(200, response.status);
	EXPECT_EQ("field=x\npart name=file filename=upload.bin size=30000\n", response.body);
}

TEST_P(CurlTest, SendFile)
{
	const CurlResponse response = get("/file");
	ASSERT_EQ(0, response.exitCode) << response.describe();
	EXPECT_EQ(200, response.status);
	const std::string expected = readFile(servers().servedFile());
	EXPECT_EQ(std::to_string(expected.size()), response.header("content-length"));
	EXPECT_EQ("application/octet-stream", response.header("content-type"));
	EXPECT_TRUE(response.hasHeader("last-modified")) << response.headers;
	EXPECT_TRUE(expected == response.body) << "body of " << response.body.size() << " bytes differs";
}

TEST_P(CurlTest, SendBufferLargerThanStreamBuffer)
{
	// The head and the first 256 KiB (the stream buffer) go as one event,
	// the rest waits for room as the codec drains it.
	const std::size_t bytes = 1024 * 1024 + 3;
	const CurlResponse response = get("/buffer?bytes=" + std::to_string(bytes));
	ASSERT_EQ(0, response.exitCode) << response.describe();
	EXPECT_EQ(200, response.status);
	EXPECT_EQ(std::to_string(bytes), response.header("content-length"));
	ASSERT_EQ(bytes, response.body.size());
	EXPECT_TRUE(TestHandlerFactory::streamPattern(bytes) == response.body) << "body differs";
}

TEST_P(CurlTest, SendBufferOfNoBytes)
{
	const CurlResponse response = get("/buffer?bytes=0");
	ASSERT_EQ(0, response.exitCode) << response.describe();
	EXPECT_EQ(200, response.status);
	EXPECT_EQ("0", response.header("content-length"));
	EXPECT_EQ("", response.body);
}

TEST_P(CurlTest, SendBufferForHeadSendsNoBody)
{
	const CurlResponse response = get("/buffer?bytes=1000", "-I");
	ASSERT_EQ(0, response.exitCode) << response.describe();
	EXPECT_EQ(200, response.status);
	EXPECT_EQ("1000", response.header("content-length"));
	// With -I the body file holds the headers; h2frames.py head_send_buffer
	// checks at frame level that no DATA payload is sent.
	EXPECT_EQ(std::string::npos, response.body.find(TestHandlerFactory::streamPattern(16))) << response.body;
}

TEST_P(CurlTest, StreamedResponse)
{
	const std::size_t bytes = 3 * 1024 * 1024 + 123;
	const CurlResponse response = get("/stream?bytes=" + std::to_string(bytes));
	ASSERT_EQ(0, response.exitCode) << response.describe();
	EXPECT_EQ(200, response.status);
	ASSERT_EQ(bytes, response.body.size());
	EXPECT_TRUE(TestHandlerFactory::streamPattern(bytes) == response.body) << "streamed body differs";
}

TEST_P(CurlTest, RequestHeadersCookiesAndCredentialsReachHandler)
{
	const CurlResponse response =
		get("/headers?q=1", "-H 'X-Test: abc' -H 'X-Other: d e f' -b 'c1=v1; c2=v2' -u alice:secret");
	ASSERT_EQ(0, response.exitCode) << response.describe();
	EXPECT_EQ(200, response.status);
	const std::string& body = response.body;
	const std::string port = std::to_string(GetParam().tls ? servers().tlsPort() : servers().plainPort());
	for (const std::string line : {"method=GET\n", "uri=/headers?q=1\n", "header:x-test=abc\n",
			 "header:x-other=d e f\n", "cookie:c1=v1\n", "cookie:c2=v2\n", "scheme=Basic\n", "user=alice\n",
			 "password=secret\n"})
	{
		EXPECT_NE(std::string::npos, body.find(line)) << "missing " << line << " in:\n" << body;
	}
	EXPECT_NE(std::string::npos, body.find("host=127.0.0.1:" + port + "\n")) << body;
	EXPECT_NE(std::string::npos, body.find(std::string("secure=") + (GetParam().tls ? "true" : "false"))) << body;
	const std::string version = std::string(GetParam().version) == "2" ? "HTTP/2.0" : "HTTP/1.1";
	EXPECT_NE(std::string::npos, body.find("version=" + version + "\n")) << body;
	EXPECT_EQ("sid=abc123; path=/", response.header("set-cookie"));
}

TEST_P(CurlTest, ExpectContinueUpload)
{
	const std::string upload = makeRandomFile("expect.bin", 2 * 1024 * 1024);
	const CurlResponse response =
		get("/echo", "--expect100-timeout 30 -H 'Expect: 100-continue' --data-binary @" + upload);
	ASSERT_EQ(0, response.exitCode) << response.describe();
	EXPECT_EQ(200, response.status);
	// The interim response is in the dump: "HTTP/2 100" or "HTTP/1.1 100 Continue".
	const std::string interim = std::string("HTTP/") + (GetParam().version == std::string("2") ? "2 100" : "1.1 100");
	EXPECT_NE(std::string::npos, response.headers.find(interim)) << response.headers;
	EXPECT_TRUE(readFile(upload) == response.body) << "echoed body differs";
}

INSTANTIATE_TEST_SUITE_P(AllTransports, CurlTest, ::testing::Values(H2C, H2TLS, H11, H11TLS), transportName);

TEST_P(CurlH2Test, ResponseHasNoConnectionSpecificHeaders)
{
	const CurlResponse response = get("/headers", "-v");
	ASSERT_EQ(0, response.exitCode) << response.describe();
	EXPECT_EQ("2", response.version);
	EXPECT_EQ(200, response.status);
	// The handler set Connection, Keep-Alive and chunked transfer encoding: none may go on the wire.
	EXPECT_FALSE(response.hasHeader("connection")) << response.headers;
	EXPECT_FALSE(response.hasHeader("keep-alive")) << response.headers;
	EXPECT_FALSE(response.hasHeader("transfer-encoding")) << response.headers;
	// HTTP/2 field names are lowercase; curl dumps them as received.
	EXPECT_NE(std::string::npos, response.headers.find("\nset-cookie: sid=abc123; path=/")) << response.headers;
	EXPECT_NE(std::string::npos, response.headers.find("\ndate: ")) << response.headers;
	EXPECT_NE(std::string::npos, response.headers.find("\nserver: " + TestServers::SOFTWARE_VERSION))
		<< response.headers;
	std::istringstream lines(response.headers);
	std::string line;
	while (std::getline(lines, line))
	{
		const auto colon = line.find(':');
		if (line.rfind("HTTP/", 0) == 0 || colon == std::string::npos)
			continue;
		const std::string name = line.substr(0, colon);
		EXPECT_EQ(Poco::toLower(name), name) << "header name not lowercase";
	}
	EXPECT_EQ(std::string::npos, response.errors.find("Weird")) << response.errors;
}

TEST_P(CurlH2Test, HandlerThrowGives500AndServerGoesOn)
{
	const CurlResponse failed = get("/throw");
	ASSERT_EQ(0, failed.exitCode) << failed.describe();
	EXPECT_EQ("2", failed.version);
	EXPECT_EQ(500, failed.status);

	const CurlResponse after = get("/");
	ASSERT_EQ(0, after.exitCode) << after.describe();
	EXPECT_EQ(200, after.status);
	EXPECT_EQ(TestHandlerFactory::HELLO, after.body);

	// The same on one connection. Not with curl: 7.88.1 fails to reuse an h2c
	// prior-knowledge connection ("Error in the HTTP2 framing layer", also
	// against nghttpd), so h2frames.py sends /throw, waits, then sends /.
	const Poco::UInt16 port = GetParam().tls ? servers().tlsPort() : servers().plainPort();
	const std::string command = std::string("timeout 60 /usr/bin/python3 ") + H2FRAMES_PY + " throw_then_hello " +
		std::to_string(port) + (GetParam().tls ? " --tls" : "") + " 2>&1";
	const CommandResult result = runCommand(command);
	EXPECT_EQ(0, result.exitCode) << command << "\n" << result.output;
}

TEST_P(CurlH2Test, HandlerLeavingAHeadThatCannotBeSentGetsTheStreamReset)
{
	// Nothing can answer that request, so the stream is reset
	// (INTERNAL_ERROR) instead of leaving the client waiting.
	const CurlResponse failed = get("/unsendable-head", "--max-time 10");
	EXPECT_EQ(92, failed.exitCode) << failed.describe(); // curl: HTTP/2 stream error
	EXPECT_NE(std::string::npos, failed.errors.find("INTERNAL_ERROR")) << failed.describe();

	const CurlResponse after = get("/");
	ASSERT_EQ(0, after.exitCode) << after.describe();
	EXPECT_EQ(200, after.status);
}

TEST_P(CurlH2Test, Echo50MiB)
{
	const std::string upload = makeRandomFile("big.bin", 50 * 1024 * 1024);
	const std::string out = servers().path("big.out");
	const std::string command = "timeout 120 curl -sS --max-time 100 " + std::string(GetParam().options) +
		" -w '%{http_version} %{http_code}' -H 'Content-Type: application/octet-stream' --data-binary @" + upload +
		" -o " + out + " " + shellQuote(url("/echo")) + " 2>&1";
	const CommandResult result = runCommand(command);
	ASSERT_EQ(0, result.exitCode) << result.output;
	EXPECT_EQ("2 200", result.output);
	EXPECT_EQ(sha256OfFile(upload), sha256OfFile(out));
}

INSTANTIATE_TEST_SUITE_P(Http2, CurlH2Test, ::testing::Values(H2C, H2TLS), transportName);

class H2cUpgradeTest : public CurlFixture
	/// curl --http2 and nghttp -u on http:// send the request over HTTP/1.1
	/// with Upgrade: h2c and HTTP2-Settings (RFC 7540 §3.2).
{
};

TEST_F(H2cUpgradeTest, CurlGetIsAnsweredOverHttp2After101)
{
	const CurlResponse response = curl("--http2", servers().plainUrl("/"));
	ASSERT_EQ(0, response.exitCode) << response.describe();
	EXPECT_EQ("2", response.version) << response.describe();
	EXPECT_EQ(200, response.status);
	EXPECT_EQ(TestHandlerFactory::HELLO, response.body);
	EXPECT_EQ(0u, response.headers.find("HTTP/1.1 101 Switching Protocols\r\n")) << response.describe();
}

TEST_F(H2cUpgradeTest, NghttpUpgradeRequestIsAnsweredOnStream1)
{
	const std::string command = "timeout 20 nghttp -uv " + shellQuote(servers().plainUrl("/")) + " 2>&1";
	const CommandResult result = runCommand(command);
	ASSERT_EQ(0, result.exitCode) << command << "\n" << result.output;
	EXPECT_NE(std::string::npos, result.output.find("HTTP Upgrade success")) << result.output;
	EXPECT_NE(std::string::npos, result.output.find("recv (stream_id=1) :status: 200")) << result.output;
	// The body may end in its DATA frame or in an empty one after it: both are
	// HTTP/2; what matters is the 13 bytes and END_STREAM on stream 1.
	EXPECT_NE(std::string::npos, result.output.find("recv DATA frame <length=13, flags=0x0")) << result.output;
	EXPECT_TRUE(result.output.find("recv DATA frame <length=13, flags=0x01, stream_id=1>") != std::string::npos
		|| result.output.find("recv DATA frame <length=0, flags=0x01, stream_id=1>") != std::string::npos)
		<< result.output;
	EXPECT_NE(std::string::npos, result.output.find(TestHandlerFactory::HELLO)) << result.output;
}

TEST_F(H2cUpgradeTest, CurlUploadWithUpgradeIsServedOverHttp11)
{
	// The server switches only for requests without a body; this one is
	// answered over HTTP/1.1, by the ordinary Poco path.
	const CurlResponse response = curl("--http2 --data-binary 'name=value'", servers().plainUrl("/echo"));
	ASSERT_EQ(0, response.exitCode) << response.describe();
	EXPECT_EQ("1.1", response.version) << response.describe();
	EXPECT_EQ(200, response.status);
	EXPECT_EQ("name=value", response.body);
}

} // namespace
