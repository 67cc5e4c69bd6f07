//
// ServerConnection.h
//
// One accepted connection on its loop thread: TLS handshake and ALPN, or
// sniffing the cleartext preface; then either the HTTP/2 session (codec,
// stream table, writes batched once per loop turn) or a hand-off of the
// socket to the HTTP/1.1 server.
//

#ifndef PocoH2_Server_ServerConnection_INCLUDED
#define PocoH2_Server_ServerConnection_INCLUDED

#include "codec/Http2Codec.h"
#include "server/FloodGuard.h"
#include "server/H2cUpgrade.h"
#include "server/ServerStream.h"
#include "server/StreamTable.h"
#include "transport/Channel.h"
#include "transport/CodecPump.h"
#include "transport/EventLoop.h"
#include "transport/TlsChannel.h"
#include <deque>
#include <memory>
#include <openssl/ssl.h>
#include <string>

namespace PocoH2 {
namespace Server {

class ServerEngine;

class ServerConnection : public Transport::IoHandler,
						 public Transport::Flushable,
						 private Codec::CodecListener,
						 public std::enable_shared_from_this<ServerConnection>
	/// Threading: lives on one loop thread; every member function runs there
	/// (handlers reach it only through tasks posted by their ServerStream).
	/// The codec, stream table and output buffer therefore need no lock.
{
public:
	ServerConnection(ServerEngine& engine, Transport::EventLoop& loop, int fd, SSL_CTX* pTlsContext);
	~ServerConnection() override;

	void open();
		/// Registers with the loop and starts the handshake or the sniffing.

	void shutdown();
		/// Graceful: GOAWAY, then close once the streams in flight are done.
	void abort();
		/// Closes at once.

	void deliverEvents(ServerStream& stream);
		/// Applies what the stream's handler did (the task ServerStream
		/// posts); the stream may already be closed.
	void sendInlineOutput(ServerStream& stream);
		/// A handler running inline on this loop thread has buffered another
		/// response buffer's worth of body: applies what it did so far
		/// (deliverEvents()) and writes what the socket and the peer's
		/// windows take now. The connection may close meanwhile (the
		/// stream is then closed, and the handler's next write throws).

	void onIoEvent(std::uint32_t events) override;
	void flush() override;

private:
	enum class State
	{
		HANDSHAKE, ///< TLS handshake in progress
		SNIFF,	   ///< cleartext: waiting for the first bytes to tell h2c, h2c Upgrade and HTTP/1.1 apart
		HTTP2,	   ///< HTTP/2 session running
		CLOSED	   ///< closed or handed off; waiting to be released
	};

	// CodecListener
	bool onStreamBegin(std::int32_t streamId) override;
	void onHeaders(std::int32_t streamId, Codec::HeadersKind kind, Codec::HeaderBlock& headers, bool endStream,
		bool headerListTooLarge) override;
	void onData(std::int32_t streamId, const std::uint8_t* data, std::size_t length) override;
	void onStreamEnd(std::int32_t streamId) override;
	void onStreamClose(std::int32_t streamId, std::uint32_t errorCode) override;
	void onPingAck() override;
	void onLocalStreamEnd(std::int32_t streamId) override;
	void onBorrowedHeadersReleased(std::int32_t streamId) override;
	void onGoAwaySent(std::int32_t lastStreamId) override;
	bool onFrameStart(std::uint8_t type, std::uint8_t flags, std::size_t length, std::int32_t streamId) override;

	void continueHandshake();
	void sniff();
	void startHttp2(const H2cUpgradeRequest* pUpgrade = nullptr);
	void handOffToHttp1();
	void readAvailable();
		///< decodeAvailable(), then the inline handlers of what it decoded
	void decodeAvailable();
	void runInlineHandlers();
	void postOnce(bool ServerConnection::*posted, void (ServerConnection::*work)());
		/// Has work run in a later turn of the loop, then a flush, unless
		/// the flag posted says such a task is on its way; the task clears
		/// it. Nothing runs once the connection left HTTP/2.
	void respondLocally(std::int32_t streamId, int status);
	void finishEarlyIfDone(ServerStream& stream);
	void armTimer(Transport::EventLoop::Clock::time_point due);
	void onTimer();
	bool checkSendStalls(Transport::EventLoop::Clock::time_point now);
		///< resets streams and closes connections whose output the peer took nothing of for the send timeout; false if closed
	void noteIfIdle();
	void noteInput();
		///< bytes arrived: the keepalive PING waits, and an idle connection releases the memory they cost
	void sendFinalGoAway();
	void scheduleFlush();
	void setInterest(std::uint32_t events);
	bool writeOutput();
		///< what the codec has ready, to the socket as far as it takes it; false if the connection closed
	void closeNow(const std::string& reason, bool notable = false);
		///< notable reasons (handshake failures, protocol errors) log at information, the rest at debug
	ServerStream* findStream(std::int32_t id);
	std::size_t heldHeaderBudget() const;
	void releaseHeaderBytes(ServerStream& stream);
	void dispatch(ServerStream& stream);
	void dispatchWaiting();
	void startHandler(ServerStream& stream, bool waitsForUpload);
	void submitResponse(ServerStream& stream, bool withBody);
		///< its responseHead(), whose fields nghttp2 reads when it sends the frame
	void credit(ServerStream& stream, std::size_t length);
	void requestTimedOut(ServerStream& stream);
	void handlerDone(ServerStream& stream);
	std::string describe() const;

	ServerEngine& _engine;
	Transport::EventLoop& _loop;
	std::unique_ptr<Transport::Channel> _pChannel;
	Transport::TlsChannel* _pTls = nullptr; ///< _pChannel as TLS, or null
	std::shared_ptr<ConnectionInfo> _pInfo;
	State _state;
	std::uint32_t _interest = 0;
	bool _flushQueued = false;
	bool _readTaskPosted = false;	///< a task continues reading where the read budget stopped
	bool _inlineTaskPosted = false; ///< a task runs the inline handlers queued while others ran
	bool _shuttingDown = false;	///< the GOAWAY shutdown notice went out
	bool _finalGoAwaySent = false; ///< no new stream is accepted
	bool _shutdownPingSent = false;
	bool _pingOutstanding = false;
	Transport::EventLoop::Clock::time_point _lastInput;
	Transport::EventLoop::Clock::time_point _idleSince;
	Transport::EventLoop::Clock::time_point _pingSentAt;
	Transport::EventLoop::Clock::time_point _timerDue;
	bool _timerArmed = false;
	bool _idleMemoryHeld = false; ///< went idle since the codec last released its idle memory
	std::uint64_t _writtenAtCheck = 0; ///< the pump's bytes written at the last send-stall check
	Transport::EventLoop::Clock::time_point _writeStalledSince; ///< output pending and nothing written since
	bool _writeStalled = false;
	std::vector<std::pair<std::int32_t, Codec::HeaderBlock>> _lentHeads;
		///< response heads of closed streams that nghttp2 has not sent or
		///< dropped yet, by stream id. Declared before _pCodec so that they
		///< outlive the session: nghttp2_session_del reads no field, but its
		///< API asks for the fields to live until then.
	std::unique_ptr<Codec::Http2Codec> _pCodec;
	StreamTable _streams;
	std::size_t _runningHandlers = 0; ///< handlers running or queued in the pool for this connection
	std::size_t _uploadHandlers = 0;  ///< of those, started before their request body was complete
	std::deque<std::int32_t> _waitingForHandler; ///< complete request heads beyond the connection's handler share
	std::vector<ServerStream::Ptr> _inlineReady; ///< complete requests whose handlers run after this read, on this thread
	std::vector<ServerStream::Ptr> _awaitingBody; ///< inline mode: requests whose body had not ended with their headers; decided after the read
	std::size_t _detachedHandlers = 0; ///< of the running handlers, those whose stream already closed
	FloodGuard _floodGuard;
	std::size_t _heldHeaderBytes = 0; ///< their sum: decoded request headers this connection holds
	Transport::CodecPump _pump;
};

} // namespace Server
} // namespace PocoH2

#endif
