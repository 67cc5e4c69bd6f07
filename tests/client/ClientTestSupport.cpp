#include "ClientTestSupport.h"
#include "PocoH2/HTTP2ServerParams.h"
#include "PocoH2/SelfSignedCertificate.h"
#include <Poco/DigestEngine.h>
#include <Poco/File.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/PipeStream.h>
#include <Poco/SHA2Engine.h>
#include <Poco/StreamCopier.h>
#include <Poco/Thread.h>
#include <Poco/URI.h>
#include <chrono>
#include <random>
#include <signal.h>
#include <thread>

using namespace Poco::Net;

namespace PocoH2Test {

std::string patternBody(std::size_t size, unsigned seed)
{
	std::string body(size, '\0');
	std::minstd_rand random(seed);
	for (auto& c : body)
		c = static_cast<char>('a' + random() % 26);
	return body;
}

std::string sha256(const std::string& data)
{
	Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
	engine.update(data);
	return Poco::DigestEngine::digestToHex(engine.digest());
}

namespace {

std::string queryValue(const std::string& uri, const std::string& name, const std::string& fallback)
{
	for (const auto& p : Poco::URI(uri).getQueryParameters())
		if (p.first == name)
			return p.second;
	return fallback;
}

class Handler : public HTTPRequestHandler
{
public:
	void handleRequest(HTTPServerRequest& request, HTTPServerResponse& response) override
	{
		const std::string path = Poco::URI(request.getURI()).getPath();
		response.setContentType("text/plain");
		if (path == "/hello")
		{
			response.send() << "hello";
		}
		else if (path == "/echo")
		{
			response.setChunkedTransferEncoding(true);
			Poco::StreamCopier::copyStream(request.stream(), response.send());
		}
		else if (path == "/sha")
		{
			Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
			char buffer[65536];
			std::size_t total = 0;
			std::istream& in = request.stream();
			while (in.read(buffer, sizeof(buffer)) || in.gcount() > 0)
			{
				engine.update(buffer, static_cast<unsigned>(in.gcount()));
				total += static_cast<std::size_t>(in.gcount());
			}
			response.send() << total << " " << Poco::DigestEngine::digestToHex(engine.digest());
		}
		else if (path == "/big")
		{
			const std::string body = patternBody(std::stoul(queryValue(request.getURI(), "n", "0")),
				static_cast<unsigned>(std::stoul(queryValue(request.getURI(), "seed", "1"))));
			response.sendBuffer(body.data(), body.size());
		}
		else if (path == "/slow")
		{
			Poco::Thread::sleep(std::stoi(queryValue(request.getURI(), "ms", "0")));
			response.send() << "slow";
		}
		else if (path == "/headers")
		{
			std::ostream& out = response.send();
			for (const auto& field : request)
				out << field.first << ": " << field.second << "\n";
		}
		else
		{
			response.setStatusAndReason(HTTPResponse::HTTP_NOT_FOUND);
			response.send() << "not found";
		}
	}
};

} // namespace

HTTPRequestHandler* TestHandlerFactory::createRequestHandler(const HTTPServerRequest&)
{
	return new Handler;
}

OwnServers::OwnServers()
{
	_directory.createDirectories();
	_certificate = _directory.path() + "/cert.pem";
	_key = _directory.path() + "/key.pem";
	PocoH2::SelfSignedCertificate::create(_certificate, _key, "localhost");
	PocoH2::HTTP2ServerParams::Ptr pParams = new PocoH2::HTTP2ServerParams;
	pParams->setMaxThreads(32);
	pParams->setShutdownGracePeriod(Poco::Timespan(2, 0));
	_pServer = std::make_unique<PocoH2::HTTP2Server>(
		new TestHandlerFactory, ServerSocket(SocketAddress("127.0.0.1", 0)), HTTPServerParams::Ptr(pParams, true));
	Context::Ptr pContext = new Context(Context::TLS_SERVER_USE, _key, _certificate, "", Context::VERIFY_NONE);
	_pTlsServer = std::make_unique<PocoH2::HTTP2Server>(
		new TestHandlerFactory, ServerSocket(SocketAddress("127.0.0.1", 0)), HTTPServerParams::Ptr(pParams, true), pContext);
	_pServer->start();
	_pTlsServer->start();
}

OwnServers::~OwnServers()
{
	stopAll();
}

void OwnServers::stopAll()
{
	if (_pServer)
		_pServer->stopAll(true);
	if (_pTlsServer)
		_pTlsServer->stopAll(true);
}

Poco::UInt16 OwnServers::port() const
{
	return _pServer->port();
}

Poco::UInt16 OwnServers::tlsPort() const
{
	return _pTlsServer->port();
}

ChildServer::ChildServer(const std::string& command, const std::vector<std::string>& args, bool readPortLine)
{
	_pHandle = std::make_unique<Poco::ProcessHandle>(Poco::Process::launch(command, args, nullptr, &_out, nullptr));
	_running = true;
	if (readPortLine)
	{
		const std::string line = readLine();
		if (line.rfind("PORT ", 0) != 0)
			throw Poco::IOException("child server did not report its port", command + ": " + line);
		_port = static_cast<Poco::UInt16>(std::stoi(line.substr(5)));
	}
}

ChildServer::~ChildServer()
{
	kill();
}

void ChildServer::kill()
{
	if (!_running)
		return;
	_running = false;
	Poco::Process::kill(*_pHandle);
	_pHandle->wait();
}

std::string ChildServer::readLine()
{
	std::string line;
	char c;
	while (_out.readBytes(&c, 1) == 1 && c != '\n')
		line += c;
	return line;
}

Poco::UInt16 freePort()
{
	ServerSocket socket(SocketAddress("127.0.0.1", 0));
	return socket.address().port();
}

void waitUntilListening(Poco::UInt16 port)
{
	// Polling an external process is the only way to know it listens.
	const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
	for (;;)
	{
		try
		{
			StreamSocket socket(SocketAddress("127.0.0.1", port));
			return;
		}
		catch (Poco::Exception&)
		{
			if (std::chrono::steady_clock::now() > deadline)
				throw Poco::TimeoutException("nothing listens on port " + std::to_string(port));
			std::this_thread::sleep_for(std::chrono::milliseconds(20));
		}
	}
}

Context::Ptr clientContext(Context::VerificationMode mode, const std::string& caLocation)
{
	return new Context(Context::TLS_CLIENT_USE, "", "", caLocation, mode, 9, caLocation.empty());
}

} // namespace PocoH2Test
