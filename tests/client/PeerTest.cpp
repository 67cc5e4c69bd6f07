// HTTP2Client against other servers: nghttpd (h2c and TLS), a python3-h2
// server that sends GOAWAY, refuses streams or dies mid-run, and servers that
// do not speak HTTP/2 at all.
#include "ClientTestSupport.h"
#include "PocoH2/HTTP2Client.h"
#include "PocoH2/HTTP2ClientSession.h"
#include "PocoH2/HTTP2Exception.h"
#include "PocoH2/SelfSignedCertificate.h"
#include <Poco/File.h>
#include <Poco/FileStream.h>
#include <Poco/StreamCopier.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/SSLException.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/TemporaryFile.h>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <gtest/gtest.h>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

using namespace Poco::Net;
using PocoH2::HTTP2Client;
using PocoH2::HTTP2ClientParams;

namespace {

const std::string SCRIPT = std::string(POCOH2_CLIENT_TEST_DIR) + "/goaway_server.py";

class Nghttpd : public ::testing::Test
	/// nghttpd serving a document root with a small and a 20 MiB file, once
	/// cleartext and once with TLS (a self-signed certificate).
{
protected:
	static void SetUpTestSuite()
	{
		pDirectory = new Poco::TemporaryFile;
		pDirectory->createDirectories();
		const std::string root = pDirectory->path();
		Poco::File(root + "/docroot").createDirectories();
		Poco::FileOutputStream(root + "/docroot/hello.txt") << "hello from nghttpd\n";
		pBig = new std::string(PocoH2Test::patternBody(20u << 20, 11));
		Poco::FileOutputStream(root + "/docroot/big.bin").write(pBig->data(), static_cast<std::streamsize>(pBig->size()));
		PocoH2::SelfSignedCertificate::create(root + "/cert.pem", root + "/key.pem", "localhost");
		const Poco::UInt16 port = PocoH2Test::freePort();
		pPlain = new PocoH2Test::ChildServer("/usr/sbin/nghttpd",
			{"--no-tls", "-a", "127.0.0.1", "-d", root + "/docroot", "--echo-upload", std::to_string(port)}, false);
		pPlain->setPort(port);
		const Poco::UInt16 tlsPort = PocoH2Test::freePort();
		pTls = new PocoH2Test::ChildServer("/usr/sbin/nghttpd",
			{"-a", "127.0.0.1", "-d", root + "/docroot", std::to_string(tlsPort), root + "/key.pem", root + "/cert.pem"},
			false);
		pTls->setPort(tlsPort);
		PocoH2Test::waitUntilListening(port);
		PocoH2Test::waitUntilListening(tlsPort);
	}

	static void TearDownTestSuite()
	{
		delete pPlain;
		delete pTls;
		delete pBig;
		delete pDirectory;
	}

	static Poco::TemporaryFile* pDirectory;
	static PocoH2Test::ChildServer* pPlain;
	static PocoH2Test::ChildServer* pTls;
	static std::string* pBig;
};

Poco::TemporaryFile* Nghttpd::pDirectory = nullptr;
PocoH2Test::ChildServer* Nghttpd::pPlain = nullptr;
PocoH2Test::ChildServer* Nghttpd::pTls = nullptr;
std::string* Nghttpd::pBig = nullptr;

} // namespace

TEST_F(Nghttpd, GetOverH2c)
{
	HTTP2Client client("127.0.0.1", pPlain->port());
	HTTPRequest request(HTTPRequest::HTTP_GET, "/hello.txt");
	HTTPResponse response;
	EXPECT_EQ(client.sendRequest(request, response), "hello from nghttpd\n");
	EXPECT_EQ(response.getStatus(), HTTPResponse::HTTP_OK);
	EXPECT_EQ(response.get("server").rfind("nghttpd", 0), 0u);
}

TEST_F(Nghttpd, GetOverTls)
{
	HTTP2Client client(Poco::URI("https://localhost:" + std::to_string(pTls->port()) + "/"),
		PocoH2Test::clientContext(Context::VERIFY_RELAXED, pDirectory->path() + "/cert.pem"));
	HTTPRequest request(HTTPRequest::HTTP_GET, "/hello.txt");
	HTTPResponse response;
	EXPECT_EQ(client.sendRequest(request, response), "hello from nghttpd\n");
}

TEST_F(Nghttpd, SelfSignedRejectedWithVerification)
{
	HTTP2Client client("localhost", pTls->port(), PocoH2Test::clientContext(Context::VERIFY_RELAXED));
	HTTPRequest request(HTTPRequest::HTTP_GET, "/hello.txt");
	HTTPResponse response;
	EXPECT_THROW(client.sendRequest(request, response), CertificateValidationException);
}

TEST_F(Nghttpd, LargeDownload)
{
	HTTP2Client client("127.0.0.1", pPlain->port());
	HTTPRequest request(HTTPRequest::HTTP_GET, "/big.bin");
	HTTPResponse response;
	std::ostringstream out;
	client.sendRequest(request, nullptr, response, out);
	EXPECT_EQ(out.str().size(), pBig->size());
	EXPECT_TRUE(out.str() == *pBig);
}

TEST_F(Nghttpd, LargeUploadEchoed)
{
	HTTP2Client client("127.0.0.1", pPlain->port());
	HTTPRequest request(HTTPRequest::HTTP_POST, "/");
	std::istringstream in(*pBig);
	HTTPResponse response;
	std::ostringstream out;
	client.sendRequest(request, &in, response, out);
	EXPECT_EQ(out.str().size(), pBig->size());
	EXPECT_TRUE(out.str() == *pBig);
}

TEST_F(Nghttpd, ManyParallelRequestsOverTls)
{
	HTTP2Client client("127.0.0.1", pTls->port(), PocoH2Test::clientContext(Context::VERIFY_NONE));
	std::vector<std::future<HTTP2Client::Result>> futures;
	for (int i = 0; i < 500; ++i)
		futures.push_back(client.sendRequestAsync(HTTPRequest(HTTPRequest::HTTP_GET, "/hello.txt")));
	int ok = 0;
	for (auto& future : futures)
		ok += future.get().body == "hello from nghttpd\n";
	EXPECT_EQ(ok, 500);
	// nghttpd allows 100 streams at once: 500 requests at once need the
	// client's 4 connections.
	EXPECT_LE(client.totalConnections(), 4);
}

namespace {

class Nginx : public ::testing::Test
	/// nginx (when installed) in one process, h2c and TLS, serving a
	/// document root; skipped when there is no /usr/sbin/nginx.
{
protected:
	static void SetUpTestSuite()
	{
		if (!Poco::File("/usr/sbin/nginx").exists())
			return;
		pDirectory = new Poco::TemporaryFile;
		pDirectory->createDirectories();
		const std::string root = pDirectory->path();
		Poco::File(root + "/docroot").createDirectories();
		Poco::File(root + "/logs").createDirectories();
		Poco::FileOutputStream(root + "/docroot/hello.txt") << "hello from nginx\n";
		pBig = new std::string(PocoH2Test::patternBody(20u << 20, 13));
		Poco::FileOutputStream(root + "/docroot/big.bin").write(pBig->data(), static_cast<std::streamsize>(pBig->size()));
		PocoH2::SelfSignedCertificate::create(root + "/cert.pem", root + "/key.pem", "localhost");
		port = PocoH2Test::freePort();
		tlsPort = PocoH2Test::freePort();
		Poco::FileOutputStream(root + "/nginx.conf")
			<< "master_process off;\ndaemon off;\nworker_processes 1;\npid " << root << "/nginx.pid;\n"
			<< "error_log " << root << "/logs/error.log;\nevents { worker_connections 512; }\n"
			<< "http {\n access_log off;\n client_body_temp_path " << root << "/logs/body;\n"
			<< " proxy_temp_path " << root << "/logs/proxy;\n fastcgi_temp_path " << root << "/logs/fastcgi;\n"
			<< " uwsgi_temp_path " << root << "/logs/uwsgi;\n scgi_temp_path " << root << "/logs/scgi;\n"
			<< " server {\n  listen 127.0.0.1:" << port << " http2;\n  listen 127.0.0.1:" << tlsPort << " ssl http2;\n"
			<< "  ssl_certificate " << root << "/cert.pem;\n  ssl_certificate_key " << root << "/key.pem;\n"
			<< "  root " << root << "/docroot;\n }\n}\n";
		pServer = new PocoH2Test::ChildServer(
			"/usr/sbin/nginx", {"-p", root, "-c", root + "/nginx.conf", "-e", root + "/logs/error.log"}, false);
		PocoH2Test::waitUntilListening(port);
		PocoH2Test::waitUntilListening(tlsPort);
	}

	static void TearDownTestSuite()
	{
		delete pServer;
		delete pBig;
		delete pDirectory;
		pServer = nullptr;
	}

	void SetUp() override
	{
		if (!pServer)
			GTEST_SKIP() << "nginx is not installed";
	}

	static Poco::TemporaryFile* pDirectory;
	static PocoH2Test::ChildServer* pServer;
	static std::string* pBig;
	static Poco::UInt16 port;
	static Poco::UInt16 tlsPort;
};

Poco::TemporaryFile* Nginx::pDirectory = nullptr;
PocoH2Test::ChildServer* Nginx::pServer = nullptr;
std::string* Nginx::pBig = nullptr;
Poco::UInt16 Nginx::port = 0;
Poco::UInt16 Nginx::tlsPort = 0;

} // namespace

TEST_F(Nginx, GetOverH2cAndTls)
{
	HTTP2Client plain("127.0.0.1", port);
	HTTPRequest request(HTTPRequest::HTTP_GET, "/hello.txt");
	HTTPResponse response;
	EXPECT_EQ(plain.sendRequest(request, response), "hello from nginx\n");
	EXPECT_EQ(response.get("server").rfind("nginx", 0), 0u);
	HTTP2Client tls("localhost", tlsPort,
		PocoH2Test::clientContext(Context::VERIFY_RELAXED, pDirectory->path() + "/cert.pem"));
	EXPECT_EQ(tls.sendRequest(request, response), "hello from nginx\n");
}

TEST_F(Nginx, LargeDownloadOverTls)
{
	HTTP2Client client("127.0.0.1", tlsPort, PocoH2Test::clientContext(Context::VERIFY_NONE));
	HTTPRequest request(HTTPRequest::HTTP_GET, "/big.bin");
	HTTPResponse response;
	std::ostringstream out;
	client.sendRequest(request, nullptr, response, out);
	EXPECT_TRUE(out.str() == *pBig);
}

TEST_F(Nginx, ParallelRequestsAndAStatusError)
{
	HTTP2Client client("127.0.0.1", port);
	std::vector<std::future<HTTP2Client::Result>> futures;
	for (int i = 0; i < 300; ++i)
		futures.push_back(client.sendRequestAsync(HTTPRequest(HTTPRequest::HTTP_GET, "/hello.txt")));
	int ok = 0;
	for (auto& future : futures)
		ok += future.get().body == "hello from nginx\n";
	EXPECT_EQ(ok, 300);
	EXPECT_LE(client.totalConnections(), 4);
	HTTPRequest post(HTTPRequest::HTTP_POST, "/hello.txt");
	HTTPResponse response;
	client.sendRequest(post, response, "body");
	EXPECT_EQ(response.getStatus(), HTTPResponse::HTTP_METHOD_NOT_ALLOWED);
}

TEST(RawServer, GoAwayMidRunRetriesUnprocessedRequests)
{
	PocoH2Test::ChildServer server("/usr/bin/python3", {SCRIPT, "goaway", "10"}, true);
	HTTP2Client client("127.0.0.1", server.port());
	std::vector<std::future<HTTP2Client::Result>> futures;
	for (int i = 0; i < 10; ++i)
		futures.push_back(client.sendRequestAsync(HTTPRequest(HTTPRequest::HTTP_GET, "/" + std::to_string(i))));
	std::multiset<std::string> connections;
	for (auto& future : futures)
	{
		const std::string body = future.get().body; // throws if one failed
		connections.insert(body.substr(0, body.find(' ')));
	}
	// Five answered before the GOAWAY, five retried on a second connection.
	EXPECT_EQ(connections.count("1"), 5u);
	EXPECT_EQ(connections.count("2"), 5u);
	EXPECT_EQ(client.totalConnections(), 2);
}

namespace {

struct BlockingOutcome
	/// What one blocking caller of runBlockingCallers() got.
{
	bool ok = false;
	std::string body;  ///< if ok
	std::string error; ///< the exception's displayText() otherwise
	bool connectionClosed = false; ///< the exception was an HTTP2ConnectionClosedException
};

std::vector<BlockingOutcome> runBlockingCallers(HTTP2Client& client, int callers)
	/// One blocking GET from each of callers threads at once. A caller still
	/// blocked after 30 s fails the test; the client is then closed, which
	/// must release it (so the test ends instead of hanging).
{
	std::vector<BlockingOutcome> outcomes(static_cast<std::size_t>(callers));
	std::mutex mutex;
	std::condition_variable changed;
	int done = 0;
	std::vector<std::thread> threads;
	for (int i = 0; i < callers; ++i)
		threads.emplace_back(
			[&, i]
			{
				BlockingOutcome outcome;
				try
				{
					HTTPRequest request(HTTPRequest::HTTP_GET, "/" + std::to_string(i));
					HTTPResponse response;
					outcome.body = client.sendRequest(request, response);
					outcome.ok = response.getStatus() == HTTPResponse::HTTP_OK;
				}
				catch (const PocoH2::HTTP2ConnectionClosedException& exc)
				{
					outcome.error = exc.displayText();
					outcome.connectionClosed = true;
				}
				catch (const Poco::Exception& exc)
				{
					outcome.error = exc.displayText();
				}
				std::lock_guard<std::mutex> lock(mutex);
				outcomes[static_cast<std::size_t>(i)] = std::move(outcome);
				++done;
				changed.notify_all();
			});
	bool allReturned;
	{
		std::unique_lock<std::mutex> lock(mutex);
		allReturned = changed.wait_for(lock, std::chrono::seconds(30), [&] { return done == callers; });
	}
	EXPECT_TRUE(allReturned) << "blocking callers still waiting after 30 s";
	if (!allReturned)
		client.close();
	for (auto& thread : threads)
		thread.join();
	return outcomes;
}

} // namespace

TEST(RawServer, GoAwayMidRunRetriesTheUnprocessedRequestsOfBlockingCallers)
{
	// Ten threads blocked in sendRequest() when the GOAWAY arrives: the five
	// the server processed are answered on the first connection, the other
	// five retried on a second one; every caller returns with its answer.
	PocoH2Test::ChildServer server("/usr/bin/python3", {SCRIPT, "goaway", "10"}, true);
	HTTP2Client client("127.0.0.1", server.port());
	std::multiset<std::string> connections;
	for (const auto& outcome : runBlockingCallers(client, 10))
	{
		EXPECT_TRUE(outcome.ok) << outcome.error;
		connections.insert(outcome.body.substr(0, outcome.body.find(' ')));
	}
	EXPECT_EQ(connections.count("1"), 5u);
	EXPECT_EQ(connections.count("2"), 5u);
	EXPECT_EQ(client.totalConnections(), 2);
}

TEST(RawServer, KilledServerFailsBlockingCallersWithoutHanging)
{
	// Eight threads blocked in sendRequest() when the connection is lost:
	// each gets HTTP2ConnectionClosedException naming the server.
	PocoH2Test::ChildServer server("/usr/bin/python3", {SCRIPT, "die", "8"}, true);
	HTTP2Client client("127.0.0.1", server.port());
	for (const auto& outcome : runBlockingCallers(client, 8))
	{
		EXPECT_FALSE(outcome.ok);
		EXPECT_TRUE(outcome.connectionClosed) << outcome.error;
		EXPECT_NE(outcome.error.find("127.0.0.1:" + std::to_string(server.port())), std::string::npos) << outcome.error;
	}
}

TEST(RawServer, RefusedStreamsAreRetried)
{
	// Four refusals in a row: the fifth attempt (the default maximum) succeeds.
	PocoH2Test::ChildServer server("/usr/bin/python3", {SCRIPT, "refuse", "4"}, true);
	HTTP2Client client("127.0.0.1", server.port());
	for (int i = 0; i < 6; ++i)
	{
		HTTPRequest request(HTTPRequest::HTTP_GET, "/");
		HTTPResponse response;
		EXPECT_EQ(client.sendRequest(request, response).substr(0, 2), "1 ");
	}
	EXPECT_EQ(client.totalConnections(), 1);
}

TEST(RawServer, KilledServerFailsRequestsWithoutHanging)
{
	PocoH2Test::ChildServer server("/usr/bin/python3", {SCRIPT, "die", "8"}, true);
	HTTP2Client client("127.0.0.1", server.port());
	// The callback form: errors arrive as Poco::Exception pointers (with
	// futures they would travel as std::exception_ptr, which ThreadSanitizer
	// cannot follow through the uninstrumented libstdc++; see docs/CLIENT.md).
	std::mutex mutex;
	std::condition_variable allDone;
	std::vector<std::string> errors;
	int successes = 0;
	for (int i = 0; i < 8; ++i)
		client.sendRequestAsync(HTTPRequest(HTTPRequest::HTTP_GET, "/"), "",
			[&](HTTPResponse&, std::string&, const Poco::Exception* pError)
			{
				std::lock_guard<std::mutex> lock(mutex);
				if (pError && dynamic_cast<const PocoH2::HTTP2ConnectionClosedException*>(pError))
					errors.push_back(pError->displayText());
				else
					++successes;
				allDone.notify_all();
			});
	{
		std::unique_lock<std::mutex> lock(mutex);
		allDone.wait(lock, [&] { return errors.size() + successes == 8; });
	}
	EXPECT_EQ(successes, 0);
	for (const auto& error : errors)
		EXPECT_NE(error.find("127.0.0.1:" + std::to_string(server.port())), std::string::npos) << error;
	// The next request finds nobody listening.
	server.kill();
	HTTPRequest request(HTTPRequest::HTTP_GET, "/");
	HTTPResponse response;
	EXPECT_THROW(client.sendRequest(request, response), ConnectionRefusedException);
}

TEST(RawServer, UnansweredKeepAlivePingClosesTheConnection)
{
	PocoH2Test::ChildServer server("/usr/bin/python3", {SCRIPT, "mute", "0"}, true);
	HTTP2ClientParams params;
	params.setKeepAliveInterval(Poco::Timespan(0, 200 * 1000));
	HTTP2Client client("127.0.0.1", server.port(), params);
	HTTPRequest request(HTTPRequest::HTTP_GET, "/");
	HTTPResponse response;
	const auto start = std::chrono::steady_clock::now();
	try
	{
		client.sendRequest(request, response);
		FAIL();
	}
	catch (PocoH2::HTTP2ConnectionClosedException& exc)
	{
		EXPECT_NE(exc.displayText().find("PING"), std::string::npos) << exc.displayText();
	}
	EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

namespace {

class Http1Handler : public HTTPRequestHandler
{
public:
	void handleRequest(HTTPServerRequest&, HTTPServerResponse& response) override { response.send() << "http/1.1"; }
};

class Http1Factory : public HTTPRequestHandlerFactory
{
public:
	HTTPRequestHandler* createRequestHandler(const HTTPServerRequest&) override { return new Http1Handler; }
};

} // namespace

TEST(NotHttp2, CleartextHttp1ServerNamedInTheError)
{
	HTTPServer server(new Http1Factory, ServerSocket(SocketAddress("127.0.0.1", 0)), new HTTPServerParams);
	server.start();
	HTTP2Client client("127.0.0.1", server.port());
	HTTPRequest request(HTTPRequest::HTTP_GET, "/");
	HTTPResponse response;
	try
	{
		client.sendRequest(request, response);
		FAIL();
	}
	catch (PocoH2::HTTP2Exception& exc)
	{
		EXPECT_NE(exc.displayText().find("127.0.0.1:" + std::to_string(server.port()) + " does not speak HTTP/2"),
			std::string::npos)
			<< exc.displayText();
	}
	server.stopAll(true);
}

TEST(NotHttp2, TlsServerWithoutH2NamedInTheError)
{
	Poco::TemporaryFile directory;
	directory.createDirectories();
	PocoH2::SelfSignedCertificate::create(directory.path() + "/cert.pem", directory.path() + "/key.pem");
	Context::Ptr pServerContext = new Context(
		Context::TLS_SERVER_USE, directory.path() + "/key.pem", directory.path() + "/cert.pem", "", Context::VERIFY_NONE);
	HTTPServer server(new Http1Factory, SecureServerSocket(SocketAddress("127.0.0.1", 0), 64, pServerContext),
		new HTTPServerParams);
	server.start();
	HTTP2Client client("127.0.0.1", server.port(), PocoH2Test::clientContext(Context::VERIFY_NONE));
	HTTPRequest request(HTTPRequest::HTTP_GET, "/");
	HTTPResponse response;
	try
	{
		client.sendRequest(request, response);
		FAIL();
	}
	catch (PocoH2::HTTP2Exception& exc)
	{
		EXPECT_NE(exc.displayText().find("127.0.0.1:" + std::to_string(server.port()) + " does not offer HTTP/2"),
			std::string::npos)
			<< exc.displayText();
	}
	server.stopAll(true);
}

TEST(NotHttp2, SessionFallsBackToHttp11WhenAllowed)
{
	Poco::TemporaryFile directory;
	directory.createDirectories();
	PocoH2::SelfSignedCertificate::create(directory.path() + "/cert.pem", directory.path() + "/key.pem");
	Context::Ptr pServerContext = new Context(
		Context::TLS_SERVER_USE, directory.path() + "/key.pem", directory.path() + "/cert.pem", "", Context::VERIFY_NONE);
	HTTPServer tlsServer(new Http1Factory, SecureServerSocket(SocketAddress("127.0.0.1", 0), 64, pServerContext),
		new HTTPServerParams);
	tlsServer.start();
	HTTPServer plainServer(new Http1Factory, ServerSocket(SocketAddress("127.0.0.1", 0)), new HTTPServerParams);
	plainServer.start();
	HTTP2ClientParams params;
	params.setHTTP11Fallback(true);

	PocoH2::HTTP2ClientSession tls("127.0.0.1", tlsServer.port(), PocoH2Test::clientContext(Context::VERIFY_NONE), params);
	PocoH2::HTTP2ClientSession plain("127.0.0.1", plainServer.port(), params);
	for (PocoH2::HTTP2ClientSession* pSession : {&tls, &plain})
	{
		for (int i = 0; i < 2; ++i) // the first finds out, the second goes straight to HTTP/1.1
		{
			HTTPRequest request(HTTPRequest::HTTP_GET, "/", HTTPMessage::HTTP_1_1);
			pSession->sendRequest(request);
			HTTPResponse response;
			std::string body;
			Poco::StreamCopier::copyToString(pSession->receiveResponse(response), body);
			EXPECT_EQ(body, "http/1.1");
			EXPECT_EQ(response.getVersion(), "HTTP/1.1");
			EXPECT_TRUE(pSession->usesHTTP11());
		}
		HTTPRequest post(HTTPRequest::HTTP_POST, "/", HTTPMessage::HTTP_1_1);
		post.setContentLength(3);
		pSession->sendRequest(post) << "abc";
		HTTPResponse response;
		std::string body;
		Poco::StreamCopier::copyToString(pSession->receiveResponse(response), body);
		EXPECT_EQ(body, "http/1.1");
	}
	tlsServer.stopAll(true);
	plainServer.stopAll(true);
}
