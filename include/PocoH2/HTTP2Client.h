//
// HTTP2Client.h
//
// A thread-safe, multiplexing HTTP/2 client for one host.
//

#ifndef PocoH2_HTTP2Client_INCLUDED
#define PocoH2_HTTP2Client_INCLUDED

#include "PocoH2/HTTP2ClientParams.h"
#include <Poco/Exception.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/URI.h>
#include <functional>
#include <future>
#include <istream>
#include <memory>
#include <ostream>
#include <string>

namespace PocoH2 {

class HTTP2ClientSession;

class HTTP2Client
	/// Sends requests to one host (scheme, host, port) over HTTP/2: h2 over
	/// TLS negotiated by ALPN, or h2c with prior knowledge. The client holds
	/// 0..N connections (HTTP2ClientParams::setMaxConnections()); requests
	/// from any number of threads are multiplexed over them, and a new
	/// connection opens only when every existing one is busy.
	///
	/// All connections live on one event-loop thread the client owns; a
	/// request is queued to it, encoded there, and its response is handed
	/// back to the waiting caller (see docs/CLIENT.md for why one loop).
	///
	/// Requests the server never processed (REFUSED_STREAM, or above a
	/// GOAWAY's last stream id) are retried on another connection. Other
	/// failures throw: Poco::TimeoutException (request or connect timeout,
	/// a server that never sends its SETTINGS), HTTP2StreamResetException
	/// (the server reset the stream, or its response was malformed and the
	/// client reset it; code() is the HTTP/2 error code),
	/// HTTP2ConnectionClosedException (the connection was lost),
	/// HTTP2Exception (the server does not speak HTTP/2, or broke the
	/// protocol: code() is the error code of the GOAWAY the client sent),
	/// Poco::Net::ConnectionRefusedException, and for TLS
	/// Poco::Net::CertificateValidationException / Poco::Net::SSLException.
	///
	/// Thread-safe: every member function may be called from any thread,
	/// except that close() and the destructor must not run inside an
	/// asynchronous callback.
{
public:
	struct Result
		/// The outcome of sendRequestAsync().
	{
		Poco::Net::HTTPResponse response;
		std::string body;
	};

	using Callback = std::function<void(Poco::Net::HTTPResponse& response, std::string& body, const Poco::Exception* pError)>;
		/// Called once per asynchronous request, on the client's loop thread:
		/// with pError null and the response and body, or with the error.
		/// It must not block nor call close(); it may send further requests.

	HTTP2Client(const std::string& host, Poco::UInt16 port, const HTTP2ClientParams& params = HTTP2ClientParams());
		/// Creates a cleartext client (h2c with prior knowledge) for host:port.
		/// Throws Poco::NotImplementedException if params disable prior
		/// knowledge (the HTTP/1.1 Upgrade is not supported).

	HTTP2Client(const std::string& host, Poco::UInt16 port, Poco::Net::Context::Ptr pContext,
		const HTTP2ClientParams& params = HTTP2ClientParams());
		/// Creates a TLS client for host:port. pContext must be a client
		/// context; its verification mode and CA locations decide how the
		/// server certificate is checked, the Poco way (VERIFY_NONE accepts
		/// any certificate). The client sets ALPN on its own SSL objects; the
		/// context is shared, not modified.

	explicit HTTP2Client(const Poco::URI& uri, Poco::Net::Context::Ptr pContext = nullptr,
		const HTTP2ClientParams& params = HTTP2ClientParams());
		/// Creates a client for the scheme, host and port of an http:// or
		/// https:// URI. For https without a context, a client context with
		/// relaxed verification and the system's CA certificates is used.
		/// Throws Poco::InvalidArgumentException for other schemes.

	~HTTP2Client();
		/// Calls close().

	HTTP2Client(const HTTP2Client&) = delete;
	HTTP2Client& operator=(const HTTP2Client&) = delete;

	void sendRequest(Poco::Net::HTTPRequest& request, std::istream* pRequestBody, Poco::Net::HTTPResponse& response,
		std::ostream& responseBody);
		/// Sends request and blocks until the whole response arrived: its
		/// head fills response (version "HTTP/2.0"), its body is written to
		/// responseBody as it arrives. With pRequestBody, the request body is
		/// read from it a frame at a time as the server's windows allow (no
		/// Content-Length is needed); both bodies stream with bounded memory.
		/// Throws the errors listed above.

	std::string sendRequest(Poco::Net::HTTPRequest& request, Poco::Net::HTTPResponse& response,
		const std::string& requestBody = std::string());
		/// Sends request with an in-memory body and returns the response
		/// body. A non-empty body sets Content-Length unless the request has one.

	std::future<Result> sendRequestAsync(const Poco::Net::HTTPRequest& request, std::string requestBody = std::string());
		/// Sends request without blocking; the future yields the response and
		/// its body, or throws the error.

	void sendRequestAsync(const Poco::Net::HTTPRequest& request, std::string requestBody, Callback callback);
		/// Sends request without blocking; callback gets the outcome.

	void close();
		/// Ends every connection and the loop thread; requests in flight fail
		/// with HTTP2ConnectionClosedException and later ones throw
		/// Poco::IllegalStateException.

	const std::string& host() const;
		/// Returns the host name.

	Poco::UInt16 port() const;
		/// Returns the port.

	bool secure() const;
		/// Returns true for TLS.

	const HTTP2ClientParams& params() const;
		/// Returns the parameters.

	int currentConnections() const;
		/// Returns the number of connections open (or opening) now.

	int totalConnections() const;
		/// Returns the number of connections opened so far.

private:
	friend class HTTP2ClientSession;
	class Impl;
	std::shared_ptr<Impl> _pImpl;
};

} // namespace PocoH2

#endif // PocoH2_HTTP2Client_INCLUDED
