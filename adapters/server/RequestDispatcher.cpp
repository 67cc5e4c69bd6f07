#include "server/RequestDispatcher.h"
#include "server/H2ServerRequest.h"
#include "server/H2ServerResponse.h"
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/Timestamp.h>
#include <ctime>
#include <time.h>
#include <memory>

namespace PocoH2 {
namespace Adapters {

namespace {

const std::string& currentHttpDate()
{
	// The Date header changes once a second; formatting it per request cost
	// about 6% of a small response (docs/PROFILE.md). The second comes from
	// the coarse clock (the last tick's time, a few ms behind): a fifth of
	// the cost of a full clock read on a KVM guest.
	thread_local std::time_t cachedSecond = 0;
	thread_local std::string cachedDate;
	timespec now{};
	::clock_gettime(CLOCK_REALTIME_COARSE, &now);
	const std::time_t second = now.tv_sec;
	if (second != cachedSecond)
	{
		cachedSecond = second;
		cachedDate = Poco::DateTimeFormatter::format(
			Poco::Timestamp::fromEpochTime(second), Poco::DateTimeFormat::HTTP_FORMAT);
	}
	return cachedDate;
}

const std::string HTTP_2_0("HTTP/2.0");

void sendError(H2ServerResponse& response, Poco::Net::HTTPResponse::HTTPStatus status)
{
	response.setStatusAndReason(status);
	response.setContentLength(0);
	response.send();
}

struct Exchange
	/// A request and its response, reused by the handler runs of one thread
	/// one after another: most of a small request's work is building Poco's
	/// objects, their strings and field storage.
{
	H2ServerResponse response;
	H2ServerRequest request;
	bool busy = false; ///< a handler runs with it (a nested handle() gets its own)
};

thread_local std::unique_ptr<Exchange> t_pExchange;

// A request URI longer than this is not kept in the thread's Exchange
// (Poco has no way to shrink it): the Exchange is dropped instead.
constexpr std::size_t MAX_KEPT_URI = 8 * 1024;

class ExchangeLease
	/// The thread's Exchange for one handle(), or a new one if it is busy;
	/// opens the pair for the stream, and closes it at the end.
{
public:
	ExchangeLease(Server::ServerStream& stream, const Poco::Net::HTTPServerParams& params, const std::string& date):
		_stream(stream),
		_params(params),
		_date(date),
		_pExchange(nullptr)
	{
		if (!t_pExchange)
			t_pExchange = std::make_unique<Exchange>();
		_pExchange = t_pExchange.get();
		if (_pExchange->busy)
		{
			_pOwn = std::make_unique<Exchange>();
			_pExchange = _pOwn.get();
		}
		_pExchange->busy = true;
		try
		{
			openResponse();
			_pExchange->request.open(stream, _pExchange->response, params);
		}
		catch (...)
		{
			release();
			throw;
		}
	}

	~ExchangeLease() { release(); }

	H2ServerRequest& request() { return _pExchange->request; }
	H2ServerResponse& response() { return _pExchange->response; }

	H2ServerResponse& freshResponse(const std::string& version)
		/// The response as open() left it, before anything was sent: what
		/// a handler set (fields, cookies, status, trailers) is gone.
	{
		_pExchange->response.close();
		openResponse();
		if (_pExchange->response.getVersion() != version)
			_pExchange->response.setVersion(version);
		return _pExchange->response;
	}

private:
	ExchangeLease(const ExchangeLease&) = delete;
	ExchangeLease& operator=(const ExchangeLease&) = delete;

	void release() noexcept
	{
		_pExchange->request.close();
		_pExchange->response.close();
		_pExchange->busy = false;
		if (!_pOwn && _pExchange->request.getURI().capacity() > MAX_KEPT_URI)
			t_pExchange.reset();
	}

	void openResponse()
	{
		_pExchange->response.open(_stream, _stream.request().method == Poco::Net::HTTPRequest::HTTP_HEAD, _date,
			_params.getSoftwareVersion());
	}

	Server::ServerStream& _stream;
	const Poco::Net::HTTPServerParams& _params;
	const std::string& _date; ///< the thread's cached Date value (current, when read again)
	Exchange* _pExchange;
	std::unique_ptr<Exchange> _pOwn;
};

} // namespace

RequestDispatcher::RequestDispatcher(
	Poco::Net::HTTPRequestHandlerFactory::Ptr pFactory, Poco::Net::HTTPServerParams::Ptr pParams):
	_pFactory(std::move(pFactory)),
	_pParams(std::move(pParams)),
	_logger(Poco::Logger::get("PocoH2.Server"))
{
}

void RequestDispatcher::handle(const Server::ServerStream::Ptr& pStream)
{
	ExchangeLease exchange(*pStream, *_pParams, currentHttpDate());
	H2ServerRequest& request = exchange.request();
	H2ServerResponse& response = exchange.response();
	std::string failure;
	bool timedOut = false;
	try
	{
		if (response.getVersion() != request.getVersion())
			response.setVersion(request.getVersion());
		std::unique_ptr<Poco::Net::HTTPRequestHandler> pHandler(_pFactory->createRequestHandler(request));
		if (pHandler)
		{
			// expectsContinue() read the wire headers; the factory may have
			// changed Expect since, as Poco's own connection would see.
			if (request.expectsContinue() && request.getExpectContinue()
				&& response.getStatus() == Poco::Net::HTTPResponse::HTTP_OK)
				response.sendContinue();
			pHandler->handleRequest(request, response);
		}
		else
			sendError(response, Poco::Net::HTTPResponse::HTTP_NOT_IMPLEMENTED);
	}
	catch (Poco::TimeoutException& exc)
	{
		failure = exc.displayText();
		timedOut = true;
	}
	catch (Poco::Exception& exc)
	{
		failure = exc.displayText();
	}
	catch (std::exception& exc)
	{
		failure = exc.what();
	}
	catch (...)
	{
		failure = "unknown exception";
	}
	if (!failure.empty())
	{
		_logger.error("handler for " + pStream->request().method + " " + pStream->request().path + " on stream "
			+ std::to_string(pStream->id()) + " failed: " + failure);
		if (!response.sent())
		{
			// As Poco's HTTPServerConnection does, the error goes out in a
			// new response, without the fields the handler had set.
			try
			{
				sendError(exchange.freshResponse(HTTP_2_0), timedOut ? Poco::Net::HTTPResponse::HTTP_REQUEST_TIMEOUT
																	: Poco::Net::HTTPResponse::HTTP_INTERNAL_SERVER_ERROR);
			}
			catch (...)
			{
			}
		}
	}
	response.finish();
}

} // namespace Adapters
} // namespace PocoH2
