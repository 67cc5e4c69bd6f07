//
// ConformanceServer.cpp
//
// pocoh2_conformance_server: the e2e TestHandlerFactory served by an
// HTTP2Server in a process of its own, over h2c or TLS, for the
// frame-level conformance runner (conformance.py).
//
// Usage: pocoh2_conformance_server [--tls] [--max-concurrent-streams=N]
//                                  [--max-header-list-size=BYTES]
//                                  [--certificate-dir=DIR [--create-certificate-only]]
//
// Binds 127.0.0.1 on an ephemeral port, prints "listening h2c on
// 127.0.0.1:PORT" (or "listening tls on ...", with a fresh self-signed
// certificate, or the one in DIR, created there if missing) on stdout, and serves until SIGTERM or SIGINT, or until stdin
// reaches its end, so that it dies with the runner whatever way that ends.
//

#include "../e2e/TestHandlers.h"

#include "PocoH2/HTTP2Server.h"
#include "PocoH2/HTTP2ServerParams.h"
#include "PocoH2/SelfSignedCertificate.h"
#include <Poco/Exception.h>
#include <Poco/File.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/NumberParser.h>
#include <Poco/TemporaryFile.h>
#include <csignal>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <unistd.h>

namespace {

bool option(const std::string& argument, const std::string& name, std::string& value)
{
	const std::string prefix = "--" + name + "=";
	if (argument.rfind(prefix, 0) != 0)
		return false;
	value = argument.substr(prefix.size());
	return true;
}

} // namespace

int main(int argc, char** argv)
{
	try
	{
		bool tls = false;
		bool createCertificateOnly = false;
		std::string certificateDirectory;
		PocoH2::HTTP2ServerParams::Ptr pParams = new PocoH2::HTTP2ServerParams;
		pParams->setSoftwareVersion("PocoH2-conformance-server/1.0");
		for (int i = 1; i < argc; ++i)
		{
			const std::string argument = argv[i];
			std::string value;
			if (argument == "--tls")
				tls = true;
			else if (argument == "--create-certificate-only")
				createCertificateOnly = true;
			else if (option(argument, "certificate-dir", value))
				certificateDirectory = value;
			else if (option(argument, "max-concurrent-streams", value))
				pParams->setMaxConcurrentStreams(Poco::NumberParser::parseUnsigned(value));
			else if (option(argument, "max-header-list-size", value))
				pParams->setMaxHeaderListSize(Poco::NumberParser::parseUnsigned(value));
			else
			{
				std::cerr << "unknown argument " << argument << std::endl;
				return 2;
			}
		}

		sigset_t signals;
		sigemptyset(&signals);
		sigaddset(&signals, SIGTERM);
		sigaddset(&signals, SIGINT);
		// Blocked before any thread starts, so that only sigwait() sees them.
		pthread_sigmask(SIG_BLOCK, &signals, nullptr);

		Poco::Net::Context::Ptr pContext;
		std::string directory; // a temporary one, removed at the end
		if (createCertificateOnly)
		{
			// Generating an RSA key takes a second on a busy machine: the
			// test suite does it once, not once per server.
			Poco::File(certificateDirectory).createDirectories();
			PocoH2::SelfSignedCertificate::ensure(certificateDirectory + "/cert.pem", certificateDirectory + "/key.pem");
			return 0;
		}
		if (tls)
		{
			Poco::Net::initializeSSL();
			std::string certificateIn = certificateDirectory;
			if (certificateIn.empty())
			{
				directory = Poco::TemporaryFile::tempName();
				Poco::File(directory).createDirectories();
				certificateIn = directory;
			}
			const std::string certificate = certificateIn + "/cert.pem";
			const std::string key = certificateIn + "/key.pem";
			PocoH2::SelfSignedCertificate::ensure(certificate, key);
			pContext = new Poco::Net::Context(
				Poco::Net::Context::SERVER_USE, key, certificate, "", Poco::Net::Context::VERIFY_NONE);
		}

		Poco::Net::ServerSocket socket;
		socket.bind(Poco::Net::SocketAddress("127.0.0.1", 0), true);
		socket.listen(256);
		Poco::Net::HTTPRequestHandlerFactory::Ptr pFactory = new PocoH2Test::TestHandlerFactory("/dev/null");
		std::unique_ptr<PocoH2::HTTP2Server> pServer = tls
			? std::make_unique<PocoH2::HTTP2Server>(pFactory, socket, pParams, pContext)
			: std::make_unique<PocoH2::HTTP2Server>(pFactory, socket, pParams);
		pServer->start();
		std::cout << "listening " << (tls ? "tls" : "h2c") << " on 127.0.0.1:" << pServer->port() << std::endl;

		std::thread stdinWatch(
			[]
			{
				char c;
				while (::read(STDIN_FILENO, &c, 1) > 0)
				{
				}
				::kill(::getpid(), SIGTERM);
			});
		stdinWatch.detach();
		int signal = 0;
		sigwait(&signals, &signal);
		pServer->stopAll(true);
		pServer.reset();
		if (!directory.empty())
			Poco::File(directory).remove(true);
		return 0;
	}
	catch (const Poco::Exception& exc)
	{
		std::cerr << exc.displayText() << std::endl;
		return 1;
	}
}
