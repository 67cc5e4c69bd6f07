#include "server/HeaderMapping.h"
#include <Poco/String.h>

namespace PocoH2 {
namespace Adapters {

bool isConnectionSpecificHeader(const std::string& name, const std::string& value)
{
	if (name == "te")
		return Poco::icompare(Poco::trim(value), "trailers") != 0;
	return name == "connection" || name == "keep-alive" || name == "proxy-connection" || name == "transfer-encoding"
		|| name == "upgrade";
}

Codec::HeaderBlock toResponseHeaders(const Poco::Net::HTTPResponse& response, bool withContentLength)
{
	Codec::HeaderBlock headers;
	headers.add(":status", std::to_string(static_cast<int>(response.getStatus())));
	for (const auto& field : response)
	{
		std::string name = Poco::toLower(field.first);
		if (isConnectionSpecificHeader(name, field.second))
			continue;
		if (!withContentLength && name == "content-length")
			continue;
		headers.add(std::move(name), field.second);
	}
	return headers;
}

void fillRequest(Poco::Net::HTTPRequest& request, const Server::RequestHead& head)
{
	request.setMethod(head.method);
	request.setURI(head.path);
	request.setVersion("HTTP/2.0");
	std::string cookies;
	for (const auto& field : head.headers.fields())
	{
		if (field.first == "cookie")
		{
			if (!cookies.empty())
				cookies += "; ";
			cookies += field.second;
		}
		else if (field.first != "host" || head.authority.empty())
			request.add(field.first, field.second);
	}
	if (!cookies.empty())
		request.set("Cookie", cookies);
	if (!head.authority.empty())
		request.setHost(head.authority);
}

} // namespace Adapters
} // namespace PocoH2
