//
// ServerStream.h
//
// One request/response exchange on a server connection: the server's Ctx.
// The connection's loop thread fills the request and drains the response;
// a handler thread reads the request body and writes the response. The two
// meet through two bounded pipes and tasks posted to the loop.
//

#ifndef PocoH2_Server_ServerStream_INCLUDED
#define PocoH2_Server_ServerStream_INCLUDED

#include "codec/Http2Codec.h"
#include "transport/BytePipe.h"
#include "transport/EventLoop.h"
#include <Poco/Net/SocketAddress.h>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace PocoH2 {
namespace Server {

class ServerConnection;

struct ConnectionInfo
	/// What a handler may know about the connection its request came on.
{
	Poco::Net::SocketAddress clientAddress;
	Poco::Net::SocketAddress serverAddress;
	bool secure = false;
};

struct RequestHead
	/// The request's pseudo-headers and regular headers (wire names).
{
	std::string method;
	std::string scheme;
	std::string authority;
	std::string path;
	Codec::HeaderBlock headers;
};

struct StreamEvents
	/// What the handler side did since the connection last looked, in the
	/// order the connection applies it. One task posted to the loop carries
	/// all of it, so a small response (head, body, end, handler done) costs
	/// one task, not three.
{
	std::vector<Codec::HeaderBlock> informational; ///< 1xx responses, in order
	bool hasHead = false;	  ///< the final response head is in ServerStream::responseHead()
	bool headWithBody = false;
	bool timedOut = false;			 ///< a body read timed out...
	bool timedOutBeforeHead = false; ///< ...before the head was sent
	bool resumeBody = false;		 ///< body bytes or its end for a waiting codec
	std::size_t credit = 0;			 ///< request body bytes read by the handler
	bool handlerDone = false;		 ///< the handler returned
};

class ServerStream : public Codec::BodySource,
					 public Transport::LoopTask,
					 public std::enable_shared_from_this<ServerStream>
	/// Threading: "handler side" functions may be called from one handler
	/// thread at a time; "loop side" functions only on the connection's loop
	/// thread. The pipes are guarded by one mutex (not taken for a stream
	/// that runs inline, which only the loop thread touches); no lock is held
	/// while user code runs or while the loop thread calls into the codec.
{
public:
	using Ptr = std::shared_ptr<ServerStream>;

	ServerStream(std::int32_t id, std::shared_ptr<const ConnectionInfo> pInfo, Transport::EventLoop& loop,
		std::weak_ptr<ServerConnection> pConnection, std::size_t responseBufferSize,
		std::chrono::milliseconds readTimeout = std::chrono::milliseconds(60000));

	// ---- handler side ----

	std::int32_t id() const { return _id; }
	const RequestHead& request() const { return _request; }
		/// Immutable once the stream is dispatched.
	const ConnectionInfo& connectionInfo() const { return *_pInfo; }

	std::size_t readBody(char* buffer, std::size_t length);
		/// Blocks until body bytes arrive and copies up to length of them;
		/// returns 0 at the end of the body. Credits the flow-control windows
		/// as bytes are consumed. Throws HTTP2StreamResetException if the
		/// stream was reset or its connection closed before the body ended,
		/// Poco::TimeoutException if no byte came within the read timeout.

	Codec::HeaderBlock requestTrailers() const;
		/// The request's trailers; complete once readBody() returned 0.

	void sendInformational(Codec::HeaderBlock headers);
		/// Sends a 1xx response (headers include :status).

	Codec::HeaderBlock takeHeadStorage();
		/// The block the stream's previous response head was built in (this
		/// stream object is reused, see StreamPool), for the next head to be
		/// built over its fields' storage (HeaderBlock::overwrite()); empty
		/// for a new stream. Once per exchange, before sendHead().

	void sendHead(Codec::HeaderBlock headers, bool withBody);
		/// Sends the final response headers (including :status; names in
		/// lower case), once per exchange. Without body, the stream ends
		/// with them. The stream keeps the block (responseHead()): the
		/// connection lends its fields to nghttp2 instead of having them
		/// copied, and the next exchange reuses its storage.

	std::size_t sendHeadWithBody(Codec::HeaderBlock headers, const char* data, std::size_t length);
		/// sendHead(headers, true) and as much of writeBody(data, length) as
		/// fits in the response buffer without waiting, under one lock and
		/// as one event; returns the number of bytes queued. The caller
		/// passes the rest to writeBody(). Queues no byte (returns 0) once
		/// the stream is closed.

	void writeBody(const char* data, std::size_t length);
		/// Queues body bytes, blocking while the response buffer is full
		/// (inline, see runInline(): never blocks). Throws
		/// HTTP2StreamResetException if the stream is gone.

	void lendBody(const char* data, std::size_t length);
		/// Sends length bytes at data as body without copying them into the
		/// response buffer: the loop thread frames them from where they are,
		/// and the call blocks until it has taken the last of them. For a
		/// body larger than the response buffer, which writeBody() would
		/// copy piece by piece with a wait and a wake-up per piece. Not for
		/// a stream whose handler runs inline (that would block the loop).
		/// Throws HTTP2StreamResetException if the stream is gone first.

	std::size_t responseBufferSize() const { return _outCapacity; }
		/// How many response bytes writeBody() buffers before it blocks.

	void endBody(Codec::HeaderBlock trailers = Codec::HeaderBlock());
		/// Ends the response body, optionally with trailers.

	void flush();
		/// Hands what was sent so far to the connection now. Otherwise it
		/// goes when this thread blocks on a stream, runs out of jobs, or
		/// after EventLoop::DEFERRED_WAKE_DELAY.

	void handlerDone();
		/// The handler returned: frees its stream slot, discards any request
		/// body it did not read.

	bool isClosed() const;
		/// True once the stream was reset or its connection closed.

	bool runsInline() const { return _inline; }
		/// True if its handler runs on the connection's loop thread (see runInline()).

	// ---- loop side ----

	RequestHead& mutableRequest() { return _request; }
	bool onBodyData(const std::uint8_t* data, std::size_t length);
		/// Appends request body bytes; returns true when they should be
		/// credited at once (the handler is done and discards the body).
	void onRequestEnd();
	void onRequestTrailers(Codec::HeaderBlock& trailers);
	void onClosed(std::uint32_t errorCode);
		/// The stream closed; wakes a handler waiting on either pipe.
	void runInline();
		/// Its handler is to run on the loop thread, with the request body
		/// complete: response bytes are held instead of blocking the
		/// handler, and its events are not posted; the connection delivers
		/// them (run()) when the handler returns, and whenever another
		/// response buffer's worth of body has gathered before that
		/// (ServerConnection::sendInlineOutput()): then what the socket and
		/// the peer's window take goes at once, and only what a slow peer
		/// leaves behind accumulates. Until recycle() the stream takes no lock.
	bool requestEnded() const;
	std::size_t discardUnread();
		/// Drops buffered request bytes the handler will never read; returns
		/// their count for crediting.
	std::size_t& creditedBytes() { return _credited; }
	std::uint64_t sentBytes() const { return _sent; }
		/// Response body bytes handed to the codec so far.
	bool hasPendingOutput() const;
		/// True when response body bytes wait to be sent, or the handler
		/// waits for room to write more.
	bool handlerWaitsForRoom() const;
		/// True while the handler waits for room in the response buffer.
	std::size_t receivedBytes() const { return _received; }
	StreamEvents takeEvents();
		/// What the handler side did since the last call (see StreamEvents).
	const Codec::HeaderBlock& responseHead() const { return _head; }
		/// The final response head, once takeEvents() said hasHead.
	void trimHead();
		/// Frees the response head if it is large (see recycle()), once
		/// nothing reads it any more (after it was sent).
	Codec::HeaderBlock takeLentHead();
		/// Moves the response head out (its fields stay where they are) for
		/// the connection to keep while nghttp2 may read them; the stream
		/// can then be recycled.

	// Loop-side state of the exchange (reset by recycle()).
	bool handlerFinished = false; ///< the handler returned, or the loop answered itself
	bool localEnded = false;	  ///< our END_STREAM is on the wire
	bool responseStarted = false; ///< response headers were submitted
	bool abandoned = false;		  ///< the loop answered in the handler's place (read timeout)
	bool handlerRunning = false;  ///< dispatched, and its handler has not returned
	bool handlerWaitsForUpload = false; ///< dispatched before the request body was complete
	bool detached = false;		  ///< closed and out of the connection's table
	bool headFieldsLent = false;  ///< nghttp2 will still read responseHead()'s fields (Codec::onBorrowedHeadersReleased)
	std::size_t heldHeaderBytes = 0; ///< its request header list size, counted by the connection until released
	bool sendStalled = false;			///< at the last check: output waiting, the peer's window closed
	std::uint64_t sentAtStall = 0;		///< sentBytes() when the stall was first seen
	Transport::EventLoop::Clock::time_point stalledSince;

	void recycle();
		/// Called by StreamPool on the loop thread when nobody else holds the
		/// stream any more: forgets its connection and brings every field
		/// back to its state after construction, keeping its buffers'
		/// capacity up to RECYCLE_MAX_* (larger ones are freed).
	void reuse(std::int32_t id, std::shared_ptr<const ConnectionInfo> pInfo, Transport::EventLoop& loop,
		std::weak_ptr<ServerConnection> pConnection, std::size_t responseBufferSize,
		std::chrono::milliseconds readTimeout);
		/// Gives a recycled stream the identity a new one gets from its
		/// constructor's arguments.

	static constexpr std::size_t RECYCLE_MAX_FIELDS = 16;	///< request header fields whose room a recycled stream keeps
	static constexpr std::size_t RECYCLE_MAX_BYTES = 4096;	///< pipe bytes whose room a recycled stream keeps
	static constexpr std::size_t RECYCLE_MAX_STRING = 256;	///< pseudo-header bytes whose room a recycled stream keeps
	static constexpr std::size_t RECYCLE_MAX_HEAD_BYTES = 1024; ///< response head field bytes a recycled stream keeps

	void run() override;
		/// The loop task postEvents() queues: hands the events to the connection.

	long read(std::uint8_t* buffer, std::size_t length, bool& endOfBody) override;
	long readFrame(std::uint8_t* buffer, std::size_t length, bool& endOfBody, bool& inPlace) override;
	void appendTo(std::string& out, std::size_t length) override;
	bool takeTrailers(Codec::HeaderBlock& trailers) override;

private:
	std::unique_lock<std::mutex> lockShared() const
		/// The lock over what the handler and the loop share, or none for a
		/// stream that runs inline: its handler runs on the loop thread, so
		/// one thread alone touches it (a small response takes the lock
		/// about ten times).
	{
		if (_inline)
			return std::unique_lock<std::mutex>(_mutex, std::defer_lock);
		return std::unique_lock<std::mutex>(_mutex);
	}
	void postEvents(std::unique_lock<std::mutex>& lock);
		/// Posts the task that delivers _events unless one is on its way;
		/// unlocks.
	void throwClosed() const;
	void writeBodyInline(const char* data, std::size_t length);
		///< writeBody() on the loop thread (see runInline())
	long take(std::uint8_t* buffer, std::size_t length, bool& endOfBody, bool mayLeaveInPlace, bool& inPlace);
		///< read() and readFrame()
	bool takeLent(std::size_t n);
		///< with the lock: n of lendBody()'s bytes were taken; true once all were
	bool resumeWaitingLoop();
		///< with the lock: body bytes (or their end) were added; if the loop waits for them, notes resumeBody and returns true (the caller posts the events)
	bool handlerMayRefill() const;
		///< with the lock: a handler waiting for room in the response pipe should be woken now

	// Every field below except the mutex and the condition variables is set
	// again by reuse() or recycle(): a new one must be added there too.
	std::int32_t _id;
	std::shared_ptr<const ConnectionInfo> _pInfo;
	Transport::EventLoop* _pLoop;
	std::weak_ptr<ServerConnection> _pConnection;
	std::size_t _outCapacity;
	std::chrono::milliseconds _readTimeout;
	RequestHead _request;
	Codec::HeaderBlock _requestTrailers;

	mutable std::mutex _mutex;
	std::condition_variable _inReady;
	std::condition_variable _outSpace;
	Transport::BytePipe _in; ///< request bytes not yet read by the handler
	bool _inEnded = false;
	bool _discarding = false;
	Transport::BytePipe _out; ///< response bytes not yet taken by the codec
	const char* _lent = nullptr; ///< lendBody()'s bytes not yet taken, after _out's
	std::size_t _lentSize = 0;
	bool _outEnded = false;
	bool _loopWaitsForOutput = false;
	bool _handlerWaitsForSpace = false;
	Codec::HeaderBlock _trailers;
	Codec::HeaderBlock _head; ///< the final response head; kept with its storage when recycled
	StreamEvents _events;
	bool _eventsPosted = false; ///< a delivery task is queued on the loop
	bool _closed = false;
	std::uint32_t _closeCode = 0;
	bool _inline = false; ///< see runInline()

	// Handler thread only.
	std::size_t _uncredited = 0;
	// Loop thread only.
	bool _requestEndSeen = false; ///< onRequestEnd() ran (_inEnded without the lock)
	std::size_t _inlineSendAt = 0; ///< inline: the buffered response bytes at which writeBody() next hands them to the connection
	bool _trailersPending = false; ///< read() returned the body's end and endBody() left trailers
	std::size_t _received = 0;
	std::size_t _credited = 0;
	std::uint64_t _sent = 0;
};

} // namespace Server
} // namespace PocoH2

#endif
