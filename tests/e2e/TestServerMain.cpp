//
// TestServerMain.cpp
//
// pocoh2_e2e_server: TestHandlerFactory served by a cleartext HTTP2Server in
// a process of its own, so that MemoryTest can read the server's resident
// set from /proc/<pid>/status without counting the test's own memory.
//
// Usage: pocoh2_e2e_server [--file=PATH] [--max-body=BYTES] [--timeout-ms=MS]
//                          [--idle-ms=MS] [--ping-interval-ms=MS]
//                          [--ping-timeout-ms=MS] [--max-connections=N]
//                          [--inline-handlers]
//
// Binds 127.0.0.1 on an ephemeral port, prints
// "listening cleartext on 127.0.0.1:PORT" on stdout, and serves until
// SIGTERM or SIGINT, or until stdin reaches its end (so that it dies with
// the test that started it, whatever way that test ends).
//

#include "TestHandlers.h"

#include "PocoH2/HTTP2Server.h"
#include "PocoH2/HTTP2ServerParams.h"
#include <Poco/Exception.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/NumberParser.h>
#include <csignal>
#include <iostream>
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

Poco::Timespan milliseconds(const std::string& value)
{
	return Poco::Timespan(static_cast<Poco::Timespan::TimeDiff>(Poco::NumberParser::parseUnsigned64(value)) * 1000);
}

} // namespace

int main(int argc, char** argv)
{
	try
	{
		std::string file = "/dev/null";
		PocoH2::HTTP2ServerParams::Ptr pParams = new PocoH2::HTTP2ServerParams;
		pParams->setSoftwareVersion("PocoH2-e2e-server/1.0");
		for (int i = 1; i < argc; ++i)
		{
			const std::string argument = argv[i];
			std::string value;
			if (argument == "--inline-handlers")
				pParams->setInlineHandlers(true);
			else if (option(argument, "file", value))
				file = value;
			else if (option(argument, "max-body", value))
				pParams->setMaxRequestBodySize(Poco::NumberParser::parseUnsigned64(value));
			else if (option(argument, "timeout-ms", value))
				pParams->setTimeout(milliseconds(value));
			else if (option(argument, "idle-ms", value))
				pParams->setIdleTimeout(milliseconds(value));
			else if (option(argument, "ping-interval-ms", value))
				pParams->setPingInterval(milliseconds(value));
			else if (option(argument, "ping-timeout-ms", value))
				pParams->setPingTimeout(milliseconds(value));
			else if (option(argument, "max-connections", value))
				pParams->setMaxConnections(Poco::NumberParser::parse(value));
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

		Poco::Net::ServerSocket socket;
		socket.bind(Poco::Net::SocketAddress("127.0.0.1", 0), true);
		socket.listen(256);
		PocoH2::HTTP2Server server(new PocoH2Test::TestHandlerFactory(file), socket, pParams);
		server.start();
		std::cout << "listening cleartext on 127.0.0.1:" << server.port() << std::endl;

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
		server.stopAll(true);
		return 0;
	}
	catch (const Poco::Exception& exc)
	{
		std::cerr << exc.displayText() << std::endl;
		return 1;
	}
}
