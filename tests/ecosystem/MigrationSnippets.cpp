//
// MigrationSnippets.cpp
//
// The "after" code of docs/MIGRATION.md, compiled and run: a server moved
// from Poco::Net::HTTPServer to PocoH2::HTTP2Server (cleartext and TLS), and
// clients moved from HTTPClientSession / HTTPSClientSession, to HTTP2Client,
// and URIStreamOpener routed over HTTP/2. Exits 0 when every snippet
// fetched what the server sent. Keep the snippets in step with the guide.
//

#include "PocoH2/PocoH2.h"

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/File.h>
#include <Poco/Path.h>
#include <Poco/StreamCopier.h>
#include <Poco/TemporaryFile.h>
#include <Poco/URI.h>
#include <Poco/URIStreamOpener.h>
#include <Poco/Util/MapConfiguration.h>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>

namespace {

// ---- Unchanged by the migration: the handler and its factory. ----

class HelloHandler : public Poco::Net::HTTPRequestHandler
{
public:
	void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override
	{
		std::string body = "hello over " + request.getVersion() + "\n";
		response.setContentType("text/plain");
		response.setContentLength(static_cast<std::streamsize>(body.size()));
		response.send() << body;
	}
};

class HelloFactory : public Poco::Net::HTTPRequestHandlerFactory
{
public:
	Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override
	{
		return new HelloHandler;
	}
};

// ---- Server, after (docs/MIGRATION.md, "Server"). ----

std::unique_ptr<PocoH2::HTTP2Server> startCleartextServer(const Poco::Net::ServerSocket& socket)
{
	PocoH2::HTTP2ServerParams::Ptr pParams = new PocoH2::HTTP2ServerParams;
	pParams->setMaxThreads(8);                  // inherited from HTTPServerParams, as before
	pParams->setMaxConcurrentStreams(100);      // HTTP/2 settings are added
	auto pServer = std::make_unique<PocoH2::HTTP2Server>(new HelloFactory, socket, pParams);
	pServer->start();
	return pServer;
}

std::unique_ptr<PocoH2::HTTP2Server> startTlsServer(
	const Poco::Net::ServerSocket& socket, const std::string& keyFile, const std::string& certFile)
{
	// Before: HTTPServer(factory, SecureServerSocket(port, 64, pContext), params).
	// After: a plain ServerSocket and the Context given to the server, which
	// does the handshake itself and chooses h2 or http/1.1 by ALPN.
	Poco::Net::Context::Ptr pContext = new Poco::Net::Context(
		Poco::Net::Context::TLS_SERVER_USE, keyFile, certFile, "", Poco::Net::Context::VERIFY_NONE);
	auto pServer = std::make_unique<PocoH2::HTTP2Server>(
		new HelloFactory, socket, new PocoH2::HTTP2ServerParams, pContext);
	pServer->start();
	return pServer;
}

std::unique_ptr<PocoH2::HTTP2Server> startConfiguredServer(
	const Poco::Util::AbstractConfiguration& config, const Poco::Net::ServerSocket& socket)
{
	// Parameters from the application's configuration (h2.server.*).
	auto pServer = std::make_unique<PocoH2::HTTP2Server>(
		new HelloFactory, socket, PocoH2::HTTP2ServerParams::fromConfiguration(config));
	pServer->start();
	return pServer;
}

// ---- Clients, after (docs/MIGRATION.md, "Client"). ----

std::string getWithSession(const std::string& host, Poco::UInt16 port)
{
	// Before: Poco::Net::HTTPClientSession session(host, port);
	PocoH2::HTTP2ClientSession session(host, port);
	Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, "/", Poco::Net::HTTPMessage::HTTP_1_1);
	session.sendRequest(request);
	Poco::Net::HTTPResponse response;
	std::istream& rs = session.receiveResponse(response);
	std::string body;
	Poco::StreamCopier::copyToString(rs, body);
	return body;
}

std::string getWithTlsSession(const std::string& host, Poco::UInt16 port)
{
	// Before: Poco::Net::HTTPSClientSession session(host, port, pContext);
	Poco::Net::Context::Ptr pContext = new Poco::Net::Context(
		Poco::Net::Context::TLS_CLIENT_USE, "", "", "", Poco::Net::Context::VERIFY_NONE);
	PocoH2::HTTP2ClientSession session(host, port, pContext);
	Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, "/");
	session.sendRequest(request);
	Poco::Net::HTTPResponse response;
	std::string body;
	Poco::StreamCopier::copyToString(session.receiveResponse(response), body);
	return body;
}

std::string getManyWithClient(const std::string& host, Poco::UInt16 port, int requests)
{
	// One HTTP2Client per host, shared by all threads; requests multiplex
	// over its connections. sendRequestAsync() needs no thread per request.
	PocoH2::HTTP2Client client(host, port);
	std::vector<std::future<PocoH2::HTTP2Client::Result>> results;
	for (int i = 0; i < requests; ++i)
		results.push_back(client.sendRequestAsync(Poco::Net::HTTPRequest(Poco::Net::HTTPRequest::HTTP_GET, "/")));
	std::string bodies;
	for (auto& result : results)
		bodies += result.get().body;
	return bodies;
}

std::string openWithURIStreamOpener(const std::string& url)
{
	// Before: Poco::Net::HTTPStreamFactory::registerFactory();
	//         Poco::Net::HTTPSStreamFactory::registerFactory();
	PocoH2::HTTP2StreamFactory::registerFactory(
		new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, "", "", "", Poco::Net::Context::VERIFY_NONE),
		true /* http:// too, h2c with prior knowledge */);
	std::unique_ptr<std::istream> pStream(Poco::URIStreamOpener::defaultOpener().open(url));
	std::string body;
	Poco::StreamCopier::copyToString(*pStream, body);
	PocoH2::HTTP2StreamFactory::unregisterFactory();
	return body;
}

Poco::Net::ServerSocket loopbackSocket()
{
	return Poco::Net::ServerSocket(Poco::Net::SocketAddress("127.0.0.1", 0));
}

int check(const std::string& what, const std::string& got, const std::string& expected)
{
	if (got == expected)
	{
		std::cout << "ok   " << what << "\n";
		return 0;
	}
	std::cout << "FAIL " << what << ": got \"" << got << "\", expected \"" << expected << "\"\n";
	return 1;
}

} // namespace

int main()
{
	const std::string expected = "hello over HTTP/2.0\n";
	int failures = 0;
	try
	{
		Poco::Net::initializeSSL();
		Poco::TemporaryFile dir;
		dir.createDirectories();
		std::string certFile = Poco::Path(Poco::Path::forDirectory(dir.path()), "cert.pem").toString();
		std::string keyFile = Poco::Path(Poco::Path::forDirectory(dir.path()), "key.pem").toString();
		PocoH2::SelfSignedCertificate::ensure(certFile, keyFile);

		Poco::Net::ServerSocket plainSocket = loopbackSocket();
		Poco::Net::ServerSocket tlsSocket = loopbackSocket();
		Poco::Net::ServerSocket configuredSocket = loopbackSocket();
		auto pPlain = startCleartextServer(plainSocket);
		auto pTls = startTlsServer(tlsSocket, keyFile, certFile);
		Poco::AutoPtr<Poco::Util::MapConfiguration> pConfig = new Poco::Util::MapConfiguration;
		pConfig->setString("h2.server.maxConcurrentStreams", "10");
		auto pConfigured = startConfiguredServer(*pConfig, configuredSocket);

		const Poco::UInt16 plainPort = plainSocket.address().port();
		const Poco::UInt16 tlsPort = tlsSocket.address().port();
		failures += check("HTTP2ClientSession, h2c", getWithSession("127.0.0.1", plainPort), expected);
		failures += check("HTTP2ClientSession, TLS", getWithTlsSession("127.0.0.1", tlsPort), expected);
		failures += check("HTTP2Client, 5 asynchronous requests", getManyWithClient("127.0.0.1", plainPort, 5),
			expected + expected + expected + expected + expected);
		failures += check("URIStreamOpener, https",
			openWithURIStreamOpener("https://127.0.0.1:" + std::to_string(tlsPort) + "/"), expected);
		failures += check("configured server", getWithSession("127.0.0.1", configuredSocket.address().port()), expected);

		pConfigured->stop();
		pTls->stop();
		pPlain->stop();
		Poco::Net::uninitializeSSL();
	}
	catch (const Poco::Exception& exc)
	{
		std::cout << "FAIL " << exc.displayText() << "\n";
		return 1;
	}
	return failures == 0 ? 0 : 1;
}
