//
// HTTP2ClientParams.h
//
// Parameters of an HTTP2Client.
//

#ifndef PocoH2_HTTP2ClientParams_INCLUDED
#define PocoH2_HTTP2ClientParams_INCLUDED

#include <Poco/Timespan.h>
#include <Poco/Types.h>
#include <Poco/Util/AbstractConfiguration.h>
#include <string>

namespace PocoH2 {

class HTTP2ClientParams
	/// Connection and request settings of an HTTP2Client. A plain value:
	/// configure it, then hand a copy to the client.
{
public:
	HTTP2ClientParams();
		/// Creates the parameters with their defaults.

	static HTTP2ClientParams fromConfiguration(
		const Poco::Util::AbstractConfiguration& config, const std::string& prefix = "h2.client");
		/// Returns the defaults with each parameter whose key is present
		/// under prefix in config set (for example h2.client.maxConnections
		/// = 2). A key is the setter's name without "set" (setTimeout ->
		/// timeout, setHTTP11Fallback -> http11Fallback). Durations are in
		/// seconds (fractions allowed), sizes in bytes (suffix K, M or G
		/// allowed). docs/CONFIGURATION.md lists every key.
		///
		/// Throws Poco::InvalidArgumentException naming the key for a value
		/// that is malformed or out of range, and for a key under prefix that
		/// is not a parameter (a typo).

	void setMaxConnections(int connections);
		/// Sets how many connections the client may hold to its host. A new
		/// connection opens only when there is none or every one is busy (its
		/// open streams reach the server's SETTINGS_MAX_CONCURRENT_STREAMS);
		/// requests beyond that wait for a free stream. Default: 4.

	int getMaxConnections() const;
		/// Returns the maximum number of connections.

	void setTimeout(const Poco::Timespan& timeout);
		/// Sets the per-request timeout: the longest time a request may make
		/// no progress (no response head, no body bytes, no window to send)
		/// before it is reset with RST_STREAM(CANCEL) and fails with
		/// Poco::TimeoutException. Zero disables it. Default: 60 seconds.

	const Poco::Timespan& getTimeout() const;
		/// Returns the per-request timeout.

	void setConnectTimeout(const Poco::Timespan& timeout);
		/// Sets how long connecting (TCP and TLS handshake) may take.
		/// Default: 10 seconds.

	const Poco::Timespan& getConnectTimeout() const;
		/// Returns the connect timeout.

	void setKeepAliveInterval(const Poco::Timespan& interval);
		/// Sets the interval of keepalive PINGs on idle connections; a
		/// connection whose PING is not answered within the interval is
		/// closed. Zero disables them. Default: 30 seconds.

	const Poco::Timespan& getKeepAliveInterval() const;
		/// Returns the keepalive interval.

	void setPriorKnowledge(bool priorKnowledge);
		/// For http:// URLs: speak HTTP/2 from the first byte (h2c with prior
		/// knowledge, RFC 9113 §3.3). The HTTP/1.1 Upgrade dance is not
		/// supported, so a cleartext client needs this. Default: true.

	bool getPriorKnowledge() const;
		/// Returns true if h2c prior knowledge is used.

	void setVerifyHostName(bool verify);
		/// With TLS and a context that verifies certificates, also check that
		/// the certificate is for the host name (or IP address) connected to.
		/// Default: true.

	bool getVerifyHostName() const;
		/// Returns true if the host name is verified.

	void setHTTP11Fallback(bool fallback);
		/// Lets HTTP2ClientSession fall back to Poco's HTTP/1.1
		/// HTTPClientSession (HTTPSClientSession with the same Context) when
		/// the server does not offer HTTP/2. HTTP2Client itself always
		/// throws then. Default: false.

	bool getHTTP11Fallback() const;
		/// Returns true if HTTP2ClientSession may fall back to HTTP/1.1.

	void setMaxAttempts(int attempts);
		/// Sets how often a request the server never processed (refused, or
		/// above a GOAWAY's last stream id) is tried in all. A connection that
		/// refused a stream takes no new one until one of its streams closes.
		/// Default: 5.

	int getMaxAttempts() const;
		/// Returns the maximum number of attempts.

	void setInitialWindowSize(Poco::UInt32 bytes);
		/// Sets the per-stream receive window: how much of a response body
		/// the server may send ahead of the reader. Default: 1 MiB.

	Poco::UInt32 getInitialWindowSize() const;
		/// Returns the per-stream receive window.

	void setConnectionWindowSize(Poco::UInt32 bytes);
		/// Sets the connection-level receive window. Default: 16 MiB.

	Poco::UInt32 getConnectionWindowSize() const;
		/// Returns the connection-level receive window.

	void setStreamBufferSize(Poco::UInt32 bytes);
		/// Sets how much of a streamed request body is buffered before the
		/// writer blocks. Default: 256 KiB.

	Poco::UInt32 getStreamBufferSize() const;
		/// Returns the request body buffer size.

private:
	int _maxConnections;
	Poco::Timespan _timeout;
	Poco::Timespan _connectTimeout;
	Poco::Timespan _keepAliveInterval;
	bool _priorKnowledge;
	bool _verifyHostName;
	bool _http11Fallback;
	int _maxAttempts;
	Poco::UInt32 _initialWindowSize;
	Poco::UInt32 _connectionWindowSize;
	Poco::UInt32 _streamBufferSize;
};

} // namespace PocoH2

#endif // PocoH2_HTTP2ClientParams_INCLUDED
