// The Poco ClassLoader module libPocoH2Plugin.so: loaded with
// Poco::ClassLoader from the build tree, it makes Poco::URIStreamOpener fetch
// https:// over HTTP/2 (HTTP/1.1 when the server offers no h2) and, once
// configured, http:// over h2c, from servers in this process; unloading it
// removes the factories.

#include "PocoH2/HTTP2Server.h"
#include "PocoH2/HTTP2ServerParams.h"
#include "PocoH2/SelfSignedCertificate.h"
#include "PocoH2/StreamFactoryRegistrar.h"
#include <Poco/ClassLoader.h>
#include <Poco/Exception.h>
#include <Poco/File.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/SSLException.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/StreamCopier.h>
#include <Poco/TemporaryFile.h>
#include <Poco/URIStreamOpener.h>
#include <gtest/gtest.h>
#include <atomic>
#include <memory>
#include <string>

using namespace Poco::Net;

namespace {

using RegistrarLoader = Poco::ClassLoader<PocoH2::StreamFactoryRegistrar>;

const std::string PLUGIN_PATH(POCOH2_PLUGIN_PATH);
const std::string REGISTRAR_CLASS("PocoH2::HTTP2StreamFactoryRegistrar");

std::atomic<int> http2Requests{0};

class VersionHandler : public HTTPRequestHandler
	/// Answers with the request's HTTP version and counts HTTP/2 requests.
{
public:
	void handleRequest(HTTPServerRequest& request, HTTPServerResponse& response) override
	{
		if (request.getVersion() == "HTTP/2.0")
			++http2Requests;
		response.setContentType("text/plain");
		response.send() << request.getVersion();
	}
};

class VersionHandlerFactory : public HTTPRequestHandlerFactory
{
public:
	HTTPRequestHandler* createRequestHandler(const HTTPServerRequest&) override
	{
		return new VersionHandler;
	}
};

Context::Ptr serverContext(const std::string& key, const std::string& certificate)
{
	return new Context(Context::TLS_SERVER_USE, key, certificate, "", Context::VERIFY_NONE);
}

std::string fetch(const std::string& uri)
{
	std::unique_ptr<std::istream> pStream(Poco::URIStreamOpener::defaultOpener().open(uri));
	std::string body;
	Poco::StreamCopier::copyToString(*pStream, body);
	return body;
}

class PluginModuleTest : public ::testing::Test
	/// A cleartext and a TLS HTTP2Server, and Poco's HTTP/1.1-only HTTPS
	/// server, on 127.0.0.1 with ephemeral ports.
{
protected:
	void SetUp() override
	{
		_directory.createDirectories();
		_certificate = _directory.path() + "/cert.pem";
		const std::string key = _directory.path() + "/key.pem";
		PocoH2::SelfSignedCertificate::create(_certificate, key, "localhost");
		http2Requests = 0;

		_pServer = std::make_unique<PocoH2::HTTP2Server>(new VersionHandlerFactory,
			ServerSocket(SocketAddress("127.0.0.1", 0)), new PocoH2::HTTP2ServerParams);
		_pTlsServer = std::make_unique<PocoH2::HTTP2Server>(new VersionHandlerFactory,
			ServerSocket(SocketAddress("127.0.0.1", 0)), new PocoH2::HTTP2ServerParams,
			serverContext(key, _certificate));
		_pHttp11Server = std::make_unique<HTTPServer>(new VersionHandlerFactory,
			SecureServerSocket(SocketAddress("127.0.0.1", 0), 64, serverContext(key, _certificate)),
			new HTTPServerParams);
		_pServer->start();
		_pTlsServer->start();
		_pHttp11Server->start();
	}

	void TearDown() override
	{
		_pServer->stopAll(true);
		_pTlsServer->stopAll(true);
		_pHttp11Server->stopAll(true);
	}

	Context::Ptr trustingClientContext() const
		/// A client context that verifies certificates and trusts ours.
	{
		return new Context(Context::TLS_CLIENT_USE, "", "", _certificate, Context::VERIFY_RELAXED, 9, false);
	}

	std::string url(const std::string& scheme, Poco::UInt16 port) const
	{
		return scheme + "://127.0.0.1:" + std::to_string(port) + "/";
	}

	Poco::TemporaryFile _directory;
	std::string _certificate;
	std::unique_ptr<PocoH2::HTTP2Server> _pServer;
	std::unique_ptr<PocoH2::HTTP2Server> _pTlsServer;
	std::unique_ptr<HTTPServer> _pHttp11Server;
};

} // namespace

TEST_F(PluginModuleTest, LoadingRegistersHttpsAndUnloadingRemovesIt)
{
	Poco::URIStreamOpener& opener = Poco::URIStreamOpener::defaultOpener();
	ASSERT_FALSE(opener.supportsScheme("https"));

	RegistrarLoader loader;
	loader.loadLibrary(PLUGIN_PATH);
	ASSERT_TRUE(loader.isLibraryLoaded(PLUGIN_PATH));
	EXPECT_NE(loader.findClass(REGISTRAR_CLASS), nullptr);
	EXPECT_TRUE(opener.supportsScheme("https"));
	EXPECT_FALSE(opener.supportsScheme("http")) << "http:// over h2c only when configured";

	loader.unloadLibrary(PLUGIN_PATH);
	EXPECT_FALSE(loader.isLibraryLoaded(PLUGIN_PATH));
	EXPECT_FALSE(opener.supportsScheme("https"));
}

TEST_F(PluginModuleTest, FetchesHttpsOverH2AndHttpOverH2cOnceConfigured)
{
	RegistrarLoader loader;
	loader.loadLibrary(PLUGIN_PATH);
	{
		std::unique_ptr<PocoH2::StreamFactoryRegistrar> pRegistrar(loader.create(REGISTRAR_CLASS));
		pRegistrar->registerFactories(trustingClientContext(), true);

		EXPECT_EQ(fetch(url("https", _pTlsServer->port())), "HTTP/2.0");
		EXPECT_EQ(fetch(url("http", _pServer->port())), "HTTP/2.0");
		EXPECT_EQ(http2Requests, 2);

		pRegistrar->registerFactories(trustingClientContext(), false);
		EXPECT_FALSE(Poco::URIStreamOpener::defaultOpener().supportsScheme("http"));
		EXPECT_EQ(fetch(url("https", _pTlsServer->port())), "HTTP/2.0");
		EXPECT_EQ(http2Requests, 3);
	}
	loader.unloadLibrary(PLUGIN_PATH);
	EXPECT_FALSE(Poco::URIStreamOpener::defaultOpener().supportsScheme("https"));
	EXPECT_FALSE(Poco::URIStreamOpener::defaultOpener().supportsScheme("http"));
}

TEST_F(PluginModuleTest, HttpsFallsBackToHttp11WhenTheServerOffersNoH2)
{
	RegistrarLoader loader;
	loader.loadLibrary(PLUGIN_PATH);
	{
		std::unique_ptr<PocoH2::StreamFactoryRegistrar> pRegistrar(loader.create(REGISTRAR_CLASS));
		pRegistrar->registerFactories(trustingClientContext(), false);
		EXPECT_EQ(fetch(url("https", _pHttp11Server->port())), "HTTP/1.1");
		EXPECT_EQ(http2Requests, 0);
	}
	loader.unloadLibrary(PLUGIN_PATH);
}

TEST_F(PluginModuleTest, DefaultContextRejectsAnUntrustedCertificate)
{
	RegistrarLoader loader;
	loader.loadLibrary(PLUGIN_PATH);
	ASSERT_TRUE(Poco::URIStreamOpener::defaultOpener().supportsScheme("https"));
	EXPECT_THROW(fetch(url("https", _pTlsServer->port())), Poco::Net::CertificateValidationException);
	EXPECT_EQ(http2Requests, 0);
	loader.unloadLibrary(PLUGIN_PATH);
}

TEST_F(PluginModuleTest, AModuleThatIsNotOneIsRefusedWithAClearError)
{
	RegistrarLoader loader;
	EXPECT_THROW(loader.loadLibrary(_certificate), Poco::LibraryLoadException);
	EXPECT_FALSE(Poco::URIStreamOpener::defaultOpener().supportsScheme("https"));
}
