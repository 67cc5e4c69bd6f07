//
// ServerFixture.cpp
//

#include "ServerFixture.h"
#include "TestHandlers.h"

#include "PocoH2/SelfSignedCertificate.h"
#include <Poco/DigestEngine.h>
#include <Poco/Exception.h>
#include <Poco/File.h>
#include <Poco/FileStream.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/NetSSL.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/SHA2Engine.h>
#include <Poco/StreamCopier.h>
#include <Poco/TemporaryFile.h>
#include <cstdio>
#include <fstream>
#include <sys/wait.h>

namespace PocoH2Test {

const std::string TestServers::SOFTWARE_VERSION = "PocoH2-e2e/1.0";

CommandResult runCommand(const std::string& command)
{
	FILE* pipe = ::popen(command.c_str(), "r");
	if (!pipe)
		return {-1, ""};
	std::string output;
	char buffer[4096];
	std::size_t n;
	while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0)
		output.append(buffer, n);
	const int status = ::pclose(pipe);
	int exitCode = -1;
	if (WIFEXITED(status))
		exitCode = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		exitCode = 128 + WTERMSIG(status);
	return {exitCode, output};
}

CommandResult runH2Frames(const std::string& caseName, Poco::UInt16 port, bool tls, const std::string& options)
{
	std::string command = std::string("timeout 60 /usr/bin/python3 ") + H2FRAMES_PY + " " + caseName + " " +
		std::to_string(port) + (tls ? " --tls" : "");
	if (!options.empty())
		command += " " + options;
	CommandResult result = runCommand(command + " 2>&1");
	result.output = command + "\n" + result.output;
	return result;
}

std::string readFile(const std::string& path)
{
	Poco::FileInputStream in(path, std::ios::in | std::ios::binary);
	std::string content;
	Poco::StreamCopier::copyToString(in, content);
	return content;
}

void writeFile(const std::string& path, const std::string& content)
{
	Poco::FileOutputStream out(path, std::ios::out | std::ios::binary | std::ios::trunc);
	out.write(content.data(), static_cast<std::streamsize>(content.size()));
	out.close();
}

std::string sha256OfFile(const std::string& path)
{
	Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
	Poco::FileInputStream in(path, std::ios::in | std::ios::binary);
	char buffer[65536];
	while (in.read(buffer, sizeof(buffer)) || in.gcount() > 0)
		engine.update(buffer, static_cast<unsigned>(in.gcount()));
	return Poco::DigestEngine::digestToHex(engine.digest());
}

int processThreadCount()
{
	std::ifstream status("/proc/self/status");
	std::string line;
	while (std::getline(status, line))
	{
		if (line.rfind("Threads:", 0) == 0)
			return std::stoi(line.substr(8));
	}
	return -1;
}

std::string shellQuote(const std::string& text)
{
	std::string quoted = "'";
	for (char c : text)
	{
		if (c == '\'')
			quoted += "'\\''";
		else
			quoted += c;
	}
	return quoted + "'";
}

namespace {

Poco::Net::ServerSocket listenOnLoopback()
{
	Poco::Net::ServerSocket socket;
	socket.bind(Poco::Net::SocketAddress("127.0.0.1", 0), true);
	// The thread-count test opens a few hundred connections at once.
	socket.listen(1024);
	return socket;
}

} // namespace

TestServers::TestServers(const Configure& configure)
{
	Poco::Net::initializeSSL();
	_directory = Poco::TemporaryFile::tempName();
	Poco::File(_directory).createDirectories();
	const std::string certificate = path("cert.pem");
	const std::string key = path("key.pem");
	PocoH2::SelfSignedCertificate::create(certificate, key);

	// Bytes that are not all text, so that a transfer that mangles them shows.
	std::string served;
	for (int i = 0; i < 100000; ++i)
		served += static_cast<char>((i * 131 + 7) % 256);
	_servedFile = path("served.bin");
	writeFile(_servedFile, served);

	PocoH2::HTTP2ServerParams::Ptr pParams = new PocoH2::HTTP2ServerParams;
	pParams->setSoftwareVersion(SOFTWARE_VERSION);
	pParams->setServerName("127.0.0.1");
	if (configure)
		configure(*pParams);

	Poco::Net::HTTPRequestHandlerFactory::Ptr pFactory = new TestHandlerFactory(_servedFile);
	Poco::Net::Context::Ptr pContext = new Poco::Net::Context(
		Poco::Net::Context::SERVER_USE, key, certificate, "", Poco::Net::Context::VERIFY_NONE);

	_pPlain = std::make_unique<PocoH2::HTTP2Server>(pFactory, listenOnLoopback(), pParams);
	_pTLS = std::make_unique<PocoH2::HTTP2Server>(pFactory, listenOnLoopback(), pParams, pContext);
	_pPlain->start();
	_pTLS->start();
}

TestServers::~TestServers()
{
	try
	{
		_pTLS->stopAll(true);
		_pPlain->stopAll(true);
		_pTLS.reset();
		_pPlain.reset();
		Poco::File(_directory).remove(true);
	}
	catch (const Poco::Exception& exc)
	{
		std::fprintf(stderr, "TestServers cleanup: %s\n", exc.displayText().c_str());
	}
	Poco::Net::uninitializeSSL();
}

Poco::UInt16 TestServers::plainPort() const
{
	return _pPlain->port();
}

Poco::UInt16 TestServers::tlsPort() const
{
	return _pTLS->port();
}

std::string TestServers::plainUrl(const std::string& pathAndQuery) const
{
	return "http://127.0.0.1:" + std::to_string(plainPort()) + pathAndQuery;
}

std::string TestServers::tlsUrl(const std::string& pathAndQuery) const
{
	return "https://127.0.0.1:" + std::to_string(tlsPort()) + pathAndQuery;
}

std::string TestServers::path(const std::string& name) const
{
	return _directory + "/" + name;
}

void ServerFixture::startServers(const TestServers::Configure& configure)
{
	s_pServers = std::make_unique<TestServers>(configure);
}

void ServerFixture::stopServers()
{
	s_pServers.reset();
}

} // namespace PocoH2Test
