#include "server/HeaderMapping.h"
#include <Poco/String.h>
#include <algorithm>

namespace PocoH2 {
namespace Adapters {

bool isConnectionSpecificHeader(const std::string& name, const std::string& value)
{
	// By length first: this runs for every response header.
	switch (name.size())
	{
	case 2: return name == "te" && Poco::icompare(Poco::trim(value), "trailers") != 0;
	case 7: return name == "upgrade";
	case 10: return name == "connection" || name == "keep-alive";
	case 16: return name == "proxy-connection";
	case 17: return name == "transfer-encoding";
	default: return false;
	}
}

Codec::HeaderBlock toResponseHeaders(const Poco::Net::HTTPResponse& response, bool withContentLength)
{
	Codec::HeaderBlock headers;
	headers.fields().reserve(response.size() + 1);
	headers.add(":status", std::to_string(static_cast<int>(response.getStatus())));
	for (const auto& field : response)
	{
		std::string name(field.first.size(), '\0');
		std::transform(field.first.begin(), field.first.end(), name.begin(),
			[](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; });
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
