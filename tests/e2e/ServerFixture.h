//
// ServerFixture.h
//
// Servers and helpers for the end-to-end tests: a cleartext and a TLS
// HTTP2Server on 127.0.0.1 with ephemeral ports, serving TestHandlerFactory,
// and a way to run the real peers (curl, nghttp, h2load, python3-h2).
//

#ifndef PocoH2_Tests_ServerFixture_INCLUDED
#define PocoH2_Tests_ServerFixture_INCLUDED

#include "PocoH2/HTTP2Server.h"
#include "PocoH2/HTTP2ServerParams.h"
#include <Poco/Types.h>
#include <functional>
#include <gtest/gtest.h>
#include <memory>
#include <string>

namespace PocoH2Test {

struct CommandResult
{
	int exitCode;       /// The command's exit status (128 + signal if killed, -1 if it could not run).
	std::string output; /// Everything it wrote to stdout.
};

CommandResult runCommand(const std::string& command);
	/// Runs command with /bin/sh (popen) and returns its exit code and stdout.
	/// Append "2>&1" to capture stderr too. Callers put a `timeout` in front of
	/// every peer so that a hung server fails the test instead of hanging it.

CommandResult runH2Frames(const std::string& caseName, Poco::UInt16 port, bool tls = false,
	const std::string& options = "");
	/// Runs the h2frames.py case against port (over TLS with tls), passing
	/// options (space-separated NAME=VALUE words) and a 60 s timeout;
	/// the output includes stderr. Exit code 0 means the case passed.

std::string readFile(const std::string& path);
	/// Returns the whole content of path; throws Poco::FileException if unreadable.

void writeFile(const std::string& path, const std::string& content);
	/// Creates or truncates path with content.

std::string sha256OfFile(const std::string& path);
	/// Returns the hex SHA-256 of the file's content.

int processThreadCount();
	/// Returns the "Threads:" line of /proc/self/status.

std::string shellQuote(const std::string& text);
	/// Returns text in single quotes for /bin/sh.

class TestServers
	/// Owns a temporary directory with a fresh self-signed certificate, and two
	/// running servers sharing one TestHandlerFactory and one HTTP2ServerParams:
	/// a cleartext one (h2c + HTTP/1.1) and a TLS one (h2 + HTTP/1.1 by ALPN).
	/// Both bind 127.0.0.1 port 0. The destructor stops both and removes the
	/// directory.
{
public:
	using Configure = std::function<void(PocoH2::HTTP2ServerParams&)>;

	explicit TestServers(const Configure& configure = {});
		/// Creates the certificate and starts the servers; configure, if given,
		/// adjusts the params before the servers see them.

	~TestServers();

	TestServers(const TestServers&) = delete;
	TestServers& operator=(const TestServers&) = delete;

	PocoH2::HTTP2Server& plainServer() { return *_pPlain; }
	PocoH2::HTTP2Server& tlsServer() { return *_pTLS; }
	Poco::UInt16 plainPort() const;
	Poco::UInt16 tlsPort() const;

	std::string plainUrl(const std::string& pathAndQuery) const;
		/// Returns "http://127.0.0.1:<plainPort>" + pathAndQuery.

	std::string tlsUrl(const std::string& pathAndQuery) const;
		/// Returns "https://127.0.0.1:<tlsPort>" + pathAndQuery.

	std::string path(const std::string& name) const;
		/// Returns the path of name inside the temporary directory.

	const std::string& servedFile() const { return _servedFile; }
		/// The file /file sends.

	static const std::string SOFTWARE_VERSION;
		/// The params' software version: the value of the server header.

private:
	std::string _directory;
	std::string _servedFile;
	std::unique_ptr<PocoH2::HTTP2Server> _pPlain;
	std::unique_ptr<PocoH2::HTTP2Server> _pTLS;
};

class ServerFixture : public ::testing::Test
	/// Starts one TestServers per test suite (and so per ctest process, since
	/// gtest_discover_tests runs each test on its own). A suite that needs other
	/// params hides SetUpTestSuite() and calls startServers(configure).
{
public:
	static void SetUpTestSuite() { startServers(); }
	static void TearDownTestSuite() { stopServers(); }

protected:
	static void startServers(const TestServers::Configure& configure = {});
	static void stopServers();
	static TestServers& servers() { return *s_pServers; }

private:
	inline static std::unique_ptr<TestServers> s_pServers;
};

} // namespace PocoH2Test

#endif // PocoH2_Tests_ServerFixture_INCLUDED
