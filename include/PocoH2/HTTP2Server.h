//
// HTTP2Server.h
//
// A drop-in replacement for Poco::Net::HTTPServer that speaks HTTP/2.
//

#ifndef PocoH2_HTTP2Server_INCLUDED
#define PocoH2_HTTP2Server_INCLUDED

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/ServerSocket.h>
#include <memory>

namespace PocoH2 {

class HTTP2Server
	/// Serves an ordinary Poco HTTPRequestHandlerFactory over HTTP/2 and
	/// HTTP/1.1 on one listening socket:
	///   - cleartext form: HTTP/2 with prior knowledge (h2c) and HTTP/1.1;
	///   - TLS form (with a Poco::Net::Context): h2 negotiated by ALPN, and
	///     HTTP/1.1 for clients that offer only http/1.1 or no ALPN.
	/// HTTP/1.1 is served by Poco's own HTTPServerConnection, so keep-alive,
	/// chunked bodies and WebSocket behave exactly as with HTTPServer.
	///
	/// HTTP/2 connections live on a fixed number of event-loop threads; the
	/// handlers run on a bounded pool, concurrently per connection, so the
	/// number of threads does not grow with the number of connections
	/// (see HTTP2ServerParams).
	///
	/// start(), stop() and stopAll() are meant to be called from one
	/// controlling thread; the counters may be read from any thread.
{
public:
	HTTP2Server(Poco::Net::HTTPRequestHandlerFactory::Ptr pFactory, Poco::UInt16 portNumber = 80,
		Poco::Net::HTTPServerParams::Ptr pParams = nullptr);
		/// Creates a cleartext server listening on all interfaces on the given
		/// port. With no params, an HTTP2ServerParams with defaults is used.

	HTTP2Server(Poco::Net::HTTPRequestHandlerFactory::Ptr pFactory, const Poco::Net::ServerSocket& socket,
		Poco::Net::HTTPServerParams::Ptr pParams);
		/// Creates a cleartext server (h2c and HTTP/1.1) on a bound and
		/// listening socket. pParams may be an HTTP2ServerParams.

	HTTP2Server(Poco::Net::HTTPRequestHandlerFactory::Ptr pFactory, const Poco::Net::ServerSocket& socket,
		Poco::Net::HTTPServerParams::Ptr pParams, Poco::Net::Context::Ptr pContext);
		/// Creates a TLS server (h2 and HTTP/1.1 chosen by ALPN) on a bound and
		/// listening plain ServerSocket. The Context must be a server context
		/// with a certificate and private key; the server installs its ALPN
		/// selection callback on the context's SSL_CTX.

	~HTTP2Server();
		/// Stops the server if it still runs (stopAll(true)).

	HTTP2Server(const HTTP2Server&) = delete;
	HTTP2Server& operator=(const HTTP2Server&) = delete;

	void start();
		/// Starts the event loops, the handler pool and accepting connections.

	void stop();
		/// Stops accepting, sends GOAWAY on every HTTP/2 connection, lets the
		/// streams in flight finish (up to the shutdown grace period of the
		/// params), then closes the connections and returns. HTTP/1.1
		/// connections finish their current request, as in Poco.

	void stopAll(bool abortCurrent = false);
		/// Like stop(); with abortCurrent, connections are closed at once
		/// (HTTP/2 with GOAWAY), without waiting for the streams in flight.

	Poco::UInt16 port() const;
		/// Returns the port the server listens on.

	const Poco::Net::HTTPServerParams& params() const;
		/// Returns the server's parameters.

	bool secure() const;
		/// Returns true for the TLS form.

	int currentConnections() const;
		/// Returns the number of connections open now (HTTP/2 and HTTP/1.1).

	int maxConcurrentConnections() const;
		/// Returns the largest number of connections open at once so far.

	int totalConnections() const;
		/// Returns the number of connections accepted so far.

	int refusedConnections() const;
		/// Returns the number of connections refused (HTTP/1.1 queue full,
		/// failed TLS handshake).

	int currentHTTP2Streams() const;
		/// Returns the number of HTTP/2 streams whose handler runs now.

	int totalHTTP2Streams() const;
		/// Returns the number of HTTP/2 requests dispatched so far.

	int currentThreads() const;
		/// Returns the threads the server owns: event loops plus handler pool
		/// (not counting Poco's HTTP/1.1 pool threads).

private:
	class Impl;
	std::unique_ptr<Impl> _pImpl;
};

} // namespace PocoH2

#endif // PocoH2_HTTP2Server_INCLUDED
