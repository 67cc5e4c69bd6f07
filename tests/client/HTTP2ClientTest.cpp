// HTTP2Client and HTTP2ClientSession against our own HTTP2Server, in process
// on 127.0.0.1: methods, bodies both ways, multiplexing from many threads,
// the asynchronous form, timeouts, a server that dies, TLS verification.
#include "ClientTestSupport.h"
#include "PocoH2/HTTP2Client.h"
#include "PocoH2/HTTP2ClientSession.h"
#include "PocoH2/HTTP2Exception.h"
#include "PocoH2/HTTP2Server.h"
#include "PocoH2/HTTP2ServerParams.h"
#include "PocoH2/HTTP2StreamFactory.h"
#include <Poco/URIStreamOpener.h>
#include <memory>
#include <Poco/Net/HTTPCookie.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NameValueCollection.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SSLException.h>
#include <Poco/StreamCopier.h>
#include <Poco/TemporaryFile.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/HTTPServerParams.h>
#include <cstdlib>
#include <atomic>
#include <gtest/gtest.h>
#include <sstream>
#include <thread>

using namespace Poco::Net;
using PocoH2::HTTP2Client;
using PocoH2::HTTP2ClientParams;
using PocoH2::HTTP2ClientSession;

namespace {

class HTTP2ClientTest : public ::testing::Test
{
protected:
	static void SetUpTestSuite() { pServers = new PocoH2Test::OwnServers; }
	static void TearDownTestSuite()
	{
		delete pServers;
		pServers = nullptr;
	}
	static PocoH2Test::OwnServers* pServers;
};

PocoH2Test::OwnServers* HTTP2ClientTest::pServers = nullptr;

} // namespace

TEST_F(HTTP2ClientTest, GetOverH2c)
{
	HTTP2Client client("127.0.0.1", pServers->port());
	HTTPRequest request(HTTPRequest::HTTP_GET, "/hello");
	HTTPResponse response;
	EXPECT_EQ(client.sendRequest(request, response), "hello");
	EXPECT_EQ(response.getStatus(), HTTPResponse::HTTP_OK);
	EXPECT_EQ(response.getVersion(), "HTTP/2.0");
	EXPECT_EQ(response.getContentType(), "text/plain");
	EXPECT_EQ(client.totalConnections(), 1);
}

TEST_F(HTTP2ClientTest, NotFoundIsAResponseNotAnError)
{
	HTTP2Client client("127.0.0.1", pServers->port());
	HTTPRequest request(HTTPRequest::HTTP_GET, "/nothing-here");
	HTTPResponse response;
	EXPECT_EQ(client.sendRequest(request, response), "not found");
	EXPECT_EQ(response.getStatus(), HTTPResponse::HTTP_NOT_FOUND);
}

TEST_F(HTTP2ClientTest, HeadersHostAndCookiesReachTheServer)
{
	HTTP2Client client("127.0.0.1", pServers->port());
	HTTPRequest request(HTTPRequest::HTTP_GET, "/headers", HTTPMessage::HTTP_1_1);
	request.setHost("example.test");
	request.setKeepAlive(true); // Connection: must not go on the wire
	request.set("X-Custom", "value");
	NameValueCollection cookies;
	cookies.add("a", "1");
	cookies.add("b", "2");
	request.setCookies(cookies);
	HTTPResponse response;
	const std::string body = client.sendRequest(request, response);
	EXPECT_NE(body.find("x-custom: value"), std::string::npos) << body;
	EXPECT_NE(body.find("Host: example.test"), std::string::npos) << body;
	EXPECT_NE(body.find("Cookie: a=1; b=2"), std::string::npos) << body;
	EXPECT_EQ(body.find("onnection"), std::string::npos) << body;
}

TEST_F(HTTP2ClientTest, PostSmallBody)
{
	HTTP2Client client("127.0.0.1", pServers->port());
	HTTPRequest request(HTTPRequest::HTTP_POST, "/echo");
	HTTPResponse response;
	EXPECT_EQ(client.sendRequest(request, response, "ping pong"), "ping pong");
	EXPECT_EQ(response.getStatus(), HTTPResponse::HTTP_OK);
}

TEST_F(HTTP2ClientTest, LargeUploadStreamedFromIstream)
{
	const std::string body = PocoH2Test::patternBody(20u << 20, 7);
	HTTP2Client client("127.0.0.1", pServers->port());
	HTTPRequest request(HTTPRequest::HTTP_POST, "/sha");
	std::istringstream in(body);
	std::ostringstream out;
	HTTPResponse response;
	client.sendRequest(request, &in, response, out);
	EXPECT_EQ(out.str(), std::to_string(body.size()) + " " + PocoH2Test::sha256(body));
}

TEST_F(HTTP2ClientTest, LargeDownloadStreamedToOstream)
{
	const std::size_t size = 20u << 20;
	HTTP2Client client("127.0.0.1", pServers->port());
	HTTPRequest request(HTTPRequest::HTTP_GET, "/big?n=" + std::to_string(size) + "&seed=3");
	std::ostringstream out;
	HTTPResponse response;
	client.sendRequest(request, nullptr, response, out);
	EXPECT_EQ(response.getContentLength64(), static_cast<Poco::Int64>(size));
	EXPECT_EQ(PocoH2Test::sha256(out.str()), PocoH2Test::sha256(PocoH2Test::patternBody(size, 3)));
}

TEST_F(HTTP2ClientTest, LargeEchoBothWaysAtOnce)
{
	// The server streams the body back while it reads it: the client must
	// take the response while it still sends, or both sides stall.
	const std::string body = PocoH2Test::patternBody(20u << 20, 9);
	HTTP2Client client("127.0.0.1", pServers->port());
	HTTPRequest request(HTTPRequest::HTTP_PUT, "/echo");
	std::istringstream in(body);
	std::ostringstream out;
	HTTPResponse response;
	client.sendRequest(request, &in, response, out);
	ASSERT_EQ(out.str().size(), body.size());
	EXPECT_TRUE(out.str() == body);
}

TEST_F(HTTP2ClientTest, ThousandRequestsFromSixteenThreadsShareAtMostTwoConnections)
{
	HTTP2ClientParams params;
	params.setMaxConnections(2);
	HTTP2Client client("127.0.0.1", pServers->port(), params);
	std::atomic<int> ok{0};
	std::atomic<int> failed{0};
	std::vector<std::thread> threads;
	for (int t = 0; t < 16; ++t)
		threads.emplace_back(
			[&, t]
			{
				for (int i = 0; i < 1000 / 16 + (t < 1000 % 16 ? 1 : 0); ++i)
				{
					try
					{
						HTTPRequest request(HTTPRequest::HTTP_GET, "/hello");
						HTTPResponse response;
						if (client.sendRequest(request, response) == "hello" && response.getStatus() == 200)
							++ok;
						else
							++failed;
					}
					catch (Poco::Exception&)
					{
						++failed;
					}
				}
			});
	for (auto& thread : threads)
		thread.join();
	EXPECT_EQ(ok.load(), 1000);
	EXPECT_EQ(failed.load(), 0);
	EXPECT_GE(client.totalConnections(), 1);
	EXPECT_LE(client.totalConnections(), 2);
}

TEST_F(HTTP2ClientTest, NewConnectionOnlyWhenEveryOneIsBusy)
{
	// A server allowing 4 streams per connection, a client allowing 2
	// connections: 20 slow requests at once use both connections, and the
	// 12 beyond their 8 streams wait in the client for a free one.
	PocoH2::HTTP2ServerParams::Ptr pParams = new PocoH2::HTTP2ServerParams;
	pParams->setMaxConcurrentStreams(4);
	pParams->setMaxThreads(16);
	PocoH2::HTTP2Server server(new PocoH2Test::TestHandlerFactory, ServerSocket(SocketAddress("127.0.0.1", 0)),
		HTTPServerParams::Ptr(pParams, true));
	server.start();
	HTTP2ClientParams params;
	params.setMaxConnections(2);
	HTTP2Client client("127.0.0.1", server.port(), params);
	HTTPRequest hello(HTTPRequest::HTTP_GET, "/hello");
	HTTPResponse response;
	EXPECT_EQ(client.sendRequest(hello, response), "hello"); // the server's SETTINGS are known now
	EXPECT_EQ(client.totalConnections(), 1);
	std::vector<std::future<HTTP2Client::Result>> futures;
	for (int i = 0; i < 20; ++i)
		futures.push_back(client.sendRequestAsync(HTTPRequest(HTTPRequest::HTTP_GET, "/slow?ms=50")));
	for (auto& future : futures)
		EXPECT_EQ(future.get().body, "slow");
	EXPECT_EQ(client.totalConnections(), 2);
	EXPECT_EQ(server.totalConnections(), 2);
	client.close();
	server.stopAll(true);
}

TEST_F(HTTP2ClientTest, AsyncFuturesAndCallbacks)
{
	HTTP2Client client("127.0.0.1", pServers->port());
	std::vector<std::future<HTTP2Client::Result>> futures;
	for (int i = 0; i < 200; ++i)
		futures.push_back(client.sendRequestAsync(HTTPRequest(HTTPRequest::HTTP_POST, "/echo"), "body " + std::to_string(i)));
	for (int i = 0; i < 200; ++i)
	{
		HTTP2Client::Result result = futures[i].get();
		EXPECT_EQ(result.response.getStatus(), HTTPResponse::HTTP_OK);
		EXPECT_EQ(result.body, "body " + std::to_string(i));
	}
	std::promise<std::string> done;
	client.sendRequestAsync(HTTPRequest(HTTPRequest::HTTP_GET, "/hello"), "",
		[&done](HTTPResponse& response, std::string& body, const Poco::Exception* pError)
		{ done.set_value(pError ? pError->displayText() : std::to_string(response.getStatus()) + " " + body); });
	EXPECT_EQ(done.get_future().get(), "200 hello");
	// Until the server's SETTINGS arrive a connection counts as full at 100
	// streams, so 200 requests at once may open a second one.
	EXPECT_LE(client.totalConnections(), 2);
}

TEST_F(HTTP2ClientTest, TimeoutResetsTheStreamAndThrows)
{
	HTTP2ClientParams params;
	params.setTimeout(Poco::Timespan(0, 300 * 1000));
	HTTP2Client client("127.0.0.1", pServers->port(), params);
	HTTPRequest slow(HTTPRequest::HTTP_GET, "/slow?ms=2000");
	HTTPResponse response;
	const auto start = std::chrono::steady_clock::now();
	EXPECT_THROW(client.sendRequest(slow, response), Poco::TimeoutException);
	EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1500));
	// The connection survives a cancelled stream.
	HTTPRequest hello(HTTPRequest::HTTP_GET, "/hello");
	EXPECT_EQ(client.sendRequest(hello, response), "hello");
	EXPECT_EQ(client.totalConnections(), 1);
}

TEST_F(HTTP2ClientTest, AnsweredKeepAlivePingsKeepAnIdleConnection)
{
	HTTP2ClientParams params;
	params.setKeepAliveInterval(Poco::Timespan(0, 50 * 1000));
	HTTP2Client client("127.0.0.1", pServers->port(), params);
	HTTPRequest request(HTTPRequest::HTTP_GET, "/hello");
	HTTPResponse response;
	EXPECT_EQ(client.sendRequest(request, response), "hello");
	std::this_thread::sleep_for(std::chrono::milliseconds(400)); // idle: several PING rounds
	EXPECT_EQ(client.sendRequest(request, response), "hello");
	EXPECT_EQ(client.totalConnections(), 1);
	EXPECT_EQ(client.currentConnections(), 1);
}

TEST_F(HTTP2ClientTest, SessionHasHTTPClientSessionShape)
{
	HTTP2ClientSession session("127.0.0.1", pServers->port());
	HTTPRequest request(HTTPRequest::HTTP_POST, "/echo");
	request.setContentLength(11);
	session.sendRequest(request) << "hello world";
	HTTPResponse response;
	std::istream& rs = session.receiveResponse(response);
	std::string body;
	Poco::StreamCopier::copyToString(rs, body);
	EXPECT_EQ(response.getStatus(), HTTPResponse::HTTP_OK);
	EXPECT_EQ(body, "hello world");

	// A GET on the same session, then a chunked upload.
	HTTPRequest get(HTTPRequest::HTTP_GET, "/hello");
	session.sendRequest(get);
	std::istream& rs2 = session.receiveResponse(response);
	body.clear();
	Poco::StreamCopier::copyToString(rs2, body);
	EXPECT_EQ(body, "hello");

	HTTPRequest chunked(HTTPRequest::HTTP_POST, "/sha");
	chunked.setChunkedTransferEncoding(true);
	const std::string upload = PocoH2Test::patternBody(3u << 20, 5);
	session.sendRequest(chunked).write(upload.data(), static_cast<std::streamsize>(upload.size()));
	std::istream& rs3 = session.receiveResponse(response);
	body.clear();
	Poco::StreamCopier::copyToString(rs3, body);
	EXPECT_EQ(body, std::to_string(upload.size()) + " " + PocoH2Test::sha256(upload));
}

TEST_F(HTTP2ClientTest, SessionsSharingOneClientMultiplex)
{
	HTTP2Client client("127.0.0.1", pServers->port());
	std::vector<std::thread> threads;
	std::atomic<int> ok{0};
	for (int t = 0; t < 8; ++t)
		threads.emplace_back(
			[&]
			{
				HTTP2ClientSession session(client);
				for (int i = 0; i < 20; ++i)
				{
					HTTPRequest request(HTTPRequest::HTTP_GET, "/big?n=100000");
					session.sendRequest(request);
					HTTPResponse response;
					std::string body;
					Poco::StreamCopier::copyToString(session.receiveResponse(response), body);
					if (body.size() == 100000)
						++ok;
				}
			});
	for (auto& thread : threads)
		thread.join();
	EXPECT_EQ(ok.load(), 160);
	EXPECT_EQ(client.totalConnections(), 1);
}

TEST_F(HTTP2ClientTest, AbandonedResponseDoesNotBlockTheConnection)
{
	HTTP2Client client("127.0.0.1", pServers->port());
	{
		HTTP2ClientSession session(client);
		HTTPRequest request(HTTPRequest::HTTP_GET, "/big?n=50000000");
		session.sendRequest(request);
		HTTPResponse response;
		char buffer[100];
		session.receiveResponse(response).read(buffer, sizeof(buffer));
	} // the session resets the stream it did not read
	HTTPRequest hello(HTTPRequest::HTTP_GET, "/hello");
	HTTPResponse response;
	EXPECT_EQ(client.sendRequest(hello, response), "hello");
	EXPECT_EQ(client.totalConnections(), 1);
}

TEST_F(HTTP2ClientTest, TlsWithVerificationAgainstTheCertificate)
{
	HTTP2Client client("127.0.0.1", pServers->tlsPort(),
		PocoH2Test::clientContext(Context::VERIFY_RELAXED, pServers->certificatePath()));
	HTTPRequest request(HTTPRequest::HTTP_GET, "/hello");
	HTTPResponse response;
	EXPECT_EQ(client.sendRequest(request, response), "hello");
	EXPECT_TRUE(client.secure());
}

TEST_F(HTTP2ClientTest, TlsWithoutVerification)
{
	HTTP2Client client(Poco::URI("https://localhost:" + std::to_string(pServers->tlsPort())),
		PocoH2Test::clientContext(Context::VERIFY_NONE));
	HTTPRequest request(HTTPRequest::HTTP_GET, "/hello");
	HTTPResponse response;
	EXPECT_EQ(client.sendRequest(request, response), "hello");
}

TEST_F(HTTP2ClientTest, TlsSelfSignedCertificateIsRejected)
{
	HTTP2Client client("localhost", pServers->tlsPort(), PocoH2Test::clientContext(Context::VERIFY_RELAXED));
	HTTPRequest request(HTTPRequest::HTTP_GET, "/hello");
	HTTPResponse response;
	try
	{
		client.sendRequest(request, response);
		FAIL() << "a self-signed certificate was accepted";
	}
	catch (CertificateValidationException& exc)
	{
		EXPECT_NE(exc.displayText().find("localhost:" + std::to_string(pServers->tlsPort())), std::string::npos)
			<< exc.displayText();
		EXPECT_NE(exc.displayText().find("self-signed"), std::string::npos) << exc.displayText();
	}
}

TEST_F(HTTP2ClientTest, TlsWrongHostNameIsRejected)
{
	// A certificate for other.example only, trusted as its own CA: the chain
	// verifies, the name (127.0.0.1) does not.
	Poco::TemporaryFile directory;
	directory.createDirectories();
	const std::string cert = directory.path() + "/cert.pem";
	const std::string key = directory.path() + "/key.pem";
	const std::string command = "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=other.example"
								" -addext subjectAltName=DNS:other.example -keyout "
		+ key + " -out " + cert + " 2>/dev/null";
	ASSERT_EQ(std::system(command.c_str()), 0);
	PocoH2::HTTP2Server server(new PocoH2Test::TestHandlerFactory, ServerSocket(SocketAddress("127.0.0.1", 0)),
		new HTTPServerParams, new Context(Context::TLS_SERVER_USE, key, cert, "", Context::VERIFY_NONE));
	server.start();
	HTTP2Client client("127.0.0.1", server.port(), PocoH2Test::clientContext(Context::VERIFY_RELAXED, cert));
	HTTPRequest request(HTTPRequest::HTTP_GET, "/hello");
	HTTPResponse response;
	try
	{
		client.sendRequest(request, response);
		FAIL() << "a certificate for another name was accepted";
	}
	catch (CertificateValidationException& exc)
	{
		EXPECT_NE(exc.displayText().find("mismatch"), std::string::npos) << exc.displayText();
	}
	// Without the name check the same certificate passes.
	HTTP2ClientParams params;
	params.setVerifyHostName(false);
	HTTP2Client lenient("127.0.0.1", server.port(), PocoH2Test::clientContext(Context::VERIFY_RELAXED, cert), params);
	EXPECT_EQ(lenient.sendRequest(request, response), "hello");
	server.stopAll(true);
}

TEST_F(HTTP2ClientTest, ConnectionRefusedNamesTheHost)
{
	const Poco::UInt16 port = PocoH2Test::freePort();
	HTTP2Client client("127.0.0.1", port);
	HTTPRequest request(HTTPRequest::HTTP_GET, "/hello");
	HTTPResponse response;
	try
	{
		client.sendRequest(request, response);
		FAIL();
	}
	catch (ConnectionRefusedException& exc)
	{
		EXPECT_NE(exc.displayText().find("127.0.0.1:" + std::to_string(port)), std::string::npos);
	}
}

TEST_F(HTTP2ClientTest, CloseFailsLaterRequests)
{
	HTTP2Client client("127.0.0.1", pServers->port());
	HTTPRequest request(HTTPRequest::HTTP_GET, "/hello");
	HTTPResponse response;
	EXPECT_EQ(client.sendRequest(request, response), "hello");
	client.close();
	EXPECT_EQ(client.currentConnections(), 0);
	EXPECT_THROW(client.sendRequest(request, response), Poco::IllegalStateException);
}

TEST_F(HTTP2ClientTest, CloseFailsRequestsInFlight)
{
	HTTP2Client client("127.0.0.1", pServers->port());
	auto future = client.sendRequestAsync(HTTPRequest(HTTPRequest::HTTP_GET, "/slow?ms=1000"));
	HTTPRequest hello(HTTPRequest::HTTP_GET, "/hello");
	HTTPResponse response;
	EXPECT_EQ(client.sendRequest(hello, response), "hello"); // the slow one is on the wire now
	client.close();
	EXPECT_THROW(future.get(), PocoH2::HTTP2ConnectionClosedException);
}

TEST_F(HTTP2ClientTest, URIStreamOpenerOverHttp2)
{
	PocoH2::HTTP2StreamFactory::registerFactory(
		PocoH2Test::clientContext(Context::VERIFY_RELAXED, pServers->certificatePath()), true);
	std::string body;
	{
		std::unique_ptr<std::istream> pStream(Poco::URIStreamOpener::defaultOpener().open(
			"https://127.0.0.1:" + std::to_string(pServers->tlsPort()) + "/big?n=100000"));
		Poco::StreamCopier::copyToString(*pStream, body);
	}
	EXPECT_EQ(body, PocoH2Test::patternBody(100000, 1));
	{
		std::unique_ptr<std::istream> pStream(
			Poco::URIStreamOpener::defaultOpener().open("http://127.0.0.1:" + std::to_string(pServers->port()) + "/hello"));
		body.clear();
		Poco::StreamCopier::copyToString(*pStream, body);
	}
	EXPECT_EQ(body, "hello");
	try
	{
		Poco::URIStreamOpener::defaultOpener().open("http://127.0.0.1:" + std::to_string(pServers->port()) + "/missing");
		FAIL();
	}
	catch (HTTPException& exc)
	{
		EXPECT_EQ(exc.code(), 404);
	}
	PocoH2::HTTP2StreamFactory::unregisterFactory();
	EXPECT_FALSE(Poco::URIStreamOpener::defaultOpener().supportsScheme("https"));
}
