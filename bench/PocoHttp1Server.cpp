//
// PocoHttp1Server.cpp
//
// Poco's own HTTP/1.1 server (Poco::Net::HTTPServer, one thread per
// connection from a Poco::ThreadPool) running bench/BenchHandlers.h: the
// baseline HTTP2Server is compared with by bench/run.sh (h2load --h1).
//
// Usage: PocoHttp1Server [--bind=ADDR] [--port=N] [--threads=N]
//   --bind     address to listen on (default 127.0.0.1)
//   --port     port; 0 (default) lets the OS pick one
//   --threads  handler threads = connections served at once (default 16);
//              Poco's HTTPServer holds a thread for as long as a keep-alive
//              connection lasts, so this must be at least the number of
//              client connections, or the others wait in the accept queue
// Prints "listening cleartext on ADDR:PORT" once it accepts connections and
// runs until SIGINT or SIGTERM.
//

#include "BenchHandlers.h"

#include <Poco/NumberParser.h>
#include <Poco/ThreadPool.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <csignal>
#include <iostream>
#include <pthread.h>
#include <string>

namespace {

struct Options
{
	std::string bind = "127.0.0.1";
	unsigned port = 0;
	unsigned threads = 16;
};

bool parseOptions(int argc, char** argv, Options& options)
	/// Fills options from --name=value arguments; prints the problem and
	/// returns false for anything else.
{
	for (int i = 1; i < argc; ++i)
	{
		std::string arg(argv[i]);
		std::string::size_type eq = arg.find('=');
		std::string name = arg.substr(0, eq);
		std::string value = eq == std::string::npos ? std::string() : arg.substr(eq + 1);
		bool ok = eq != std::string::npos;
		if (ok && name == "--bind")
			options.bind = value;
		else if (ok && name == "--port")
			ok = Poco::NumberParser::tryParseUnsigned(value, options.port) && options.port <= 65535;
		else if (ok && name == "--threads")
			ok = Poco::NumberParser::tryParseUnsigned(value, options.threads) && options.threads >= 1 &&
				 options.threads <= 20000;
		else
			ok = false;
		if (!ok)
		{
			std::cerr << "PocoHttp1Server: bad argument " << arg
					  << "\nusage: PocoHttp1Server [--bind=ADDR] [--port=N] [--threads=N]\n";
			return false;
		}
	}
	return true;
}

} // namespace

int main(int argc, char** argv)
{
	Options options;
	if (!parseOptions(argc, argv, options))
		return 2;

	// SIGINT and SIGTERM are taken with sigwait() below; block them before
	// any thread starts so that every thread inherits the mask.
	sigset_t signals;
	sigemptyset(&signals);
	sigaddset(&signals, SIGINT);
	sigaddset(&signals, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &signals, nullptr);

	try
	{
		Poco::Net::ServerSocket socket(
			Poco::Net::SocketAddress(options.bind, static_cast<Poco::UInt16>(options.port)), 1024);
		Poco::ThreadPool pool("http1", 2, static_cast<int>(options.threads));
		Poco::Net::HTTPServerParams::Ptr pParams = new Poco::Net::HTTPServerParams;
		pParams->setMaxThreads(static_cast<int>(options.threads));
		pParams->setMaxQueued(20000);
		pParams->setKeepAlive(true);
		pParams->setMaxKeepAliveRequests(0); // unlimited, as the HTTP/2 servers
		pParams->setKeepAliveTimeout(Poco::Timespan(60, 0));
		pParams->setSoftwareVersion("PocoHttp1Server");
		Poco::Net::HTTPServer server(new PocoH2::Bench::HandlerFactory, pool, socket, pParams);
		server.start();
		std::cout << "listening cleartext on " << socket.address().toString() << std::endl;

		int signal = 0;
		sigwait(&signals, &signal);
		server.stopAll(true);
		pool.joinAll();
	}
	catch (const Poco::Exception& e)
	{
		std::cerr << "PocoHttp1Server: " << e.displayText() << std::endl;
		return 1;
	}
	return 0;
}
