#include "PocoH2/HTTP2ClientSession.h"
#include "client/ClientBodyStreams.h"
#include "client/HTTP2ClientImpl.h"
#include "client/RequestMapping.h"

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
		if (!pStream->finished())
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
}

std::ostream& HTTP2ClientSession::sendRequest(Poco::Net::HTTPRequest& request)
{
	_pExchange.reset();
	using BodyMode = Client::ClientStream::BodyMode;
	const bool withBody = Adapters::requestHasBody(request);
	auto pStream = _client._pImpl->newStream(request, withBody ? BodyMode::STREAMED : BodyMode::NONE,
		std::chrono::milliseconds(_timeout.totalMilliseconds()));
	auto pExchange = std::make_unique<Exchange>(pStream);
	_client._pImpl->pEngine->submit(pStream);
	_pExchange = std::move(pExchange);
	return _pExchange->requestBody;
}

std::istream& HTTP2ClientSession::receiveResponse(Poco::Net::HTTPResponse& response)
{
	if (!_pExchange)
		throw Poco::IllegalStateException("HTTP2ClientSession::receiveResponse() without sendRequest()");
	Exchange& exchange = *_pExchange;
	if (!exchange.pResponseBody)
	{
		exchange.requestBody.close();
		exchange.pStream->waitForHead();
		exchange.pResponseBody = std::make_unique<Adapters::ClientResponseStream>(exchange.pStream);
	}
	Adapters::fillResponse(response, exchange.pStream->responseHead());
	return *exchange.pResponseBody;
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
