//
// HTTP2ServerParams.h
//
// Parameters of an HTTP2Server.
//

#ifndef PocoH2_HTTP2ServerParams_INCLUDED
#define PocoH2_HTTP2ServerParams_INCLUDED

#include <Poco/AutoPtr.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Types.h>
#include <Poco/Util/AbstractConfiguration.h>
#include <string>

namespace PocoH2 {

class HTTP2ServerParams : public Poco::Net::HTTPServerParams
	/// Everything Poco's HTTPServerParams configures (server name, software
	/// version, timeouts, keep-alive and thread settings for HTTP/1.1), plus
	/// the HTTP/2 settings of an HTTP2Server.
	///
	/// An HTTP2Server also accepts a plain HTTPServerParams; it then uses the
	/// defaults below for the HTTP/2 settings.
	///
	/// Thread use of an HTTP2Server:
	///   - getIOThreads() event-loop threads own all HTTP/2 connections;
	///   - getMaxThreads() (inherited; 0 means 16) handler threads run the
	///     request handlers of HTTP/2 streams;
	///   - HTTP/1.1 connections are served by Poco's own HTTP/1.1 machinery
	///     on a separate pool of getMaxThreads() threads with getMaxQueued()
	///     queued connections, exactly as Poco's HTTPServer would serve them.
	///
	/// Not thread-safe: configure before handing to the server.
{
public:
	using Ptr = Poco::AutoPtr<HTTP2ServerParams>;

	HTTP2ServerParams();
		/// Creates the parameters with their defaults.

	static Ptr fromConfiguration(const Poco::Util::AbstractConfiguration& config, const std::string& prefix = "h2.server");
		/// Creates the parameters with their defaults, then sets each one
		/// whose key is present under prefix in config (for example
		/// h2.server.maxConcurrentStreams = 256 in an application's
		/// .properties file). A key is the setter's name without "set"
		/// (setIdleTimeout -> idleTimeout), including the inherited
		/// HTTPServerParams keys serverName, softwareVersion, timeout,
		/// keepAlive, maxKeepAliveRequests, keepAliveTimeout, maxThreads,
		/// maxQueued, threadIdleTime and threadPriority.
		/// Durations are in seconds (fractions allowed), sizes in bytes
		/// (suffix K, M or G allowed). docs/CONFIGURATION.md lists every key.
		///
		/// Throws Poco::InvalidArgumentException naming the key for a value
		/// that is malformed or out of range, and for a key under prefix that
		/// is not a parameter (a typo).

	void setIOThreads(int threads);
		/// Sets the number of event-loop threads. Default: 1.

	int getIOThreads() const;
		/// Returns the number of event-loop threads.

	void setMaxConcurrentStreams(Poco::UInt32 streams);
		/// Sets SETTINGS_MAX_CONCURRENT_STREAMS. A stream keeps its slot until
		/// its handler returns, so this also bounds the handlers in flight per
		/// connection. Default: 1024.

	Poco::UInt32 getMaxConcurrentStreams() const;
		/// Returns SETTINGS_MAX_CONCURRENT_STREAMS.

	void setInitialWindowSize(Poco::UInt32 bytes);
		/// Sets SETTINGS_INITIAL_WINDOW_SIZE, the per-stream receive window.
		/// Default: 1 MiB.

	Poco::UInt32 getInitialWindowSize() const;
		/// Returns the per-stream receive window.

	void setConnectionWindowSize(Poco::UInt32 bytes);
		/// Sets the connection-level receive window. Default: 16 MiB.

	Poco::UInt32 getConnectionWindowSize() const;
		/// Returns the connection-level receive window.

	void setMaxFrameSize(Poco::UInt32 bytes);
		/// Sets SETTINGS_MAX_FRAME_SIZE (16384 to 16777215). Default: 16384.

	Poco::UInt32 getMaxFrameSize() const;
		/// Returns SETTINGS_MAX_FRAME_SIZE.

	void setMaxHeaderListSize(Poco::UInt32 bytes);
		/// Sets SETTINGS_MAX_HEADER_LIST_SIZE; a request whose header list is
		/// larger (names + values + 32 per field) is answered 431.
		/// Default: 1 MiB.

	Poco::UInt32 getMaxHeaderListSize() const;
		/// Returns the maximum header list size.

	void setStreamBufferSize(Poco::UInt32 bytes);
		/// Sets the size of the per-stream response buffer: a handler writing
		/// a body blocks while this much is buffered and not yet sent.
		/// Default: 256 KiB.

	Poco::UInt32 getStreamBufferSize() const;
		/// Returns the per-stream response buffer size.

	void setMaxRequestBodySize(Poco::UInt64 bytes);
		/// Sets the largest request body accepted, 0 for no limit. A request
		/// whose Content-Length is larger is answered 413 without running a
		/// handler; one that sends more bytes than the limit is reset
		/// (RST_STREAM CANCEL). Default: 0 (no limit; uploads stream with
		/// back-pressure, so a large body costs no memory).

	Poco::UInt64 getMaxRequestBodySize() const;
		/// Returns the request body limit (0: none).

	void setIdleTimeout(const Poco::Timespan& timeout);
		/// Sets how long a connection may stay without open streams before
		/// the server sends GOAWAY and closes it. 0 disables. Default: 60 s.
		/// (A handler waiting for request body bytes gives up after
		/// HTTPServerParams::getTimeout() and the request gets 408; a
		/// response the peer takes nothing of for that long, its
		/// flow-control window staying closed, is reset with
		/// RST_STREAM(CANCEL), and a connection whose socket it does not
		/// read is closed.)

	const Poco::Timespan& getIdleTimeout() const;
		/// Returns the idle-connection timeout.

	void setPingInterval(const Poco::Timespan& interval);
		/// Sets after how long without input from the peer the server sends
		/// a keepalive PING. 0 disables. Default: 30 s.

	const Poco::Timespan& getPingInterval() const;
		/// Returns the keepalive PING interval.

	void setPingTimeout(const Poco::Timespan& timeout);
		/// Sets how long the server waits for a PING's acknowledgement
		/// before it considers the peer dead and closes. Default: 10 s.

	const Poco::Timespan& getPingTimeout() const;
		/// Returns the PING acknowledgement timeout.

	void setMaxConnections(int connections);
		/// Sets the most connections open at once (HTTP/2 and HTTP/1.1
		/// together, counting those still in the TLS handshake); further ones
		/// are closed as soon as accepted and counted as refused.
		/// 0 for no limit (the process's descriptor limit still applies).
		/// Default: 0.

	int getMaxConnections() const;
		/// Returns the connection limit (0: none).

	void setMaxConnectionHandlers(int handlers);
		/// Sets how many handlers of requests with a body still arriving one
		/// HTTP/2 connection may have running or queued at once; its further
		/// uploads wait, in order, for one of them to return. (Requests
		/// whose body is complete, e.g. every GET, are not limited.) This
		/// keeps a connection whose handlers block (uploads that never
		/// arrive, each holding a handler thread up to the read timeout)
		/// from taking the whole handler pool. Raise it
		/// when few connections carry many users' requests (a proxy in
		/// front). 0 for a quarter of the handler threads (getMaxThreads()),
		/// at least 2. Default: 0.

	int getMaxConnectionHandlers() const;
		/// Returns the per-connection handler share (0: a quarter of the
		/// handler threads, at least 2).

	void setInlineHandlers(bool inlineHandlers);
		/// With true, a request that is complete by the end of the read
		/// that brought its headers (every GET or HEAD, and a POST whose
		/// small body came in the same read) is handled on the connection's
		/// I/O thread right after that read, instead of being handed to the
		/// handler pool: no thread switch, and a turn's responses go out in
		/// one write. Requests whose body is still arriving keep using the
		/// pool.
		///
		/// Only for handlers that never block (no waiting on databases,
		/// other servers, locks or sleeps): while a handler runs, every
		/// connection of that I/O thread waits. Its response body is not
		/// bounded by getStreamBufferSize(): each time that much has
		/// gathered, what the socket and the client's flow-control window
		/// take is sent at once, and the rest is held in memory (with a
		/// client slower than the handler, or whose flow-control window is
		/// smaller than getStreamBufferSize(), most or all of it). Requests
		/// that arrive meanwhile are handled in a later turn of the I/O
		/// thread, so that other connections get theirs. Default: false.

	bool getInlineHandlers() const;
		/// Returns whether complete requests are handled on the I/O threads.

	void setShutdownGracePeriod(const Poco::Timespan& period);
		/// Sets how long stop() lets in-flight streams finish after the
		/// GOAWAY before it closes their connections. Default: 10 seconds.

	const Poco::Timespan& getShutdownGracePeriod() const;
		/// Returns the shutdown grace period.

protected:
	~HTTP2ServerParams() override;

private:
	int _ioThreads;
	Poco::UInt32 _maxConcurrentStreams;
	Poco::UInt32 _initialWindowSize;
	Poco::UInt32 _connectionWindowSize;
	Poco::UInt32 _maxFrameSize;
	Poco::UInt32 _maxHeaderListSize;
	Poco::UInt32 _streamBufferSize;
	Poco::Timespan _shutdownGracePeriod;
	Poco::UInt64 _maxRequestBodySize;
	Poco::Timespan _idleTimeout;
	Poco::Timespan _pingInterval;
	Poco::Timespan _pingTimeout;
	int _maxConnections;
	int _maxConnectionHandlers;
	bool _inlineHandlers;
};

} // namespace PocoH2

#endif // PocoH2_HTTP2ServerParams_INCLUDED
