#include "server/HeaderMapping.h"
#include <Poco/NumberParser.h>
#include <Poco/String.h>
#include <algorithm>
#include <cstring>

namespace PocoH2 {
namespace Adapters {

namespace {

// A request and its response per handler thread; a collection with more
// fields than this is not kept (its storage would stay with the thread).
constexpr std::size_t SPARE_COLLECTIONS = 2;
constexpr std::size_t MAX_KEPT_FIELDS = 32;

struct SpareFieldStorage
{
	Poco::Net::NameValueCollection collections[SPARE_COLLECTIONS];
	std::size_t count = 0;
};

thread_local SpareFieldStorage spareFieldStorage;

template <std::size_t N>
bool equalsLowerCase(const std::string& name, const char (&lowerCase)[N])
	// Poco::icompare(name, lowerCase) == 0 (ASCII case folding, as Poco's),
	// without its per-character table lookups.
{
	if (name.size() != N - 1)
		return false;
	for (std::size_t i = 0; i < N - 1; ++i)
	{
		const char c = name[i];
		if ((c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c) != lowerCase[i])
			return false;
	}
	return true;
}

} // namespace

void borrowFieldStorage(Poco::Net::NameValueCollection& fields)
{
	SpareFieldStorage& spare = spareFieldStorage;
	if (spare.count > 0 && fields.empty())
		fields.swap(spare.collections[--spare.count]);
}

void returnFieldStorage(Poco::Net::NameValueCollection& fields) noexcept
{
	SpareFieldStorage& spare = spareFieldStorage;
	if (spare.count == SPARE_COLLECTIONS || fields.size() > MAX_KEPT_FIELDS)
		return;
	fields.clear();
	fields.swap(spare.collections[spare.count++]);
}

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
	// Names are lower-cased on the stack and the fields built in place; only
	// names of a length a skipped header has are made into strings to check.
	char lower[64];
	for (const auto& field : response)
	{
		const std::string& name = field.first;
		if (name.size() > sizeof(lower))
		{
			std::string lowerName = Poco::toLower(name);
			if (!isConnectionSpecificHeader(lowerName, field.second))
				headers.add(std::move(lowerName), field.second);
			continue;
		}
		std::transform(name.begin(), name.end(), lower,
			[](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; });
		switch (name.size()) // the lengths isConnectionSpecificHeader() looks at
		{
		case 2:
		case 7:
		case 10:
		case 16:
		case 17:
			if (isConnectionSpecificHeader(std::string(lower, name.size()), field.second))
				continue;
			break;
		case 14:
			if (!withContentLength && std::memcmp(lower, "content-length", 14) == 0)
				continue;
			break;
		default:
			break;
		}
		headers.add(lower, name.size(), field.second.data(), field.second.size());
	}
	return headers;
}

Poco::Int64 contentLength(const Poco::Net::HTTPMessage& message)
{
	for (const auto& field : message)
	{
		if (equalsLowerCase(field.first, "content-length"))
			return field.second.empty() ? Poco::Net::HTTPMessage::UNKNOWN_CONTENT_LENGTH
										: Poco::NumberParser::parse64(field.second);
	}
	return Poco::Net::HTTPMessage::UNKNOWN_CONTENT_LENGTH;
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
	// add(), not set(): no Cookie field was added, nor a Host one when
	// :authority is there (names are lower case), so there is nothing to
	// look up (NameValueCollection searches linearly).
	if (!cookies.empty())
		request.add(Poco::Net::HTTPRequest::COOKIE, cookies);
	if (!head.authority.empty())
		request.add(Poco::Net::HTTPRequest::HOST, head.authority);
}

} // namespace Adapters
} // namespace PocoH2
