#include "server/HeaderMapping.h"
#include <Poco/NumberParser.h>
#include <Poco/String.h>
#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstring>

namespace PocoH2 {
namespace Adapters {

namespace {

const std::string HTTP_2_0("HTTP/2.0");
const std::string DATE("Date");
const std::string SERVER("Server");
const std::string NO_NAME;

// What a reused request or response keeps of its fields' storage.
constexpr std::size_t MAX_KEPT_FIELDS = 32;
constexpr std::size_t MAX_KEPT_FIELD_BYTES = 8 * 1024;

// Fields a response may have beyond Date and Server for
// resetResponseFields() to remove them one by one rather than clear all.
constexpr std::size_t MAX_TRIMMED_FIELDS = 8;

char toLowerAscii(char c)
{
	return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

void toLowerAscii(const std::string& name, char* pOut)
	// Writes name lower-cased (ASCII letters only, as Poco's toLower) to
	// pOut, which must have room for name.size() rounded up to 8: eight
	// bytes at a time, without a branch per character.
{
	const std::size_t size = name.size();
	const std::size_t words = (size + 7) / 8;
	if (size % 8 != 0)
		std::memset(pOut + (words - 1) * 8, 0, 8);
	std::memcpy(pOut, name.data(), size);
	for (std::size_t i = 0; i < words; ++i)
	{
		std::uint64_t word;
		std::memcpy(&word, pOut + i * 8, 8);
		// Per byte: the high bit of aboveZ is set if its low 7 bits exceed
		// 'Z', that of fromA if they are at least 'A'; bytes with their own
		// high bit set are not ASCII and stay as they are.
		const std::uint64_t low7 = word & 0x7f7f7f7f7f7f7f7fULL;
		const std::uint64_t aboveZ = low7 + 0x2525252525252525ULL;
		const std::uint64_t fromA = low7 + 0x3f3f3f3f3f3f3f3fULL;
		const std::uint64_t upper = (fromA ^ aboveZ) & ~word & 0x8080808080808080ULL;
		word |= upper >> 2;
		std::memcpy(pOut + i * 8, &word, 8);
	}
}

template <std::size_t N>
bool equalsLowerCase(const std::string& name, const char (&lowerCase)[N])
	// Poco::icompare(name, lowerCase) == 0 (ASCII case folding, as Poco's),
	// without its per-character table lookups.
{
	if (name.size() != N - 1)
		return false;
	for (std::size_t i = 0; i < N - 1; ++i)
	{
		if (toLowerAscii(name[i]) != lowerCase[i])
			return false;
	}
	return true;
}

bool isCookie(const std::string& wireName)
{
	return wireName.size() == 6 && std::memcmp(wireName.data(), "cookie", 6) == 0;
}

bool isSkippedHost(const std::string& wireName, const Server::RequestHead& head)
	// A host field gives way to :authority (RFC 9113 §8.3.1).
{
	return wireName.size() == 4 && std::memcmp(wireName.data(), "host", 4) == 0 && !head.authority.empty();
}

void joinCookies(const Server::RequestHead& head, std::string& cookies)
{
	cookies.clear();
	for (const auto& field : head.headers.fields())
	{
		if (!isCookie(field.first))
			continue;
		if (!cookies.empty())
			cookies += "; ";
		cookies += field.second;
	}
}

class FieldMatcher
	/// Walks a request's fields alongside the names fillRequest() would
	/// give it, to tell whether they are the same.
{
public:
	explicit FieldMatcher(const Poco::Net::NameValueCollection& fields): _it(fields.begin()), _end(fields.end()) {}

	bool next(const std::string& name)
		// True if the next field has this name.
	{
		if (_it == _end || _it->first != name)
			return false;
		++_it;
		return true;
	}

	bool atEnd() const { return _it == _end; }

private:
	Poco::Net::NameValueCollection::ConstIterator _it;
	Poco::Net::NameValueCollection::ConstIterator _end;
};

bool refillInPlace(Poco::Net::HTTPRequest& request, const Server::RequestHead& head)
	// If the request's fields have the names of those the head makes, in the
	// same order, overwrites their values and returns true. The result is
	// what adding the head's fields would build: add() inserts a field after
	// the first run of its name, so a Poco collection never has one name in
	// two places, and the head's names, being the collection's, have not
	// either; adding them keeps their order.
{
	if (request.empty())
		return false;
	FieldMatcher matcher(request);
	bool cookies = false;
	for (const auto& field : head.headers.fields())
	{
		if (isCookie(field.first))
			cookies = true;
		else if (!isSkippedHost(field.first, head) && !matcher.next(field.first))
			return false;
	}
	if (cookies && !matcher.next(Poco::Net::HTTPRequest::COOKIE))
		return false;
	if (!head.authority.empty() && !matcher.next(Poco::Net::HTTPRequest::HOST))
		return false;
	if (!matcher.atEnd())
		return false;

	// Poco offers no mutable iterator; the values it stores are not const,
	// and overwriting them in place keeps their storage (set() would search
	// for each name again).
	auto it = request.begin();
	for (const auto& field : head.headers.fields())
	{
		if (!isCookie(field.first) && !isSkippedHost(field.first, head))
			const_cast<std::string&>((it++)->second) = field.second;
	}
	if (cookies)
		joinCookies(head, const_cast<std::string&>((it++)->second));
	if (!head.authority.empty())
		const_cast<std::string&>(it->second) = head.authority;
	return true;
}

void addFields(Poco::Net::HTTPRequest& request, const Server::RequestHead& head)
{
	bool cookies = false;
	for (const auto& field : head.headers.fields())
	{
		if (isCookie(field.first))
			cookies = true;
		else if (!isSkippedHost(field.first, head))
			request.add(field.first, field.second);
	}
	// add(), not set(): no Cookie field was added, nor a Host one when
	// :authority is there (names are lower case): set() would search twice.
	if (cookies)
	{
		std::string joined;
		joinCookies(head, joined);
		request.add(Poco::Net::HTTPRequest::COOKIE, joined);
	}
	if (!head.authority.empty())
		request.add(Poco::Net::HTTPRequest::HOST, head.authority);
}

void put(Codec::HeaderBlock& headers, std::size_t index, const char* name, std::size_t nameLength,
	const char* value, std::size_t valueLength)
	// Field index of a block being built over an older one's storage.
{
	if (index < headers.size())
		headers.overwrite(index, name, nameLength, value, valueLength);
	else
		headers.add(name, nameLength, value, valueLength);
}

void putStatus(Codec::HeaderBlock& headers, int status)
	// Field 0.
{
	if (status >= 100 && status <= 999)
	{
		const char digits[3] = {static_cast<char>('0' + status / 100), static_cast<char>('0' + status / 10 % 10),
			static_cast<char>('0' + status % 10)};
		put(headers, 0, ":status", 7, digits, 3);
	}
	else
	{
		const std::string digits = std::to_string(status);
		put(headers, 0, ":status", 7, digits.data(), digits.size());
	}
}

} // namespace

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

ResponseHead toResponseHead(const Poco::Net::HTTPResponse& response, bool withContentLength, Codec::HeaderBlock storage)
{
	ResponseHead head;
	Codec::HeaderBlock& headers = head.headers;
	headers = std::move(storage);
	// The fields are written over those the storage has, keeping their
	// strings' capacity, and the rest dropped at the end.
	if (headers.fields().capacity() < response.size() + 1)
		headers.fields().reserve(response.size() + 1);
	putStatus(headers, static_cast<int>(response.getStatus()));
	std::size_t count = 1;
	// Names are lower-cased on the stack and the fields built in place; only
	// names of a length a skipped header has are made into strings to check.
	char lower[64];
	for (const auto& field : response)
	{
		const std::string& name = field.first;
		if (name.size() > sizeof(lower))
		{
			const std::string lowerName = Poco::toLower(name);
			if (!isConnectionSpecificHeader(lowerName, field.second))
				put(headers, count++, lowerName.data(), lowerName.size(), field.second.data(), field.second.size());
			continue;
		}
		toLowerAscii(name, lower);
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
			if (std::memcmp(lower, "content-length", 14) == 0)
			{
				if (!head.pContentLength)
					head.pContentLength = &field.second;
				if (!withContentLength)
					continue;
			}
			break;
		default:
			break;
		}
		put(headers, count++, lower, name.size(), field.second.data(), field.second.size());
	}
	if (count < headers.size())
		headers.truncate(count);
	return head;
}

Codec::HeaderBlock toResponseHeaders(const Poco::Net::HTTPResponse& response, bool withContentLength)
{
	return toResponseHead(response, withContentLength).headers;
}

Poco::Int64 parseContentLength(const std::string& value)
{
	if (value.empty())
		return Poco::Net::HTTPMessage::UNKNOWN_CONTENT_LENGTH;
	// Plain digits, as every Content-Length is, without Poco's parser; the
	// rest (signs, spaces, separators, errors) as Poco parses it.
	if (value.size() <= 18)
	{
		Poco::Int64 result = 0;
		const auto end = std::from_chars(value.data(), value.data() + value.size(), result);
		if (end.ec == std::errc() && end.ptr == value.data() + value.size() && value[0] != '-')
			return result;
	}
	return Poco::NumberParser::parse64(value);
}

Poco::Int64 contentLength(const Poco::Net::HTTPMessage& message)
{
	for (const auto& field : message)
	{
		if (equalsLowerCase(field.first, "content-length"))
			return parseContentLength(field.second);
	}
	return Poco::Net::HTTPMessage::UNKNOWN_CONTENT_LENGTH;
}

void setFixedContentLength(Poco::Net::HTTPMessage& message, Poco::UInt64 length)
{
	bool hasLength = false;
	bool hasEncoding = false;
	for (const auto& field : message)
	{
		hasLength = hasLength || equalsLowerCase(field.first, "content-length");
		hasEncoding = hasEncoding || equalsLowerCase(field.first, "transfer-encoding");
	}
	char digits[24];
	const auto end = std::to_chars(digits, digits + sizeof(digits), length);
	const std::string value(digits, end.ptr);
	// set() replaces the first Content-Length; without one, add() appends
	// as set() would, searching once instead of twice.
	if (hasLength)
		message.set(Poco::Net::HTTPMessage::CONTENT_LENGTH, value);
	else
		message.add(Poco::Net::HTTPMessage::CONTENT_LENGTH, value);
	if (hasEncoding)
		message.erase(Poco::Net::HTTPMessage::TRANSFER_ENCODING);
}

void fillRequest(Poco::Net::HTTPRequest& request, const Server::RequestHead& head)
{
	if (request.getMethod() != head.method)
		request.setMethod(head.method);
	if (request.getURI() != head.path)
		request.setURI(head.path);
	if (request.getVersion() != HTTP_2_0)
		request.setVersion(HTTP_2_0);
	if (!refillInPlace(request, head))
	{
		request.clear();
		addFields(request, head);
	}
}

void resetResponseFields(Poco::Net::HTTPResponse& response, const std::string& date, const std::string& server)
{
	const std::size_t kept = server.empty() ? 1 : 2;
	const std::size_t size = response.size();
	const auto first = response.begin();
	if (size >= kept && size <= kept + MAX_TRIMMED_FIELDS && first->first == DATE
		&& (kept == 1 || std::next(first)->first == SERVER))
	{
		// Poco can neither truncate a collection nor hand out a mutable
		// iterator, but the strings it stores are not const: the fields
		// after the kept ones are given one name, that no kept field has,
		// and one erase() removes them all; the kept values are overwritten
		// in place.
		if (size > kept)
		{
			for (auto it = std::next(first, static_cast<std::ptrdiff_t>(kept)); it != response.end(); ++it)
				const_cast<std::string&>(it->first).clear();
			response.erase(NO_NAME);
		}
		const_cast<std::string&>(first->second) = date;
		if (kept == 2 && std::next(first)->second != server)
			const_cast<std::string&>(std::next(first)->second) = server;
		return;
	}
	response.clear();
	// add(), not set(): nothing to look up in an empty collection.
	response.add(DATE, date);
	if (!server.empty())
		response.add(SERVER, server);
}

bool isWorthKeeping(const Poco::Net::NameValueCollection& fields)
{
	if (fields.size() > MAX_KEPT_FIELDS)
		return false;
	std::size_t bytes = 0;
	for (const auto& field : fields)
		bytes += field.first.capacity() + field.second.capacity();
	return bytes <= MAX_KEPT_FIELD_BYTES;
}

bool expectsContinue(const Server::RequestHead& head)
{
	for (const auto& field : head.headers.fields())
	{
		if (equalsLowerCase(field.first, "expect"))
			return !field.second.empty() && Poco::icompare(field.second, "100-continue") == 0;
	}
	return false;
}

} // namespace Adapters
} // namespace PocoH2
