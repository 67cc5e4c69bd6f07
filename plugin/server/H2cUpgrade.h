//
// H2cUpgrade.h
//
// Recognising an HTTP/1.1 request that asks to switch to HTTP/2 over
// cleartext (RFC 7540 §3.2: "Upgrade: h2c" with HTTP2-Settings), from the
// bytes at the start of a connection. Bytes only: no socket, no Poco HTTP.
//

#ifndef PocoH2_Server_H2cUpgrade_INCLUDED
#define PocoH2_Server_H2cUpgrade_INCLUDED

#include "server/ServerStream.h"
#include <cstddef>
#include <string>

namespace PocoH2 {
namespace Server {

struct H2cUpgradeRequest
{
	enum class Verdict
	{
		INCOMPLETE, ///< the request head has not fully arrived yet
		UPGRADE,	///< a valid upgrade request without body: switch
		HTTP1		///< anything else: serve as HTTP/1.1
	};

	Verdict verdict = Verdict::INCOMPLETE;
	std::size_t headLength = 0; ///< bytes of request line and headers, with the empty line
	RequestHead request;		///< the request, in HTTP/2 terms, for stream 1
	std::string settings;		///< the decoded HTTP2-Settings payload

	static constexpr std::size_t MAX_HEAD = 16 * 1024;
		///< a longer head is never taken for an upgrade

	static H2cUpgradeRequest parse(const char* data, std::size_t length);
		/// Looks at the first bytes of a cleartext connection.
};

} // namespace Server
} // namespace PocoH2

#endif
