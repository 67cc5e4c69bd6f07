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

private:
	class Exchange;
	std::unique_ptr<HTTP2Client> _pOwnClient;
	HTTP2Client& _client;
	Poco::Timespan _timeout;
	std::unique_ptr<Exchange> _pExchange;
};

} // namespace PocoH2

#endif // PocoH2_HTTP2ClientSession_INCLUDED
