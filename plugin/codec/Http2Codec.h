//
// Http2Codec.h
//
// The codec layer: libnghttp2 driven with bytes in, events out and bytes out
// into a caller's buffer. No sockets, no threads, no Poco HTTP types.
//

#ifndef PocoH2_Codec_Http2Codec_INCLUDED
#define PocoH2_Codec_Http2Codec_INCLUDED

#include "codec/FrameScanner.h"
#include "codec/HeaderBlock.h"
#include "codec/PeerStreamHistory.h"
#include "codec/SessionMemory.h"
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

struct nghttp2_session;

namespace PocoH2 {
namespace Codec {

struct CodecSettings
	/// What the local endpoint advertises in its SETTINGS frame, plus local
	/// policy the codec enforces.
{
	std::uint32_t maxConcurrentStreams = 1024;
	std::uint32_t initialWindowSize = 1u << 20;	   ///< per-stream receive window
	std::uint32_t connectionWindowSize = 16u << 20; ///< connection receive window
	std::uint32_t maxFrameSize = 16384;
	std::uint32_t maxHeaderListSize = 1u << 20;
	bool manualWindowUpdate = true;
		///< Received DATA is credited back only through consume(), so an
		///< application that stops reading stops the peer.
};

enum class HeadersKind
	/// What a received HEADERS block is.
{
	Request,	   ///< request headers (server side)
	Response,	   ///< final response headers (client side)
	Informational, ///< a 1xx response (client side)
	Trailers	   ///< trailing headers after the body
};

class BodySource
	/// Supplies a message body to the codec a frame at a time.
	/// Called on the codec's thread, from inside produce().
{
public:
	static constexpr long DEFERRED = -1;

	virtual ~BodySource() = default;

	virtual long read(std::uint8_t* buffer, std::size_t length, bool& endOfBody) = 0;
		/// Copies up to length bytes into buffer and returns how many, setting
		/// endOfBody with the last ones; or returns DEFERRED when no byte is
		/// available yet, in which case the owner calls resumeBody() later.
		/// Any other negative value resets the stream (INTERNAL_ERROR).

	virtual long readFrame(std::uint8_t* buffer, std::size_t length, bool& endOfBody, bool& inPlace);
		/// Like read(), but a source that holds at least IN_PLACE_MIN bytes
		/// for the frame may instead set inPlace and return their count
		/// without copying them: the codec then calls appendTo() with that
		/// count while it writes the frame into its output, so those bytes
		/// are copied once, straight into the output. Default: read().

	virtual void appendTo(std::string& out, std::size_t length);
		/// Appends exactly length bytes of the body to out and consumes
		/// them: the count readFrame() returned with inPlace set. Only
		/// called after such a readFrame().

	static constexpr std::size_t IN_PLACE_MIN = 4096;
		///< below this a frame's bytes are copied by read(): appendTo()'s own bookkeeping would cost more than the copy

	virtual bool takeTrailers(HeaderBlock& trailers);
		/// Called once the body ended; returns true and fills trailers to send
		/// trailing HEADERS instead of END_STREAM on the last DATA frame.
		/// Default: no trailers.
};

class CodecListener
	/// Receives the events of an Http2Codec. Called on the codec's thread,
	/// from inside receive() or produce(); a listener may call the codec's
	/// submit*/reset/consume functions from within, but not receive() or
	/// produce(). Exceptions thrown here are caught by the codec and turn into
	/// a connection error.
{
public:
	virtual ~CodecListener() = default;

	virtual bool onStreamBegin(std::int32_t streamId);
		/// A peer opened a stream (server: a request begins). Return false to
		/// refuse it with RST_STREAM(REFUSED_STREAM). Default: accept.

	virtual void onHeaders(std::int32_t streamId, HeadersKind kind, HeaderBlock& headers, bool endStream,
		bool headerListTooLarge) = 0;
		/// A complete header block arrived. headerListTooLarge says the block
		/// exceeded maxHeaderListSize and fields were dropped: answer with a
		/// 431 or reset the stream. The block may be moved from.

	virtual void onData(std::int32_t streamId, const std::uint8_t* data, std::size_t length) = 0;
		/// Body bytes arrived. With manualWindowUpdate they count against the
		/// windows until consume() is called for them.

	virtual void onStreamEnd(std::int32_t streamId) = 0;
		/// The peer ended its side of the stream (END_STREAM).

	virtual void onStreamClose(std::int32_t streamId, std::uint32_t errorCode) = 0;
		/// The stream closed: errorCode is 0 (NO_ERROR) after a normal end, or
		/// the RST_STREAM/GOAWAY code. No event for streamId follows.

	virtual void onGoAway(std::int32_t lastStreamId, std::uint32_t errorCode);
		/// The peer sent GOAWAY. Default: nothing.

	virtual void onPingAck();
		/// The peer acknowledged a PING we sent. Default: nothing.

	virtual void onGoAwaySent(std::int32_t lastStreamId);
		/// A GOAWAY with lastStreamId left. Default: nothing.

	virtual void onLocalStreamEnd(std::int32_t streamId);
		/// A frame with END_STREAM left for streamId: our side of the
		/// stream is complete on the wire. Default: nothing.

	virtual bool onFrameStart(std::uint8_t type, std::uint8_t flags, std::size_t length, std::int32_t streamId);
		/// A frame header arrived (its payload has not been processed yet).
		/// Return false to end the connection with GOAWAY ENHANCE_YOUR_CALM
		/// (flood protection); receive() then returns true and the GOAWAY is
		/// queued. Default: true.

	virtual void onResetSent(std::int32_t streamId, std::uint32_t errorCode);
		/// RST_STREAM with errorCode left for streamId: one we asked for, or
		/// one nghttp2 sent on its own for a malformed message or a flow-control
		/// violation (onStreamClose() follows). Default: nothing.

	virtual void onBorrowedHeadersReleased(std::int32_t streamId);
		/// The header block submitted with borrowed fields for streamId
		/// (submitResponse(..., borrowFields = true)) was sent, or dropped
		/// unsent (its stream closed first): its strings may change or go
		/// now. Can come after onStreamClose(). Default: nothing.
};

class Http2Codec
	/// One HTTP/2 connection's protocol state (an nghttp2 session) in memory.
	///
	/// Threading: not thread-safe. One thread (a connection's owner) calls
	/// everything; the listener and body sources are called on that thread.
{
public:
	enum class Role
	{
		Client,
		Server
	};

	Http2Codec(Role role, CodecListener& listener, const CodecSettings& settings);
		/// Creates the session and queues the local SETTINGS (and for a
		/// client, the connection preface). Throws Poco::RuntimeException if
		/// nghttp2 cannot be initialised.

	~Http2Codec();

	Http2Codec(const Http2Codec&) = delete;
	Http2Codec& operator=(const Http2Codec&) = delete;

	bool upgrade(const std::string& settingsPayload, bool headRequest);
		/// Server: the connection switched from HTTP/1.1 (h2c Upgrade); the
		/// upgrading request becomes stream 1, half-closed (remote), with the
		/// client's decoded HTTP2-Settings applied. Returns false if nghttp2
		/// rejects the settings.

	bool receive(const std::uint8_t* data, std::size_t length);
		/// Feeds bytes read from the peer. Returns false on a connection
		/// error; the GOAWAY for it is then queued for produce(), after which
		/// the connection should be closed. lastError() explains.

	std::size_t produce(std::string& out, std::size_t limit = SIZE_MAX);
		/// Appends the bytes to send to out, until nothing is pending or out
		/// holds at least limit bytes. Returns the number appended.

	bool wantsRead() const;
	bool wantsWrite() const;
	bool finished() const { return _failed || (!wantsRead() && !wantsWrite()); }
		/// True when the connection has nothing left to do and can be closed,
		/// or when producing output failed fatally (failed()).

	bool failed() const { return _failed; }
		/// True once producing output failed fatally; lastError() says why.

	std::int32_t submitRequest(const HeaderBlock& headers, BodySource* body);
		/// Client: opens a stream; returns its id, or a negative value if the
		/// stream cannot be opened. body may be null (no body).

	bool submitResponse(std::int32_t streamId, const HeaderBlock& headers, BodySource* body, bool borrowFields = false);
		/// Server: queues the response headers; body may be null (no body).
		/// nghttp2 copies the fields unless borrowFields: then they are read
		/// from headers (lower-case names) when the frame is sent, so its
		/// strings must stay as they are until the listener hears
		/// onBorrowedHeadersReleased(streamId).

	bool submitInformational(std::int32_t streamId, const HeaderBlock& headers);
		/// Server: queues a 1xx response (e.g. 100-continue).

	void resumeBody(std::int32_t streamId);
		/// A BodySource that returned DEFERRED has data again.

	void resetStream(std::int32_t streamId, std::uint32_t errorCode);
		/// Queues RST_STREAM.

	void consume(std::int32_t streamId, std::size_t length);
		/// Credits length received body bytes back to the stream and
		/// connection windows (manualWindowUpdate).

	void consumeConnection(std::size_t length);
		/// Credits bytes to the connection window only (for a stream that is
		/// already closed).

	void submitPing();
		/// Queues a PING; the listener hears onPingAck() when it returns.

	void shutdownNotice();
		/// Server: first step of a graceful shutdown (GOAWAY with the maximum
		/// stream id).

	void goAway(std::uint32_t errorCode);
		/// Queues GOAWAY with the last stream id processed; no new stream is
		/// accepted afterwards.

	void terminate(std::uint32_t errorCode);
		/// Like goAway(), and ends the session once the GOAWAY is sent.

	std::uint32_t remoteMaxConcurrentStreams() const;

	bool sendWindowClosed(std::int32_t streamId) const;
		/// True when the peer's flow-control window of the stream, or of the
		/// connection, leaves no room for DATA.

	std::size_t releaseIdleMemory();
		/// Gives the pages of nghttp2's outbound frame buffer (up to 20 KiB
		/// once a DATA frame filled it) back to the OS, if produce() has
		/// sent everything and written to the buffer since the last call,
		/// and frees the small blocks the session's allocator keeps for
		/// reuse (SessionMemory::trimCache), and the pages of its zeroed
		/// blocks that hold only zeroes (SessionMemory::discardZeroPages:
		/// the stream map's, once read). For an idle connection: the
		/// next frame sent faults a page back in. Returns the bytes given
		/// back.

	std::size_t sessionHeapBytes() const { return _memory.heldBytes(); }
		/// What nghttp2 holds in small blocks now (its session, HPACK
		/// tables, streams, queued frames): SessionMemory::heldBytes().

	std::uint32_t goAwayErrorSent() const { return _goAwayCodeSent; }
	const std::string& lastError() const { return _lastError; }
	Role role() const { return _role; }

private:
	struct PendingHeaders
	{
		HeaderBlock block;
		bool tooLarge = false;
		std::size_t droppedSize = 0; ///< list size decoded once tooLarge (bounded, see onHeader)
	};

	struct Callbacks;
	friend struct Callbacks;

	std::int32_t submitHeaders(
		std::int32_t streamId, const HeaderBlock& headers, BodySource* body, bool response, bool borrowFields);
		///< nghttp2's result: 0 or the new stream id on success, negative on failure

	bool streamOpened() const;
		///< a stream was ever opened (server: by the peer, or by upgrade())

	bool feed(const std::uint8_t* data, std::size_t length);
		///< nghttp2_session_mem_recv, and its fatal errors turned into GOAWAY
	bool judgedBySession(std::int32_t streamId) const;
		///< nghttp2 answers frames on the stream itself: it has it open, the
		///< peer cannot open it, or the session already ends
	bool admitHeaders(std::int32_t streamId);
	bool admitData(std::int32_t streamId);
		///< frames on a stream nghttp2 does not know: false after terminating
		///< the session for a stream that is closed (RFC 9113 §5.1, §6.1)

	Role _role;
	CodecListener& _listener;
	CodecSettings _settings;
	SessionMemory _memory; ///< the session's allocator; outlives _pSession
	nghttp2_session* _pSession = nullptr;
	std::string* _pOutput = nullptr; ///< produce()'s output while it runs: where frames sent in place go
	bool _failed = false;			 ///< nghttp2_session_mem_send() failed: the session is unusable
	bool _framePaused = false;		 ///< mem_send returned 0 because a frame went in place, not because it is drained
	PendingHeaders _pending;
		///< the header block being decoded: HEADERS and its CONTINUATIONs
		///< arrive back to back (RFC 9113 §6.10), so there is at most one
	std::int32_t _pendingStreamId = 0; ///< _pending's stream, 0 for none (or a refused stream's)
	std::string _lastError;
	std::uint32_t _goAwayCodeSent = 0;
	bool _frameBufferKnown = false; ///< _memory knows the frame buffer (see the constructor)
	bool _sendDrained = true;		///< the last nghttp2_session_mem_send() returned 0
	bool _frameBufferUsed = false;	///< frames serialised since the last releaseIdleMemory()
	std::int32_t _goAwayLastStreamSent = -1; ///< last-stream-id of our last GOAWAY, -1 before any
	PeerStreamHistory _peerStreams; ///< what became of the peer's streams nghttp2 forgot (server)
	FrameScanner _frameScanner;		///< server: where the next DATA frame starts in the bytes received
};

const char* http2ErrorCodeName(std::uint32_t errorCode);
	/// Returns the RFC 9113 name of an error code ("PROTOCOL_ERROR"), or "UNKNOWN".

} // namespace Codec
} // namespace PocoH2

#endif
