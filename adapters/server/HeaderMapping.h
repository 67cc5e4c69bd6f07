//
// HeaderMapping.h
//
// Poco HTTP messages <-> HTTP/2 header blocks (RFC 9113 §8.2-8.3).
//

#ifndef PocoH2_Adapters_HeaderMapping_INCLUDED
#define PocoH2_Adapters_HeaderMapping_INCLUDED

#include "codec/HeaderBlock.h"
#include "server/ServerStream.h"
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>

namespace PocoH2 {
namespace Adapters {

bool isConnectionSpecificHeader(const std::string& lowerCaseName, const std::string& value);
	/// True for the headers HTTP/2 forbids (Connection, Keep-Alive,
	/// Proxy-Connection, Transfer-Encoding, Upgrade, and TE other than "trailers").

struct ResponseHead
	/// A response's HEADERS block and what its sender needs to know of it.
{
	Codec::HeaderBlock headers;
	const std::string* pContentLength = nullptr;
		///< the response's (first) Content-Length value, null without one;
		///< points into the response, valid while its fields are unchanged
};

ResponseHead toResponseHead(
	const Poco::Net::HTTPResponse& response, bool withContentLength, Codec::HeaderBlock storage = {});
	/// ":status" and the response's headers with lower-case names, without
	/// the connection-specific ones (and without Content-Length unless
	/// asked), in one pass over the fields. The block is built over
	/// storage (e.g. ServerStream::takeHeadStorage()), whose fields are
	/// overwritten or dropped, reusing their strings.

Codec::HeaderBlock toResponseHeaders(const Poco::Net::HTTPResponse& response, bool withContentLength);
	/// toResponseHead(response, withContentLength).headers.

Poco::Int64 parseContentLength(const std::string& value);
	/// What HTTPMessage::getContentLength64() makes of a Content-Length
	/// value: UNKNOWN_CONTENT_LENGTH if empty, else the number.
	/// Throws Poco::SyntaxException for a value that is not a number.

Poco::Int64 contentLength(const Poco::Net::HTTPMessage& message);
	/// message.getContentLength64() without Poco's slower case-insensitive
	/// comparison of every field name.
	/// Throws Poco::SyntaxException for a value that is not a number.

void setFixedContentLength(Poco::Net::HTTPMessage& message, Poco::UInt64 length);
	/// What message.setContentLength64(length) followed by
	/// message.setChunkedTransferEncoding(false) does (the same fields in
	/// the same order), with one scan of the fields instead of Poco's four.

void fillRequest(Poco::Net::HTTPRequest& request, const Server::RequestHead& head);
	/// Sets method, URI (:path), version "HTTP/2.0", Host (:authority) and the
	/// headers; the cookie fields, which HTTP/2 may split, become one Cookie
	/// header (RFC 9113 §8.2.3). The request's previous fields are replaced:
	/// when they have the same names in the same order (the same client's
	/// next request), their values are overwritten in place, keeping their
	/// storage.

void resetResponseFields(Poco::Net::HTTPResponse& response, const std::string& date, const std::string& server);
	/// Leaves the response with the fields a Poco server gives a new one:
	/// Date, and Server unless server is empty, as clear() and add() would.
	/// When the response starts with those two (the same thread's previous
	/// response), their storage and the field list's are kept.

bool isWorthKeeping(const Poco::Net::NameValueCollection& fields);
	/// True if the fields are few and small enough for a reused request or
	/// response to keep their storage until its next use (at most 32
	/// fields, 8 KiB of strings).

bool expectsContinue(const Server::RequestHead& head);
	/// HTTPRequest::getExpectContinue() of the request fillRequest() makes
	/// of head, read from the wire fields.

} // namespace Adapters
} // namespace PocoH2

#endif
