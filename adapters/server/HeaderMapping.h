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

void fillRequest(Poco::Net::HTTPRequest& request, const Server::RequestHead& head);
	/// Sets method, URI (:path), version "HTTP/2.0", Host (:authority) and the
	/// headers; the cookie fields, which HTTP/2 may split, become one Cookie
	/// header (RFC 9113 §8.2.3).

} // namespace Adapters
} // namespace PocoH2

#endif
