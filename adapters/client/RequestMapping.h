//
// RequestMapping.h
//
// Poco client messages <-> HTTP/2 header blocks (RFC 9113 §8.3): the
// request's pseudo-headers and fields, the response's status and fields.
//

#ifndef PocoH2_Adapters_RequestMapping_INCLUDED
#define PocoH2_Adapters_RequestMapping_INCLUDED

#include "codec/HeaderBlock.h"
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <string>

namespace PocoH2 {
namespace Adapters {

Codec::HeaderBlock toRequestHeaders(const Poco::Net::HTTPRequest& request, const std::string& scheme,
	const std::string& defaultAuthority);
	/// :method, :scheme, :authority (the Host header, else defaultAuthority),
	/// :path (the URI's path and query; "/" when empty, "*" for OPTIONS *; an
	/// absolute URI gives its own authority), then the other fields with
	/// lower-case names, without Host and the connection-specific ones (TE
	/// only as "trailers"). Cookie is split at "; " into one field per
	/// cookie, which compresses better (RFC 9113 §8.2.3).
	/// Throws Poco::Net::HTTPException for CONNECT (not supported).

bool requestHasBody(const Poco::Net::HTTPRequest& request);
	/// As Poco's HTTPClientSession decides: a Content-Length above zero,
	/// chunked transfer encoding, or POST/PUT/PATCH without Content-Length.

void fillResponse(Poco::Net::HTTPResponse& response, const Codec::HeaderBlock& head);
	/// Clears response, then sets version "HTTP/2.0", the status with its
	/// standard reason phrase, and the fields (repeated ones such as
	/// set-cookie stay separate). Throws Poco::Net::HTTPException for a
	/// missing or malformed :status.

} // namespace Adapters
} // namespace PocoH2

#endif
