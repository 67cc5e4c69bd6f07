//
// ClientConnection.h
//
// One client connection on the engine's loop thread: non-blocking connect,
// TLS handshake with ALPN (or h2c with prior knowledge), then the HTTP/2
// session: requests encoded into the codec ("write loop"), responses
// dispatched to their streams by id ("read loop"), output written once per
// loop turn.
//

#ifndef PocoH2_Client_ClientConnection_INCLUDED
#define PocoH2_Client_ClientConnection_INCLUDED

#include "PocoH2/HTTP2Exception.h"
#include "client/ClientStream.h"
#include "codec/Http2Codec.h"
#include "transport/Channel.h"
#include "transport/CodecPump.h"
#include "transport/EventLoop.h"
#include "transport/TlsChannel.h"
#include <Poco/Exception.h>
#include <Poco/Net/SocketAddress.h>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace PocoH2 {
namespace Client {

class ClientEngine;

class ClientConnection : public Transport::IoHandler,
						 public Transport::Flushable,
						 private Codec::CodecListener,
						 public std::enable_shared_from_this<ClientConnection>
	/// Threading: lives on the engine's loop thread; every member function
	/// runs there (callers reach it only through tasks posted by their
	/// ClientStream or the engine). The codec, the stream map and the output
	/// buffer therefore need no lock: the loop thread is both the read loop
	/// and the write loop of the design.
{
public:
	using Ptr = std::shared_ptr<ClientConnection>;

	ClientConnection(ClientEngine& engine, Transport::EventLoop& loop, std::uint64_t number);
	~ClientConnection() override;

	void open(const Poco::Net::SocketAddress& address);
		/// Starts connecting; failures close the connection (and fail the
		/// streams given to it so far).

	void submit(const ClientStream::Ptr& pStream);
		/// Takes a stream: encodes it now if the session runs, else when it
		/// starts.

	std::size_t load() const { return _streams.size() + _pending.size(); }
		/// Streams on this connection (open or waiting for it to be ready).

	std::size_t capacity() const;
		/// How many streams the server allows at once
		/// (SETTINGS_MAX_CONCURRENT_STREAMS; 100 until its SETTINGS arrive).

	bool acceptsStreams() const { return _state != State::CLOSED && !_goingAway; }

	bool idle() const { return load() == 0; }

	void collectStreams(std::vector<ClientStream::Ptr>& streams) const;
		/// Appends the streams on this connection (open or waiting for it).

	void close(const Poco::Exception& reason);
		/// Best-effort GOAWAY, then closes at once; its streams fail with reason.

	// Tasks posted by ClientStream and the engine.
	void resumeBody(const ClientStream::Ptr& pStream);
	void credit(const ClientStream::Ptr& pStream, std::size_t length);
	void cancel(const ClientStream::Ptr& pStream);
	void timeout(const ClientStream::Ptr& pStream, const Poco::Exception& error);

	void onIoEvent(std::uint32_t events) override;
	void flush() override;

	std::uint64_t number() const { return _number; }

private:
	enum class State
	{
		CONNECTING, ///< non-blocking connect in progress
		HANDSHAKE,	///< TLS handshake in progress
		HTTP2,		///< HTTP/2 session running
		CLOSED		///< closed; waiting to be released
	};

	// CodecListener
	void onHeaders(std::int32_t streamId, Codec::HeadersKind kind, Codec::HeaderBlock& headers, bool endStream,
		bool headerListTooLarge) override;
	void onData(std::int32_t streamId, const std::uint8_t* data, std::size_t length) override;
	void onStreamEnd(std::int32_t streamId) override;
	void onStreamClose(std::int32_t streamId, std::uint32_t errorCode) override;
	void onGoAway(std::int32_t lastStreamId, std::uint32_t errorCode) override;
	void onPingAck() override;
	void onResetSent(std::int32_t streamId, std::uint32_t errorCode) override;

	void armKeepAlive();
	void onKeepAlive();
	void armIdleMemoryRelease();
		///< the connection has no stream now: release its idle memory IDLE_MEMORY_DELAY later unless busy again
	void armIdleMemoryTimer(Transport::EventLoop::Clock::duration delay);
	void onIdleMemoryTimer();
	void releaseIdleMemory();

	void finishConnect();
	void continueHandshake();
	void startHttp2();
	void encode(const ClientStream::Ptr& pStream);
		/// Opens the stream (not finished) on the running session.
	void readAvailable();
	void deferWake(std::int32_t streamId);
		/// The stream's caller is woken by the next wakeCallers().
	void wakeCallers();
	void scheduleFlush();
	void setInterest(std::uint32_t events);
	void closeNow(const Poco::Exception& reason);
	void closeWithError(std::uint32_t errorCode, const Poco::Exception& reason);
	HTTP2Exception protocolError() const;
	std::string closedByServer() const;
	std::string resetMessage(std::int32_t streamId, std::uint32_t errorCode, bool resetByUs) const;
	void closeIfDrained();
	void postCloseIfDrained();
	void detachStream(const ClientStream::Ptr& pStream);
	ClientStream* findStream(std::int32_t id);
	std::string describe() const;

	ClientEngine& _engine;
	Transport::EventLoop& _loop;
	const std::uint64_t _number;
	std::unique_ptr<Transport::Channel> _pChannel;
	Transport::TlsChannel* _pTls = nullptr; ///< _pChannel as TLS, or null
	State _state = State::CONNECTING;
	std::uint32_t _interest = 0;
	bool _flushQueued = false;
	bool _goingAway = false;			 ///< GOAWAY received: no new streams
	std::int32_t _goAwayLastStreamId = -1; ///< streams above it were never processed
	std::uint32_t _goAwayErrorCode = 0;	 ///< the error code of the server's GOAWAY
	std::unordered_map<std::int32_t, std::uint32_t> _resetsSent; ///< RST_STREAM codes we sent, until the close
	bool _receivedAny = false;
	bool _saturated = false; ///< the last stream closed was refused
	Transport::EventLoop::TimerId _connectTimer = 0;
	Transport::EventLoop::TimerId _keepAliveTimer = 0;
	Transport::EventLoop::TimerId _idleMemoryTimer = 0;
	Transport::EventLoop::Clock::time_point _idleSince; ///< when the last stream closed
	bool _readSinceKeepAlive = false; ///< bytes arrived during the last interval
	bool _pingOutstanding = false;
	std::unique_ptr<Codec::Http2Codec> _pCodec;
	using StreamMap = std::unordered_map<std::int32_t, ClientStream::Ptr>;
	StreamMap _streams;
	std::vector<StreamMap::node_type> _spareNodes; ///< nodes of closed streams, for the next ones (no allocation)
	std::vector<ClientStream::Ptr> _pending; ///< given before the session started
	std::vector<ClientStream::Ptr> _toWake;	 ///< callers to wake at the end of this read batch
	Transport::CodecPump _pump;
};

} // namespace Client
} // namespace PocoH2

#endif
