#include "PocoH2/HTTP2ClientSession.h"
#include "client/ClientBodyStreams.h"
#include "client/HTTP2ClientImpl.h"
#include "client/RequestMapping.h"
#include "PocoH2/HTTP2Exception.h"
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPSClientSession.h>

namespace PocoH2 {

class HTTP2ClientSession::Exchange
	/// One request/response of the session and its two body streams.
{
public:
	explicit Exchange(Client::ClientStream::Ptr pStream):
		pStream(std::move(pStream)),
		requestBody(this->pStream)
	{
	}

	~Exchange()
	{
		if (!pStream->bodyEndTaken() && !pStream->finished())
			pStream->abandon();
	}

	Client::ClientStream::Ptr pStream;
	Adapters::ClientRequestStream requestBody;
	std::unique_ptr<Adapters::ClientResponseStream> pResponseBody;
};

HTTP2ClientSession::HTTP2ClientSession(const std::string& host, Poco::UInt16 port, const HTTP2ClientParams& params):
	_pOwnClient(std::make_unique<HTTP2Client>(host, port, params)),
	_client(*_pOwnClient)
{
}

HTTP2ClientSession::HTTP2ClientSession(
	const std::string& host, Poco::UInt16 port, Poco::Net::Context::Ptr pContext, const HTTP2ClientParams& params):
	_pOwnClient(std::make_unique<HTTP2Client>(host, port, std::move(pContext), params)),
	_client(*_pOwnClient)
{
}

HTTP2ClientSession::HTTP2ClientSession(HTTP2Client& client): _client(client)
{
}

HTTP2ClientSession::~HTTP2ClientSession()
{
	// The exchange goes before the client it may belong to.
	_pExchange.reset();
	_pHttp11.reset();
}

bool HTTP2ClientSession::fallbackAllowed() const
{
	return _client.params().getHTTP11Fallback() && _client._pImpl->pEngine->noHttp2();
}

Poco::Net::HTTPClientSession& HTTP2ClientSession::http11Session()
{
	if (!_pHttp11)
	{
		const HTTP2Client::Impl& impl = *_client._pImpl;
		if (impl.pContext)
			_pHttp11 = std::make_unique<Poco::Net::HTTPSClientSession>(impl.host, impl.port, impl.pContext);
		else
			_pHttp11 = std::make_unique<Poco::Net::HTTPClientSession>(impl.host, impl.port);
		if (_timeout.totalMicroseconds() > 0)
			_pHttp11->setTimeout(_timeout);
	}
	return *_pHttp11;
}

std::ostream& HTTP2ClientSession::sendRequest(Poco::Net::HTTPRequest& request)
{
	_pExchange.reset();
	_pLastRequest.reset();
	_usingHttp11 = fallbackAllowed();
	if (_usingHttp11)
		return http11Session().sendRequest(request);
	using BodyMode = Client::ClientStream::BodyMode;
	const bool withBody = Adapters::requestHasBody(request);
	auto pStream = _client._pImpl->newStream(request, withBody ? BodyMode::STREAMED : BodyMode::NONE,
		std::chrono::milliseconds(_timeout.totalMilliseconds()));
	auto pExchange = std::make_unique<Exchange>(pStream);
	_client._pImpl->pEngine->submit(pStream);
	_pExchange = std::move(pExchange);
	if (!withBody && _client.params().getHTTP11Fallback())
		_pLastRequest = std::make_unique<Poco::Net::HTTPRequest>(request);
	return _pExchange->requestBody;
}

std::istream& HTTP2ClientSession::receiveResponse(Poco::Net::HTTPResponse& response)
{
	if (_usingHttp11)
		return http11Session().receiveResponse(response);
	if (!_pExchange)
		throw Poco::IllegalStateException("HTTP2ClientSession::receiveResponse() without sendRequest()");
	Exchange& exchange = *_pExchange;
	if (!exchange.pResponseBody)
	{
		exchange.requestBody.close();
		try
		{
			exchange.pStream->waitForHead();
		}
		catch (HTTP2Exception&)
		{
			if (!_pLastRequest || !fallbackAllowed())
				throw;
			// The server does not speak HTTP/2: ask again over HTTP/1.1.
			_pExchange.reset();
			_usingHttp11 = true;
			http11Session().sendRequest(*_pLastRequest);
			return http11Session().receiveResponse(response);
		}
		exchange.pResponseBody = std::make_unique<Adapters::ClientResponseStream>(exchange.pStream);
	}
	Adapters::fillResponse(response, exchange.pStream->responseHead());
	return *exchange.pResponseBody;
}

bool HTTP2ClientSession::usesHTTP11() const
{
	return _usingHttp11;
}

void HTTP2ClientSession::reset()
{
	_pExchange.reset();
}

void HTTP2ClientSession::setTimeout(const Poco::Timespan& timeout)
{
	_timeout = timeout;
}

Poco::Timespan HTTP2ClientSession::getTimeout() const
{
	return _timeout.totalMicroseconds() > 0 ? _timeout : _client.params().getTimeout();
}

const std::string& HTTP2ClientSession::getHost() const
{
	return _client.host();
}

Poco::UInt16 HTTP2ClientSession::getPort() const
{
	return _client.port();
}

bool HTTP2ClientSession::secure() const
{
	return _client.secure();
}

HTTP2Client& HTTP2ClientSession::client()
{
	return _client;
}

} // namespace PocoH2
