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
};

} // namespace PocoH2

#endif // PocoH2_HTTP2ServerParams_INCLUDED
