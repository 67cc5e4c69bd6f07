#include "client/RequestMapping.h"
#include "server/HeaderMapping.h"
#include <Poco/NumberParser.h>
#include <Poco/String.h>
#include <Poco/URI.h>
#include <Poco/Net/NetException.h>

namespace PocoH2 {
namespace Adapters {

Codec::HeaderBlock toRequestHeaders(const Poco::Net::HTTPRequest& request, const std::string& scheme,
	const std::string& defaultAuthority)
{
	const std::string& method = request.getMethod();
	if (method == Poco::Net::HTTPRequest::HTTP_CONNECT)
		throw Poco::Net::HTTPException("CONNECT is not supported over HTTP/2 by this client");
	const auto host = request.find(Poco::Net::HTTPRequest::HOST);
	std::string authority = host != request.end() ? host->second : defaultAuthority;
	std::string path = request.getURI();
	if (!path.empty() && path[0] != '/' && path != "*")
	{
		// An absolute URI, as proxies are sent.
		Poco::URI uri(path);
		if (!uri.getAuthority().empty())
			authority = uri.getAuthority();
		path = uri.getPathAndQuery();
	}
	if (path.empty())
		path = method == Poco::Net::HTTPRequest::HTTP_OPTIONS ? "*" : "/";

	Codec::HeaderBlock headers;
	headers.fields().reserve(4 + request.size()); // no regrowth: this runs once per request
	headers.add(":method", method);
	headers.add(":scheme", scheme);
	headers.add(":authority", authority);
	headers.add(":path", path);
	for (const auto& field : request)
	{
		std::string name = Poco::toLower(field.first);
		if (name == "host" || isConnectionSpecificHeader(name, field.second))
			continue;
		if (name == "cookie")
		{
			std::string::size_type start = 0;
			while (start < field.second.size())
			{
				std::string::size_type end = field.second.find(';', start);
				if (end == std::string::npos)
					end = field.second.size();
				std::string cookie = Poco::trim(field.second.substr(start, end - start));
				if (!cookie.empty())
					headers.add("cookie", std::move(cookie));
				start = end + 1;
			}
			continue;
		}
		headers.add(std::move(name), field.second);
	}
	return headers;
}

bool requestHasBody(const Poco::Net::HTTPRequest& request)
{
	if (request.hasContentLength())
		return request.getContentLength64() > 0;
	if (request.getChunkedTransferEncoding())
		return true;
	const std::string& method = request.getMethod();
	return method == Poco::Net::HTTPRequest::HTTP_POST || method == Poco::Net::HTTPRequest::HTTP_PUT
		|| method == Poco::Net::HTTPRequest::HTTP_PATCH;
}

void fillResponse(Poco::Net::HTTPResponse& response, const Codec::HeaderBlock& head)
{
	const std::string* pStatus = head.find(":status");
	int status = 0;
	// RFC 9110 §15: three digits, the first 1 to 5 ("-12" and "960" are not
	// statuses; Poco's HTTPStatus could not hold the latter).
	if (!pStatus || pStatus->size() != 3 || !Poco::NumberParser::tryParse(*pStatus, status) || status < 100
		|| status > 599)
		throw Poco::Net::HTTPException("HTTP/2 response without a valid :status");
	response.clear();
	response.setVersion("HTTP/2.0");
	response.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
	for (const auto& field : head.fields())
	{
		if (!field.first.empty() && field.first[0] != ':')
			response.add(field.first, field.second);
	}
}

} // namespace Adapters
} // namespace PocoH2
