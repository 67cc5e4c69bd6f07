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

Codec::HeaderBlock toResponseHeaders(const Poco::Net::HTTPResponse& response, bool withContentLength);
	/// ":status" and the response's headers with lower-case names, without
	/// the connection-specific ones (and without Content-Length unless asked).

Poco::Int64 contentLength(const Poco::Net::HTTPMessage& message);
	/// message.getContentLength64() without Poco's slower case-insensitive
	/// comparison of every field name.
	/// Throws Poco::SyntaxException for a value that is not a number.

void fillRequest(Poco::Net::HTTPRequest& request, const Server::RequestHead& head);
	/// Sets method, URI (:path), version "HTTP/2.0", Host (:authority) and the
	/// headers; the cookie fields, which HTTP/2 may split, become one Cookie
	/// header (RFC 9113 §8.2.3).

void borrowFieldStorage(Poco::Net::NameValueCollection& fields);
	/// Gives an empty collection the storage that returnFieldStorage() kept
	/// on this thread, if any: a request's or response's usual fields then
	/// fit without regrowing it (Poco offers no reserve()).

void returnFieldStorage(Poco::Net::NameValueCollection& fields) noexcept;
	/// Clears fields, keeping their storage for the next borrowFieldStorage()
	/// on this thread (up to two collections: a request and its response).

} // namespace Adapters
} // namespace PocoH2

#endif
