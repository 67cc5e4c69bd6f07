//
// HTTP2ClientSession.h
//
// Poco::Net::HTTPClientSession's request/response shape over HTTP/2.
//

#ifndef PocoH2_HTTP2ClientSession_INCLUDED
#define PocoH2_HTTP2ClientSession_INCLUDED

#include "PocoH2/HTTP2Client.h"
#include "PocoH2/HTTP2ClientParams.h"
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Timespan.h>

namespace Poco {
namespace Net {
class HTTPClientSession;
}
} // namespace Poco
#include <istream>
#include <memory>
#include <ostream>
#include <string>

namespace PocoH2 {

class HTTP2ClientSession
	/// One request at a time, as with Poco::Net::HTTPClientSession, so that
	/// existing client code ports by changing the class name:
	///
	///     PocoH2::HTTP2ClientSession session("example.com", 443, pContext);
	///     HTTPRequest request(HTTPRequest::HTTP_POST, "/upload");
	///     request.setContentLength(body.size());
	///     session.sendRequest(request) << body;
	///     HTTPResponse response;
	///     std::istream& rs = session.receiveResponse(response);
	///
	/// A session either owns an HTTP2Client for its host or shares one given
	/// to it; sessions sharing a client multiplex over its connections, so
	/// one session per thread is the way to run requests in parallel.
	///
	/// Differences from HTTPClientSession: the response version is
	/// "HTTP/2.0"; the body streams report errors (timeout, reset, lost
	/// connection) by throwing, their exception mask includes badbit.
	///
	/// With HTTP2ClientParams::setHTTP11Fallback(), a server that does not
	/// offer HTTP/2 is spoken to through Poco's HTTPClientSession (or
	/// HTTPSClientSession) instead: the request that found out is sent again
	/// over HTTP/1.1 if it had no body (one with a body throws the
	/// HTTP2Exception), and every later request goes over HTTP/1.1.
	///
	/// Threading: like HTTPClientSession, one thread at a time.
{
public:
	HTTP2ClientSession(const std::string& host, Poco::UInt16 port = 80,
		const HTTP2ClientParams& params = HTTP2ClientParams());
		/// Creates a session with its own cleartext (h2c) client.

	HTTP2ClientSession(const std::string& host, Poco::UInt16 port, Poco::Net::Context::Ptr pContext,
		const HTTP2ClientParams& params = HTTP2ClientParams());
		/// Creates a session with its own TLS client.

	explicit HTTP2ClientSession(HTTP2Client& client);
		/// Creates a session that sends its requests through client, which
		/// must outlive the session.

	~HTTP2ClientSession();
		/// Abandons an exchange still in progress (RST_STREAM CANCEL).

	HTTP2ClientSession(const HTTP2ClientSession&) = delete;
	HTTP2ClientSession& operator=(const HTTP2ClientSession&) = delete;

	std::ostream& sendRequest(Poco::Net::HTTPRequest& request);
		/// Sends the request head and returns the stream to write its body to
		/// (a body is expected when the request has a Content-Length above
		/// zero, uses chunked transfer encoding, or is a POST, PUT or PATCH
		/// without Content-Length). The body ends with receiveResponse().
		/// A previous exchange not read to its end is abandoned.

	std::istream& receiveResponse(Poco::Net::HTTPResponse& response);
		/// Ends the request body, waits for the response head, fills
		/// response and returns the stream of the response body, readable as
		/// it arrives. Throws the HTTP2Client errors.

	void reset();
		/// Abandons the exchange in progress, if any.

	void setTimeout(const Poco::Timespan& timeout);
		/// Sets the per-request timeout of this session's requests (see
		/// HTTP2ClientParams::setTimeout()); zero means the client's.

	Poco::Timespan getTimeout() const;
		/// Returns the session's request timeout.

	const std::string& getHost() const;
		/// Returns the host.

	Poco::UInt16 getPort() const;
		/// Returns the port.

	bool secure() const;
		/// Returns true for TLS.

	HTTP2Client& client();
		/// Returns the client the session uses.

	bool usesHTTP11() const;
		/// True when the last request went over the HTTP/1.1 fallback.

private:
	class Exchange;
	Poco::Net::HTTPClientSession& http11Session();
	bool fallbackAllowed() const;

	std::unique_ptr<HTTP2Client> _pOwnClient;
	HTTP2Client& _client;
	Poco::Timespan _timeout;
	std::unique_ptr<Exchange> _pExchange;
	std::unique_ptr<Poco::Net::HTTPClientSession> _pHttp11;
	bool _usingHttp11 = false;
	std::unique_ptr<Poco::Net::HTTPRequest> _pLastRequest; ///< a body-less request, kept to resend it over HTTP/1.1
};

} // namespace PocoH2

#endif // PocoH2_HTTP2ClientSession_INCLUDED
