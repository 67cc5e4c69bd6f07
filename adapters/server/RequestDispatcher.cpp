#include "server/RequestDispatcher.h"
#include "server/H2ServerRequest.h"
#include "server/H2ServerResponse.h"
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/Timestamp.h>
#include <ctime>
#include <memory>

namespace PocoH2 {
namespace Adapters {

namespace {

const std::string& currentHttpDate()
{
	// The Date header changes once a second; formatting it per request cost
	// about 6% of a small response (docs/PROFILE.md).
	thread_local std::time_t cachedSecond = 0;
	thread_local std::string cachedDate;
	const Poco::Timestamp now;
	const std::time_t second = now.epochTime();
	if (second != cachedSecond)
	{
		cachedSecond = second;
		cachedDate = Poco::DateTimeFormatter::format(now, Poco::DateTimeFormat::HTTP_FORMAT);
	}
	return cachedDate;
}

void sendError(H2ServerResponse& response, Poco::Net::HTTPResponse::HTTPStatus status)
{
	response.setStatusAndReason(status);
	response.setContentLength(0);
	response.send();
}

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
	H2ServerResponse response(*pStream, pStream->request().method == "HEAD");
	std::string failure;
	bool timedOut = false;
	try
	{
		H2ServerRequest request(*pStream, response, *_pParams);
		response.setVersion(request.getVersion());
		// add(), not set(): the response has no fields yet, so there is
		// nothing to look up (NameValueCollection searches linearly).
		response.add("Date", currentHttpDate());
		if (!_pParams->getSoftwareVersion().empty())
			response.add("Server", _pParams->getSoftwareVersion());
		std::unique_ptr<Poco::Net::HTTPRequestHandler> pHandler(_pFactory->createRequestHandler(request));
		if (pHandler)
		{
			if (request.getExpectContinue() && response.getStatus() == Poco::Net::HTTPResponse::HTTP_OK)
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
			try
			{
				sendError(response, timedOut ? Poco::Net::HTTPResponse::HTTP_REQUEST_TIMEOUT
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
