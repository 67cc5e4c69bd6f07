#include "PocoH2/HTTP2Client.h"
#include "client/HTTP2ClientImpl.h"
#include "client/RequestMapping.h"
#include <Poco/Exception.h>
#include <Poco/Net/Context.h>
#include <memory>
#include <sstream>

namespace PocoH2 {

namespace {

constexpr std::size_t CHUNK = 16 * 1024;

std::chrono::milliseconds toMilliseconds(const Poco::Timespan& span)
{
	return std::chrono::milliseconds(span.totalMilliseconds());
}

Client::ClientConfig makeConfig(const std::string& host, Poco::UInt16 port, const Poco::Net::Context::Ptr& pContext,
	const HTTP2ClientParams& params)
{
	Client::ClientConfig config;
	config.host = host;
	config.port = port;
	if (pContext)
	{
		config.pSslContext = pContext->sslContext();
		config.verifyHost = params.getVerifyHostName() && pContext->verificationMode() != Poco::Net::Context::VERIFY_NONE;
	}
	config.maxConnections = static_cast<std::size_t>(params.getMaxConnections());
	config.connectTimeout = toMilliseconds(params.getConnectTimeout());
	config.requestTimeout = toMilliseconds(params.getTimeout());
	config.pingInterval = toMilliseconds(params.getKeepAliveInterval());
	config.maxAttempts = params.getMaxAttempts();
	config.streamBufferSize = params.getStreamBufferSize();
	config.codec.initialWindowSize = params.getInitialWindowSize();
	config.codec.connectionWindowSize = params.getConnectionWindowSize();
	config.codec.maxConcurrentStreams = 100; // what the server may push: nothing, push is disabled
	config.codec.manualWindowUpdate = true;
	return config;
}

std::string defaultAuthority(const std::string& host, Poco::UInt16 port, bool secure)
{
	const std::string name = host.find(':') != std::string::npos ? "[" + host + "]" : host; // IPv6 literal
	if (port == (secure ? 443 : 80))
		return name;
	return name + ":" + std::to_string(port);
}

class AbandonGuard
	/// Resets the stream if the caller leaves before the exchange finished.
{
public:
	explicit AbandonGuard(const Client::ClientStream::Ptr& pStream): _pStream(pStream) {}
	~AbandonGuard()
	{
		// A caller that read the whole body leaves a complete exchange: no
		// lock needed to know.
		if (!_pStream->bodyEndTaken() && !_pStream->finished())
			_pStream->abandon();
	}

private:
	const Client::ClientStream::Ptr& _pStream;
};

class LoopResponse
	/// The HTTPResponse handed to asynchronous callbacks: one per loop thread,
	/// reused, so a completion does not build and tear down a Poco response
	/// (and regrow its header list) per request. A callback that somehow runs
	/// inside another gets a response of its own.
{
public:
	LoopResponse()
	{
		if (!_inUse)
		{
			_inUse = true;
			_pResponse = &_shared;
		}
		else
		{
			_pOwn = std::make_unique<Poco::Net::HTTPResponse>();
			_pResponse = _pOwn.get();
		}
	}

	~LoopResponse()
	{
		if (_pResponse == &_shared)
			_inUse = false;
	}

	LoopResponse(const LoopResponse&) = delete;
	LoopResponse& operator=(const LoopResponse&) = delete;

	Poco::Net::HTTPResponse& fresh()
		/// The response as a newly constructed one (for errors).
	{
		if (_pResponse == &_shared)
			_shared = Poco::Net::HTTPResponse();
		return *_pResponse;
	}

	Poco::Net::HTTPResponse& operator*() { return *_pResponse; }
		/// For Adapters::fillResponse(), which resets all it fills.

private:
	static thread_local Poco::Net::HTTPResponse _shared;
	static thread_local bool _inUse;
	std::unique_ptr<Poco::Net::HTTPResponse> _pOwn;
	Poco::Net::HTTPResponse* _pResponse = nullptr;
};

thread_local Poco::Net::HTTPResponse LoopResponse::_shared;
thread_local bool LoopResponse::_inUse = false;

std::size_t drainResponse(Client::ClientStream& stream, std::ostream& out)
{
	char buffer[CHUNK];
	std::size_t total = 0;
	for (;;)
	{
		bool end = false;
		const std::size_t n = stream.readAvailable(buffer, sizeof(buffer), end);
		if (n == 0)
			return total;
		out.write(buffer, static_cast<std::streamsize>(n));
		total += n;
	}
}

class CollectedExchange : public Client::ClientStream
	/// The stream of sendRequestAsync(): the callback lives in the stream
	/// (no separate allocation per request) and runs on the loop thread when
	/// the exchange ends.
{
public:
	CollectedExchange(Codec::HeaderBlock request, BodyMode mode, std::size_t bufferSize, HTTP2Client::Callback callback):
		ClientStream(std::move(request), mode, bufferSize),
		_callback(std::move(callback))
	{
		collect();
	}

private:
	void onCompleted() override
	{
		// Released once called, as a Completion is.
		HTTP2Client::Callback callback = std::move(_callback);
		_callback = nullptr;
		// On the loop thread: nothing may escape into the codec.
		try
		{
			LoopResponse response;
			if (const Poco::Exception* pError = error())
				return callback(response.fresh(), collectedBody(), pError);
			try
			{
				Adapters::fillResponse(*response, responseHead());
			}
			catch (Poco::Exception& exc)
			{
				return callback(response.fresh(), collectedBody(), &exc);
			}
			callback(*response, collectedBody(), nullptr);
		}
		catch (...)
		{
		}
	}

	HTTP2Client::Callback _callback;
};

} // namespace

HTTP2Client::Impl::Impl(
	const std::string& host_, Poco::UInt16 port_, Poco::Net::Context::Ptr pContext_, const HTTP2ClientParams& params_):
	host(host_),
	port(port_),
	pContext(std::move(pContext_)),
	params(params_),
	scheme(pContext ? "https" : "http"),
	authority(defaultAuthority(host_, port_, static_cast<bool>(pContext)))
{
	if (!pContext && !params.getPriorKnowledge())
		throw Poco::NotImplementedException(
			"HTTP/2 over cleartext needs prior knowledge; the HTTP/1.1 Upgrade to h2c is not supported");
	pEngine = std::make_unique<Client::ClientEngine>(makeConfig(host, port, pContext, params));
}

Client::ClientStream::Ptr HTTP2Client::Impl::newStream(
	const Poco::Net::HTTPRequest& request, Client::ClientStream::BodyMode mode, std::chrono::milliseconds timeout) const
{
	auto pStream = std::make_shared<Client::ClientStream>(
		Adapters::toRequestHeaders(request, scheme, authority), mode, params.getStreamBufferSize());
	pStream->setTimeout(timeout);
	return pStream;
}

Client::ClientStream::Ptr HTTP2Client::Impl::newCollectedStream(
	const Poco::Net::HTTPRequest& request, Client::ClientStream::BodyMode mode, Callback callback) const
{
	return std::make_shared<CollectedExchange>(
		Adapters::toRequestHeaders(request, scheme, authority), mode, params.getStreamBufferSize(), std::move(callback));
}

HTTP2Client::HTTP2Client(const std::string& host, Poco::UInt16 port, const HTTP2ClientParams& params):
	_pImpl(std::make_shared<Impl>(host, port, nullptr, params))
{
}

HTTP2Client::HTTP2Client(
	const std::string& host, Poco::UInt16 port, Poco::Net::Context::Ptr pContext, const HTTP2ClientParams& params):
	_pImpl(std::make_shared<Impl>(host, port, std::move(pContext), params))
{
	if (!_pImpl->pContext)
		throw Poco::InvalidArgumentException("HTTP2Client: a TLS client needs a Context");
}

namespace {

Poco::Net::Context::Ptr contextFor(const Poco::URI& uri, Poco::Net::Context::Ptr pContext)
{
	if (uri.getScheme() == "http")
		return nullptr;
	if (uri.getScheme() != "https")
		throw Poco::InvalidArgumentException("HTTP2Client supports http and https URIs, not", uri.toString());
	if (!pContext)
		pContext = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, "", "", "",
			Poco::Net::Context::VERIFY_RELAXED, 9, true);
	return pContext;
}

} // namespace

HTTP2Client::HTTP2Client(const Poco::URI& uri, Poco::Net::Context::Ptr pContext, const HTTP2ClientParams& params):
	_pImpl(std::make_shared<Impl>(uri.getHost(), uri.getPort(), contextFor(uri, std::move(pContext)), params))
{
}

HTTP2Client::~HTTP2Client()
{
	try
	{
		close();
	}
	catch (...)
	{
	}
}

void HTTP2Client::sendRequest(Poco::Net::HTTPRequest& request, std::istream* pRequestBody,
	Poco::Net::HTTPResponse& response, std::ostream& responseBody)
{
	using BodyMode = Client::ClientStream::BodyMode;
	const bool withBody = pRequestBody
		&& !(request.hasContentLength() && request.getContentLength64() == 0);
	auto pStream = _pImpl->newStream(request, withBody ? BodyMode::STREAMED : BodyMode::NONE);
	AbandonGuard guard(pStream);
	_pImpl->pEngine->submit(pStream);

	bool headDone = false;
	auto takeResponse = [&]
	{
		if (!headDone)
		{
			pStream->waitForHead();
			Adapters::fillResponse(response, pStream->responseHead());
			headDone = true;
		}
		drainResponse(*pStream, responseBody);
	};

	if (withBody)
	{
		// Send the body while taking whatever response arrives meanwhile, so a
		// server that answers as it reads (an echo) never deadlocks with us.
		char chunk[CHUNK];
		std::size_t chunkOffset = 0;
		std::size_t chunkSize = 0;
		bool bodyDone = false;
		while (!bodyDone)
		{
			const int ready = pStream->waitReady(true);
			if (ready & Client::ClientStream::RESPONSE)
				takeResponse();
			if (!(ready & Client::ClientStream::BODY_SPACE))
				continue;
			if (pStream->finished())
				break; // the server answered without reading it all
			if (chunkOffset == chunkSize)
			{
				pRequestBody->read(chunk, sizeof(chunk));
				chunkSize = static_cast<std::size_t>(pRequestBody->gcount());
				chunkOffset = 0;
				if (chunkSize == 0)
				{
					if (pRequestBody->bad())
						throw Poco::IOException("reading the request body failed");
					pStream->endBody();
					bodyDone = true;
					continue;
				}
			}
			chunkOffset += pStream->writeSome(chunk + chunkOffset, chunkSize - chunkOffset);
		}
	}
	if (!headDone)
	{
		pStream->waitForHead();
		Adapters::fillResponse(response, pStream->responseHead());
	}
	char buffer[CHUNK];
	std::size_t n;
	while ((n = pStream->readBody(buffer, sizeof(buffer))) > 0)
		responseBody.write(buffer, static_cast<std::streamsize>(n));
}

std::string HTTP2Client::sendRequest(
	Poco::Net::HTTPRequest& request, Poco::Net::HTTPResponse& response, const std::string& requestBody)
{
	using BodyMode = Client::ClientStream::BodyMode;
	if (!requestBody.empty() && !request.hasContentLength())
		request.setContentLength64(static_cast<Poco::Int64>(requestBody.size()));
	auto pStream = _pImpl->newStream(request, requestBody.empty() ? BodyMode::NONE : BodyMode::WHOLE);
	if (!requestBody.empty())
		pStream->setWholeBody(requestBody);
	AbandonGuard guard(pStream);
	_pImpl->pEngine->submit(pStream);
	pStream->waitForHead();
	Adapters::fillResponse(response, pStream->responseHead());
	std::string body;
	char buffer[CHUNK];
	std::size_t n;
	while ((n = pStream->readBody(buffer, sizeof(buffer))) > 0)
		body.append(buffer, n);
	return body;
}

void HTTP2Client::sendRequestAsync(const Poco::Net::HTTPRequest& request, std::string requestBody, Callback callback)
{
	using BodyMode = Client::ClientStream::BodyMode;
	Client::ClientStream::Ptr pStream;
	if (!requestBody.empty() && !request.hasContentLength())
	{
		Poco::Net::HTTPRequest copy(request);
		copy.setContentLength64(static_cast<Poco::Int64>(requestBody.size()));
		pStream = _pImpl->newCollectedStream(copy, BodyMode::WHOLE, std::move(callback));
	}
	else
		pStream = _pImpl->newCollectedStream(
			request, requestBody.empty() ? BodyMode::NONE : BodyMode::WHOLE, std::move(callback));
	if (!requestBody.empty())
		pStream->setWholeBody(std::move(requestBody));
	_pImpl->pEngine->submit(std::move(pStream));
}

std::future<HTTP2Client::Result> HTTP2Client::sendRequestAsync(const Poco::Net::HTTPRequest& request, std::string requestBody)
{
	auto pPromise = std::make_shared<std::promise<Result>>();
	std::future<Result> future = pPromise->get_future();
	sendRequestAsync(request, std::move(requestBody),
		[pPromise](Poco::Net::HTTPResponse& response, std::string& body, const Poco::Exception* pError)
		{
			if (pError)
			{
				try
				{
					pError->rethrow();
				}
				catch (...)
				{
					pPromise->set_exception(std::current_exception());
				}
				return;
			}
			pPromise->set_value(Result{response, std::move(body)});
		});
	return future;
}

void HTTP2Client::close()
{
	_pImpl->pEngine->close();
}

const std::string& HTTP2Client::host() const
{
	return _pImpl->host;
}

Poco::UInt16 HTTP2Client::port() const
{
	return _pImpl->port;
}

bool HTTP2Client::secure() const
{
	return static_cast<bool>(_pImpl->pContext);
}

const HTTP2ClientParams& HTTP2Client::params() const
{
	return _pImpl->params;
}

int HTTP2Client::currentConnections() const
{
	return _pImpl->pEngine->currentConnections();
}

int HTTP2Client::totalConnections() const
{
	return _pImpl->pEngine->totalConnections();
}

} // namespace PocoH2
