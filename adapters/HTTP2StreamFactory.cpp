#include "PocoH2/HTTP2StreamFactory.h"
#include "PocoH2/HTTP2ClientSession.h"
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/URI.h>
#include <Poco/URIStreamOpener.h>
#include <memory>
#include <mutex>

namespace PocoH2 {

namespace {

class SessionStream : public std::istream
	/// The response body; owns the session (and its connection).
{
public:
	SessionStream(std::unique_ptr<HTTP2ClientSession> pSession, std::istream& body):
		std::istream(body.rdbuf()),
		_pSession(std::move(pSession))
	{
		exceptions(std::ios::badbit);
	}

private:
	std::unique_ptr<HTTP2ClientSession> _pSession;
};

bool isRedirect(Poco::Net::HTTPResponse::HTTPStatus status)
{
	using R = Poco::Net::HTTPResponse;
	return status == R::HTTP_MOVED_PERMANENTLY || status == R::HTTP_FOUND || status == R::HTTP_SEE_OTHER
		|| status == R::HTTP_TEMPORARY_REDIRECT || status == R::HTTP_PERMANENT_REDIRECT;
}

} // namespace

HTTP2StreamFactory::HTTP2StreamFactory(Poco::Net::Context::Ptr pContext, const HTTP2ClientParams& params):
	_pContext(std::move(pContext)),
	_params(params)
{
}

HTTP2StreamFactory::~HTTP2StreamFactory() = default;

std::istream* HTTP2StreamFactory::open(const Poco::URI& uri)
{
	std::unique_ptr<HTTP2ClientSession> pSession;
	if (uri.getScheme() == "https")
	{
		Poco::Net::Context::Ptr pContext = _pContext;
		if (!pContext)
			pContext = new Poco::Net::Context(
				Poco::Net::Context::TLS_CLIENT_USE, "", "", "", Poco::Net::Context::VERIFY_RELAXED, 9, true);
		pSession = std::make_unique<HTTP2ClientSession>(uri.getHost(), uri.getPort(), pContext, _params);
	}
	else if (uri.getScheme() == "http")
		pSession = std::make_unique<HTTP2ClientSession>(uri.getHost(), uri.getPort(), _params);
	else
		throw Poco::InvalidArgumentException("HTTP2StreamFactory opens http and https URIs, not", uri.toString());
	const std::string path = uri.getPathAndQuery();
	Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, path.empty() ? "/" : path,
		Poco::Net::HTTPMessage::HTTP_1_1);
	pSession->sendRequest(request);
	Poco::Net::HTTPResponse response;
	std::istream& body = pSession->receiveResponse(response);
	if (isRedirect(response.getStatus()) && response.has("Location"))
	{
		Poco::URI location(uri, response.get("Location"));
		throw Poco::URIRedirection(location.toString());
	}
	if (response.getStatus() >= 400)
		throw Poco::Net::HTTPException(response.getReason(), uri.toString(), static_cast<int>(response.getStatus()));
	return new SessionStream(std::move(pSession), body);
}

namespace {

std::mutex registrationMutex;
bool registeredHttps = false;
bool registeredHttp = false;

void removeFactory(Poco::URIStreamOpener& opener, const std::string& scheme)
{
	// Nothing registered (or someone removed it meanwhile): nothing to do.
	try
	{
		opener.unregisterStreamFactory(scheme);
	}
	catch (Poco::NotFoundException&)
	{
	}
}

void replaceFactory(Poco::URIStreamOpener& opener, const std::string& scheme, Poco::URIStreamFactory* pFactory)
{
	// registerStreamFactory() silently keeps an existing factory: remove it first.
	removeFactory(opener, scheme);
	opener.registerStreamFactory(scheme, pFactory);
}

} // namespace

void HTTP2StreamFactory::registerFactory(
	Poco::Net::Context::Ptr pContext, bool cleartextToo, const HTTP2ClientParams& params)
{
	std::lock_guard<std::mutex> lock(registrationMutex);
	Poco::URIStreamOpener& opener = Poco::URIStreamOpener::defaultOpener();
	replaceFactory(opener, "https", new HTTP2StreamFactory(pContext, params));
	registeredHttps = true;
	if (cleartextToo)
	{
		replaceFactory(opener, "http", new HTTP2StreamFactory(pContext, params));
		registeredHttp = true;
	}
	else if (registeredHttp)
	{
		removeFactory(opener, "http");
		registeredHttp = false;
	}
}

void HTTP2StreamFactory::unregisterFactory()
{
	std::lock_guard<std::mutex> lock(registrationMutex);
	Poco::URIStreamOpener& opener = Poco::URIStreamOpener::defaultOpener();
	if (registeredHttps)
		removeFactory(opener, "https");
	if (registeredHttp)
		removeFactory(opener, "http");
	registeredHttps = registeredHttp = false;
}

} // namespace PocoH2
