#include "PocoH2/HTTP2Server.h"
#include "PocoH2/HTTP2ServerParams.h"
#include "server/Http1Fallback.h"
#include "server/RequestDispatcher.h"
#include "server/ServerEngine.h"
#include "transport/TlsChannel.h"
#include <Poco/Exception.h>

namespace PocoH2 {

namespace {

std::chrono::milliseconds toMilliseconds(const Poco::Timespan& span)
{
	return std::chrono::milliseconds(span.totalMilliseconds());
}

Server::EngineConfig engineConfig(const Poco::Net::HTTPServerParams& params, SSL_CTX* pTlsContext)
{
	Poco::AutoPtr<HTTP2ServerParams> pDefaults(new HTTP2ServerParams);
	const auto* pH2 = dynamic_cast<const HTTP2ServerParams*>(&params);
	const HTTP2ServerParams& h2 = pH2 ? *pH2 : *pDefaults;
	Server::EngineConfig config;
	config.ioThreads = h2.getIOThreads();
	config.workerThreads = params.getMaxThreads() > 0 ? params.getMaxThreads() : 16;
	config.codec.maxConcurrentStreams = h2.getMaxConcurrentStreams();
	config.codec.initialWindowSize = h2.getInitialWindowSize();
	config.codec.connectionWindowSize = h2.getConnectionWindowSize();
	config.codec.maxFrameSize = h2.getMaxFrameSize();
	config.codec.maxHeaderListSize = h2.getMaxHeaderListSize();
	config.streamBufferSize = h2.getStreamBufferSize();
	config.shutdownGracePeriod = toMilliseconds(h2.getShutdownGracePeriod());
	config.handshakeTimeout = toMilliseconds(params.getTimeout());
	config.requestReadTimeout = toMilliseconds(params.getTimeout());
	config.sendTimeout = toMilliseconds(params.getTimeout());
	config.idleTimeout = toMilliseconds(h2.getIdleTimeout());
	config.pingInterval = toMilliseconds(h2.getPingInterval());
	config.pingTimeout = toMilliseconds(h2.getPingTimeout());
	config.maxRequestBodySize = h2.getMaxRequestBodySize();
	config.maxConnections = h2.getMaxConnections();
	config.maxConnectionHandlers = h2.getMaxConnectionHandlers();
	config.inlineHandlers = h2.getInlineHandlers();
	config.serverHeader = params.getSoftwareVersion();
	config.pTlsContext = pTlsContext;
	return config;
}

} // namespace

class HTTP2Server::Impl
{
public:
	Impl(Poco::Net::HTTPRequestHandlerFactory::Ptr pFactory, const Poco::Net::ServerSocket& socket,
		Poco::Net::HTTPServerParams::Ptr pParams, Poco::Net::Context::Ptr pContext):
		_pParams(pParams ? pParams : Poco::Net::HTTPServerParams::Ptr(new HTTP2ServerParams)),
		_pContext(std::move(pContext)),
		_socket(socket),
		_dispatcher(pFactory, _pParams),
		_http1(pFactory, _pParams),
		_port(socket.address().port())
	{
		if (!pFactory)
			throw Poco::InvalidArgumentException("HTTP2Server needs a request handler factory");
		SSL_CTX* pSslContext = nullptr;
		if (_pContext)
		{
			if (!_pContext->isForServerUse())
				throw Poco::InvalidArgumentException("HTTP2Server needs a server Context");
			pSslContext = _pContext->sslContext();
			Transport::TlsChannel::installAlpnSelector(pSslContext);
		}
		const Server::EngineConfig config = engineConfig(*_pParams, pSslContext);
		_gracePeriod = config.shutdownGracePeriod;
		_pEngine = std::make_unique<Server::ServerEngine>(config, _socket, _dispatcher, _http1);
	}

	~Impl()
	{
		try
		{
			stop(true);
		}
		catch (...)
		{
		}
	}

	void stop(bool abortCurrent)
	{
		_pEngine->stop(abortCurrent);
		_http1.stop(abortCurrent, _gracePeriod);
	}

	Poco::Net::HTTPServerParams::Ptr _pParams;
	Poco::Net::Context::Ptr _pContext;
	Poco::Net::ServerSocket _socket;
	Adapters::RequestDispatcher _dispatcher;
	Adapters::Http1Fallback _http1;
	Poco::UInt16 _port;
	std::chrono::milliseconds _gracePeriod{0};
	std::unique_ptr<Server::ServerEngine> _pEngine;
};

HTTP2Server::HTTP2Server(
	Poco::Net::HTTPRequestHandlerFactory::Ptr pFactory, Poco::UInt16 portNumber, Poco::Net::HTTPServerParams::Ptr pParams):
	_pImpl(std::make_unique<Impl>(pFactory, Poco::Net::ServerSocket(portNumber), pParams, nullptr))
{
}

HTTP2Server::HTTP2Server(Poco::Net::HTTPRequestHandlerFactory::Ptr pFactory, const Poco::Net::ServerSocket& socket,
	Poco::Net::HTTPServerParams::Ptr pParams):
	_pImpl(std::make_unique<Impl>(pFactory, socket, pParams, nullptr))
{
}

HTTP2Server::HTTP2Server(Poco::Net::HTTPRequestHandlerFactory::Ptr pFactory, const Poco::Net::ServerSocket& socket,
	Poco::Net::HTTPServerParams::Ptr pParams, Poco::Net::Context::Ptr pContext):
	_pImpl(std::make_unique<Impl>(pFactory, socket, pParams, pContext))
{
	if (!pContext)
		throw Poco::InvalidArgumentException("HTTP2Server: the TLS form needs a Context");
}

HTTP2Server::~HTTP2Server() = default;

void HTTP2Server::start()
{
	_pImpl->_pEngine->start();
}

void HTTP2Server::stop()
{
	_pImpl->stop(false);
}

void HTTP2Server::stopAll(bool abortCurrent)
{
	_pImpl->stop(abortCurrent);
}

Poco::UInt16 HTTP2Server::port() const
{
	return _pImpl->_port;
}

const Poco::Net::HTTPServerParams& HTTP2Server::params() const
{
	return *_pImpl->_pParams;
}

bool HTTP2Server::secure() const
{
	return !_pImpl->_pContext.isNull();
}

int HTTP2Server::currentConnections() const
{
	return _pImpl->_pEngine->currentConnections() + _pImpl->_http1.currentConnections();
}

int HTTP2Server::maxConcurrentConnections() const
{
	return _pImpl->_pEngine->maxConcurrentConnections();
}

int HTTP2Server::totalConnections() const
{
	return _pImpl->_pEngine->totalConnections();
}

int HTTP2Server::refusedConnections() const
{
	return _pImpl->_pEngine->refusedConnections() + _pImpl->_http1.refusedConnections();
}

int HTTP2Server::currentHTTP2Streams() const
{
	return _pImpl->_pEngine->currentStreams();
}

int HTTP2Server::totalHTTP2Streams() const
{
	return _pImpl->_pEngine->totalStreams();
}

int HTTP2Server::currentThreads() const
{
	return _pImpl->_pEngine->threads();
}

} // namespace PocoH2
