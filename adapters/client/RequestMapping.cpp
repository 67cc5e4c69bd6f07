#include "client/RequestMapping.h"
#include "server/HeaderMapping.h"
#include <Poco/String.h>
#include <Poco/URI.h>
#include <Poco/Net/NetException.h>

namespace PocoH2 {
namespace Adapters {

namespace {

const std::string HTTP2_VERSION("HTTP/2.0");

bool isHost(const std::string& name)
	// Poco::icompare(name, "Host") == 0, without its table lookups.
{
	return name.size() == 4 && (name[0] | 0x20) == 'h' && (name[1] | 0x20) == 'o' && (name[2] | 0x20) == 's'
		&& (name[3] | 0x20) == 't';
}

} // namespace

Codec::HeaderBlock toRequestHeaders(const Poco::Net::HTTPRequest& request, const std::string& scheme,
	const std::string& defaultAuthority)
{
	const std::string& method = request.getMethod();
	if (method == Poco::Net::HTTPRequest::HTTP_CONNECT)
		throw Poco::Net::HTTPException("CONNECT is not supported over HTTP/2 by this client");
	// This runs once per request: the list is sized once and the fields are
	// built in place, without temporaries.
	const std::string* pAuthority = &defaultAuthority;
	for (const auto& field : request)
	{
		if (isHost(field.first))
		{
			pAuthority = &field.second;
			break;
		}
	}
	std::string uriAuthority;
	std::string path;
	const std::string& uri = request.getURI();
	const bool plainPath = !uri.empty() && (uri[0] == '/' || uri == "*");
	if (!plainPath)
	{
		if (!uri.empty())
		{
			// An absolute URI, as proxies are sent.
			Poco::URI parsed(uri);
			uriAuthority = parsed.getAuthority();
			if (!uriAuthority.empty())
				pAuthority = &uriAuthority;
			path = parsed.getPathAndQuery();
		}
		if (path.empty())
			path = method == Poco::Net::HTTPRequest::HTTP_OPTIONS ? "*" : "/";
	}
	const std::string& pathField = plainPath ? uri : path;

	Codec::HeaderBlock headers;
	headers.fields().reserve(4 + request.size());
	headers.add(":method", 7, method.data(), method.size());
	headers.add(":scheme", 7, scheme.data(), scheme.size());
	headers.add(":authority", 10, pAuthority->data(), pAuthority->size());
	headers.add(":path", 5, pathField.data(), pathField.size());
	for (const auto& field : request)
	{
		if (isHost(field.first))
			continue;
		std::string name(field.first);
		for (char& c : name)
		{
			if (c >= 'A' && c <= 'Z')
				c = static_cast<char>(c - 'A' + 'a');
		}
		if (isConnectionSpecificHeader(name, field.second))
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

namespace {

// A per-thread copy of the last response's fields, kept only for ordinary
// header lists (a thread must not keep a huge one alive).
constexpr std::size_t MAX_KEPT_FIELDS = 32;
constexpr std::size_t MAX_KEPT_LIST_SIZE = 16 * 1024;

thread_local Poco::Net::NameValueCollection lastResponseFields;

bool isPseudoHeader(const Codec::HeaderBlock::Field& field)
{
	return !field.first.empty() && field.first[0] == ':';
}

bool isStatusCode(const std::string& s)
{
	return s.size() == 3 && s[0] >= '1' && s[0] <= '5' && s[1] >= '0' && s[1] <= '9' && s[2] >= '0' && s[2] <= '9';
}

bool overwriteInPlace(Poco::Net::NameValueCollection& fields, const Codec::HeaderBlock& head, std::size_t count)
	// When fields hold head's field names already, in head's order (a response
	// object reused for the same kind of response), overwrites the values
	// where they are: no search, no allocation for values that fit the
	// strings there. Returns false, changing nothing, otherwise.
{
	if (fields.size() != count)
		return false;
	auto it = fields.begin();
	for (const auto& field : head.fields())
	{
		if (isPseudoHeader(field))
			continue;
		if (it->first != field.first)
			return false;
		++it;
	}
	it = fields.begin();
	for (const auto& field : head.fields())
	{
		if (isPseudoHeader(field))
			continue;
		// NameValueCollection hands out const iterators only; the collection
		// itself is not const, and its order (names grouped, as add() keeps
		// them) does not change since every name stays where it is.
		const_cast<std::string&>(it->second).assign(field.second);
		++it;
	}
	return true;
}

void assignFields(Poco::Net::NameValueCollection& fields, const Codec::HeaderBlock& head, std::size_t count)
{
	if (overwriteInPlace(fields, head, count))
		return;
	fields.clear();
	for (const auto& field : head.fields())
	{
		if (!isPseudoHeader(field))
			fields.add(field.first, field.second);
	}
}

} // namespace

void fillResponse(Poco::Net::HTTPResponse& response, const Codec::HeaderBlock& head)
{
	// nghttp2 puts the pseudo-headers first and allows only :status in a
	// response; find it and count the regular fields in one pass.
	const std::string* pStatus = nullptr;
	std::size_t count = 0;
	for (const auto& field : head.fields())
	{
		if (!isPseudoHeader(field))
			++count;
		else if (!pStatus && field.first == ":status")
			pStatus = &field.second;
	}
	// RFC 9110 §15: three digits, the first 1 to 5 ("-12" and "960" are not
	// statuses; Poco's HTTPStatus could not hold the latter).
	if (!pStatus || !isStatusCode(*pStatus))
		throw Poco::Net::HTTPException("HTTP/2 response without a valid :status");
	const std::string& s = *pStatus;
	const int status = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
	if (response.getVersion() != HTTP2_VERSION)
		response.setVersion(HTTP2_VERSION);
	response.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
	if (!response.empty() || count > MAX_KEPT_FIELDS || head.listSize() > MAX_KEPT_LIST_SIZE)
		return assignFields(response, head, count);
	// A new response (a blocking caller's, typically): fill this thread's
	// copy of the last fields in place and copy it, which costs one
	// allocation for the list (and one per long value) instead of add()'s
	// search of the list, temporary copy and regrowth for every field.
	Poco::Net::NameValueCollection& last = lastResponseFields;
	assignFields(last, head, count);
	static_cast<Poco::Net::NameValueCollection&>(response) = last;
}

} // namespace Adapters
} // namespace PocoH2
