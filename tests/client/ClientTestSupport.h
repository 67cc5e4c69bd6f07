//
// ClientTestSupport.h
//
// Servers for the client tests: our own HTTP2Server in-process (cleartext
// and TLS, 127.0.0.1, port 0) with a few handlers, external peers (nghttpd,
// a python3-h2 script) started as child processes, and body helpers.
//

#ifndef PocoH2_Tests_ClientTestSupport_INCLUDED
#define PocoH2_Tests_ClientTestSupport_INCLUDED

#include "PocoH2/HTTP2Server.h"
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Pipe.h>
#include <Poco/Process.h>
#include <Poco/TemporaryFile.h>
#include <memory>
#include <string>
#include <vector>

namespace PocoH2Test {

class TestHandlerFactory : public Poco::Net::HTTPRequestHandlerFactory
	/// The handlers of OwnServers (see there).
{
public:
	Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest& request) override;
};

std::string patternBody(std::size_t size, unsigned seed = 1);
	/// A deterministic pseudo-random body.

std::string sha256(const std::string& data);
	/// Hex SHA-256.

class OwnServers
	/// A cleartext and a TLS HTTP2Server serving the client test handlers:
	///   /hello            "hello"
	///   /echo             the request body streamed back
	///   /sha              "<size> <sha256>" of the request body
	///   /big?n=N&seed=S   patternBody(N, S)
	///   /slow?ms=N        "slow" after N ms
	///   /headers          the request's header fields, "name: value" lines
{
public:
	OwnServers();
	~OwnServers();

	Poco::UInt16 port() const;
	Poco::UInt16 tlsPort() const;
	const std::string& certificatePath() const { return _certificate; }
	PocoH2::HTTP2Server& server() { return *_pServer; }
	void stopAll();

private:
	Poco::TemporaryFile _directory;
	std::string _certificate;
	std::string _key;
	std::unique_ptr<PocoH2::HTTP2Server> _pServer;
	std::unique_ptr<PocoH2::HTTP2Server> _pTlsServer;
};

class ChildServer
	/// An external server process; killed (SIGKILL) and reaped on destruction.
{
public:
	ChildServer(const std::string& command, const std::vector<std::string>& args, bool readPortLine);
		/// Launches command. With readPortLine, waits for the first line of its
		/// stdout, "PORT <n>". Throws on failure.

	~ChildServer();

	void kill();
		/// SIGKILL and reap.

	Poco::UInt16 port() const { return _port; }
	void setPort(Poco::UInt16 port) { _port = port; }
	std::string readLine();
		/// Next line of the child's stdout (empty at its end).

private:
	Poco::Pipe _out;
	std::unique_ptr<Poco::ProcessHandle> _pHandle;
	Poco::UInt16 _port = 0;
	bool _running = false;
};

Poco::UInt16 freePort();
	/// A port nothing listens on now (bound to 127.0.0.1:0, then released).

void waitUntilListening(Poco::UInt16 port);
	/// Connects until something accepts on 127.0.0.1:port (bounded: 10 s).

Poco::Net::Context::Ptr clientContext(Poco::Net::Context::VerificationMode mode, const std::string& caLocation = "");
	/// A TLS client context.

} // namespace PocoH2Test

#endif
