#include "codec/Http2Codec.h"
#include "transport/SpareStorage.h"
#include <Poco/Exception.h>
#include <cstring>
#include <nghttp2/nghttp2.h>
#include <vector>

namespace PocoH2 {
namespace Codec {

long BodySource::readFrame(std::uint8_t* buffer, std::size_t length, bool& endOfBody, bool& inPlace)
{
	inPlace = false;
	return read(buffer, length, endOfBody);
}

void BodySource::appendTo(std::string&, std::size_t)
{
	throw std::logic_error("BodySource::appendTo() without readFrame() in place");
}

bool BodySource::takeTrailers(HeaderBlock&)
{
	return false;
}

bool CodecListener::onStreamBegin(std::int32_t)
{
	return true;
}

void CodecListener::onGoAway(std::int32_t, std::uint32_t)
{
}

void CodecListener::onPingAck()
{
}

void CodecListener::onLocalStreamEnd(std::int32_t)
{
}

void CodecListener::onGoAwaySent(std::int32_t)
{
}

bool CodecListener::onFrameStart(std::uint8_t, std::uint8_t, std::size_t, std::int32_t)
{
	return true;
}

void CodecListener::onBorrowedHeadersReleased(std::int32_t)
{
}

void CodecListener::onResetSent(std::int32_t, std::uint32_t)
{
}

namespace {

// Storage of header blocks the listener gave back (up to 16 fields each),
// per thread, for the next blocks decoded: an idle connection keeps none.
using SpareFields = Transport::SpareStorage<std::vector<HeaderBlock::Field>, 16>;

class NameValues
	/// A header block as nghttp2_nv entries pointing into it; on the stack
	/// up to a typical response's size, so submitting one allocates nothing.
{
public:
	explicit NameValues(const HeaderBlock& headers, std::uint8_t flags = NGHTTP2_NV_FLAG_NONE)
	{
		const std::size_t count = headers.size();
		if (count > INLINE_CAPACITY)
		{
			_more.resize(count);
			_pData = _more.data();
		}
		nghttp2_nv* pNv = _pData;
		for (const auto& field : headers.fields())
		{
			pNv->name = reinterpret_cast<std::uint8_t*>(const_cast<char*>(field.first.data()));
			pNv->namelen = field.first.size();
			pNv->value = reinterpret_cast<std::uint8_t*>(const_cast<char*>(field.second.data()));
			pNv->valuelen = field.second.size();
			pNv->flags = flags;
			++pNv;
		}
		_size = count;
	}

	NameValues(const NameValues&) = delete;
	NameValues& operator=(const NameValues&) = delete;

	const nghttp2_nv* data() const { return _pData; }
	std::size_t size() const { return _size; }

private:
	static constexpr std::size_t INLINE_CAPACITY = 16;

	nghttp2_nv _inline[INLINE_CAPACITY];
	std::vector<nghttp2_nv> _more;
	nghttp2_nv* _pData = _inline;
	std::size_t _size = 0;
};

} // namespace

// The nghttp2 callbacks: trampolines that cast user_data and forward. No
// exception may cross into C code.
struct Http2Codec::Callbacks
{
	static Http2Codec& codec(void* userData) { return *static_cast<Http2Codec*>(userData); }

	static int onBeginHeaders(nghttp2_session* session, const nghttp2_frame* frame, void* userData)
	{
		Http2Codec& self = codec(userData);
		if (frame->hd.type != NGHTTP2_HEADERS)
			return 0;
		try
		{
			const std::int32_t id = frame->hd.stream_id;
			if (frame->headers.cat == NGHTTP2_HCAT_REQUEST && !self._listener.onStreamBegin(id))
			{
				self._pendingStreamId = 0; // its fields are decoded (HPACK state) and dropped
				nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, id, NGHTTP2_REFUSED_STREAM);
				return 0;
			}
			// A block left behind by a stream reset while decoding it is
			// simply replaced.
			self._pendingStreamId = id;
			PendingHeaders& pending = self._pending;
			pending.block.clear();
			SpareFields::take(pending.block.fields());
			pending.block.fields().reserve(8); // a typical request's fields, without regrowth
			pending.tooLarge = false;
			pending.droppedSize = 0;
			return 0;
		}
		catch (...)
		{
			return NGHTTP2_ERR_CALLBACK_FAILURE;
		}
	}

	static int onBeginFrame(nghttp2_session* session, const nghttp2_frame_hd* hd, void* userData)
	{
		Http2Codec& self = codec(userData);
		try
		{
			if (!self._listener.onFrameStart(hd->type, hd->flags, hd->length, hd->stream_id))
			{
				if (self._lastError.empty())
					self._lastError = "flood of frames of type " + std::to_string(hd->type);
				nghttp2_session_terminate_session(session, NGHTTP2_ENHANCE_YOUR_CALM);
				return 0;
			}
		}
		catch (...)
		{
			return NGHTTP2_ERR_CALLBACK_FAILURE;
		}
		if (hd->type == NGHTTP2_HEADERS && self._role == Role::Server && !self.admitHeaders(hd->stream_id))
			return 0;
		// nghttp2 silently ignores streams opened after our GOAWAY; RFC 9113
		// §6.8 lets us say so: REFUSED_STREAM tells the peer it may retry.
		if (self._role == Role::Server && hd->type == NGHTTP2_HEADERS && self._goAwayLastStreamSent >= 0
			&& hd->stream_id > self._goAwayLastStreamSent && (hd->stream_id & 1)
			&& nghttp2_session_find_stream(session, hd->stream_id) == nullptr)
			nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, hd->stream_id, NGHTTP2_REFUSED_STREAM);
		return 0;
	}

	static int onHeader(nghttp2_session*, const nghttp2_frame* frame, const std::uint8_t* name, std::size_t nameLength,
		const std::uint8_t* value, std::size_t valueLength, std::uint8_t, void* userData)
	{
		Http2Codec& self = codec(userData);
		if (frame->hd.type != NGHTTP2_HEADERS)
			return 0;
		if (frame->hd.stream_id != self._pendingStreamId)
			return 0; // a refused stream: its fields are decoded (HPACK state) and dropped
		PendingHeaders& pending = self._pending;
		if (pending.tooLarge)
		{
			// An HPACK bomb (one byte referring to a large table entry) costs
			// nghttp2 a validation of every decoded field: past twice the
			// limit the stream is reset (INTERNAL_ERROR) and the rest of the
			// block only decoded, instead of answered 431 when it ends.
			pending.droppedSize += nameLength + valueLength + 32;
			if (pending.droppedSize > 2 * std::size_t(self._settings.maxHeaderListSize))
			{
				self._pendingStreamId = 0;
				pending.block = HeaderBlock();
				return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
			}
			return 0;
		}
		if (pending.block.listSize() + nameLength + valueLength + 32 > self._settings.maxHeaderListSize)
		{
			pending.tooLarge = true;
			pending.droppedSize = pending.block.listSize() + nameLength + valueLength + 32;
			pending.block.clear();
			return 0;
		}
		try
		{
			pending.block.add(
				reinterpret_cast<const char*>(name), nameLength, reinterpret_cast<const char*>(value), valueLength);
			return 0;
		}
		catch (...)
		{
			return NGHTTP2_ERR_CALLBACK_FAILURE;
		}
	}

	static int onFrameRecv(nghttp2_session*, const nghttp2_frame* frame, void* userData)
	{
		Http2Codec& self = codec(userData);
		const std::int32_t id = frame->hd.stream_id;
		const bool endStream = (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0;
		if (endStream && (frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA))
			self._peerStreams.peerEnded(id);
		try
		{
			switch (frame->hd.type)
			{
			case NGHTTP2_RST_STREAM:
				self._peerStreams.peerReset(id);
				break;
			case NGHTTP2_HEADERS:
			{
				if (id != self._pendingStreamId)
					return 0;
				self._pendingStreamId = 0;
				// Out of _pending: the block is the listener's to move from.
				HeaderBlock block = std::move(self._pending.block);
				self._pending.block.clear();
				HeadersKind kind = HeadersKind::Trailers;
				if (frame->headers.cat == NGHTTP2_HCAT_REQUEST)
					kind = HeadersKind::Request;
				else if (const std::string* status = block.find(":status"))
					kind = (!status->empty() && (*status)[0] == '1') ? HeadersKind::Informational : HeadersKind::Response;
				self._listener.onHeaders(id, kind, block, endStream, self._pending.tooLarge);
				// Storage the listener left in the block (a server swaps in the
				// emptied one of a recycled stream's last request) goes to the
				// thread's spares for the next header block.
				block.clear();
				SpareFields::give(block.fields());
				if (endStream)
					self._listener.onStreamEnd(id);
				break;
			}
			case NGHTTP2_DATA:
				if (endStream)
					self._listener.onStreamEnd(id);
				break;
			case NGHTTP2_GOAWAY:
				self._listener.onGoAway(frame->goaway.last_stream_id, frame->goaway.error_code);
				break;
			case NGHTTP2_PING:
				if (frame->hd.flags & NGHTTP2_FLAG_ACK)
					self._listener.onPingAck();
				break;
			default:
				break;
			}
			return 0;
		}
		catch (...)
		{
			return NGHTTP2_ERR_CALLBACK_FAILURE;
		}
	}

	static int onDataChunk(nghttp2_session*, std::uint8_t, std::int32_t streamId, const std::uint8_t* data,
		std::size_t length, void* userData)
	{
		try
		{
			codec(userData)._listener.onData(streamId, data, length);
			return 0;
		}
		catch (...)
		{
			return NGHTTP2_ERR_CALLBACK_FAILURE;
		}
	}

	static int onStreamClose(nghttp2_session*, std::int32_t streamId, std::uint32_t errorCode, void* userData)
	{
		Http2Codec& self = codec(userData);
		if (streamId == self._pendingStreamId)
		{
			self._pendingStreamId = 0;
			self._pending.block = HeaderBlock(); // an idle connection keeps no block
		}
		try
		{
			self._listener.onStreamClose(streamId, errorCode);
			return 0;
		}
		catch (...)
		{
			return NGHTTP2_ERR_CALLBACK_FAILURE;
		}
	}

	static bool borrowsFields(const nghttp2_frame* frame)
	{
		// nghttp2 keeps each field's flags in its copy of the array.
		return frame->hd.type == NGHTTP2_HEADERS && frame->headers.nvlen > 0
			&& (frame->headers.nva[0].flags & NGHTTP2_NV_FLAG_NO_COPY_VALUE);
	}

	static int onFrameNotSend(nghttp2_session*, const nghttp2_frame* frame, int, void* userData)
	{
		if (!borrowsFields(frame))
			return 0;
		try
		{
			codec(userData)._listener.onBorrowedHeadersReleased(frame->hd.stream_id);
			return 0;
		}
		catch (...)
		{
			return NGHTTP2_ERR_CALLBACK_FAILURE;
		}
	}

	static int onFrameSend(nghttp2_session*, const nghttp2_frame* frame, void* userData)
	{
		Http2Codec& self = codec(userData);
		if (borrowsFields(frame))
		{
			try
			{
				self._listener.onBorrowedHeadersReleased(frame->hd.stream_id);
			}
			catch (...)
			{
				return NGHTTP2_ERR_CALLBACK_FAILURE;
			}
		}
		if (frame->hd.type == NGHTTP2_GOAWAY)
		{
			self._goAwayCodeSent = frame->goaway.error_code;
			self._goAwayLastStreamSent = frame->goaway.last_stream_id;
			// nghttp2 explains the connection errors it detects in the debug data.
			if (self._lastError.empty() && frame->goaway.opaque_data_len > 0)
				self._lastError.assign(
					reinterpret_cast<const char*>(frame->goaway.opaque_data), frame->goaway.opaque_data_len);
			try
			{
				self._listener.onGoAwaySent(frame->goaway.last_stream_id);
			}
			catch (...)
			{
				return NGHTTP2_ERR_CALLBACK_FAILURE;
			}
		}
		else if (frame->hd.type == NGHTTP2_RST_STREAM)
		{
			try
			{
				self._listener.onResetSent(frame->hd.stream_id, frame->rst_stream.error_code);
			}
			catch (...)
			{
				return NGHTTP2_ERR_CALLBACK_FAILURE;
			}
		}
		else if ((frame->hd.type == NGHTTP2_DATA || frame->hd.type == NGHTTP2_HEADERS)
			&& (frame->hd.flags & NGHTTP2_FLAG_END_STREAM))
		{
			try
			{
				self._listener.onLocalStreamEnd(frame->hd.stream_id);
			}
			catch (...)
			{
				return NGHTTP2_ERR_CALLBACK_FAILURE;
			}
		}
		return 0;
	}

	static int sendBodyInPlace(nghttp2_session*, nghttp2_frame* frame, const std::uint8_t* frameHeader,
		std::size_t length, nghttp2_data_source* source, void* userData)
	{
		// A DATA frame whose bytes readFrame() left in the source: header,
		// padding length, the bytes themselves and padding, into produce()'s
		// output (nghttp2 calls this only from inside mem_send).
		std::string& out = *codec(userData)._pOutput;
		const std::size_t start = out.size();
		out.append(reinterpret_cast<const char*>(frameHeader), 9);
		const std::size_t padding = frame->data.padlen;
		if (padding > 0)
			out.push_back(static_cast<char>(padding - 1));
		try
		{
			static_cast<BodySource*>(source->ptr)->appendTo(out, length);
		}
		catch (...)
		{
			out.resize(start); // no half frame on the wire; the session cannot go on
			return NGHTTP2_ERR_CALLBACK_FAILURE;
		}
		if (padding > 1)
			out.append(padding - 1, '\0');
		// Back to produce() after each such frame, as mem_send returns after
		// each copied one: produce() keeps its output within its limit.
		codec(userData)._framePaused = true;
		return NGHTTP2_ERR_PAUSE;
	}

	static int onError(nghttp2_session*, int, const char* message, std::size_t length, void* userData)
	{
		codec(userData)._lastError.assign(message, length);
		return 0;
	}

	static ssize_t readBody(nghttp2_session* session, std::int32_t streamId, std::uint8_t* buffer, std::size_t length,
		std::uint32_t* dataFlags, nghttp2_data_source* source, void*)
	{
		auto* body = static_cast<BodySource*>(source->ptr);
		try
		{
			bool end = false;
			bool inPlace = false;
			const long n = body->readFrame(buffer, length, end, inPlace);
			if (n == BodySource::DEFERRED)
				return NGHTTP2_ERR_DEFERRED;
			if (n < 0)
				return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
			if (inPlace)
				*dataFlags |= NGHTTP2_DATA_FLAG_NO_COPY; // sendBodyInPlace() writes the frame
			if (end)
			{
				*dataFlags |= NGHTTP2_DATA_FLAG_EOF;
				HeaderBlock trailers;
				if (body->takeTrailers(trailers))
				{
					const NameValues nva(trailers);
					if (nghttp2_submit_trailer(session, streamId, nva.data(), nva.size()) == 0)
						*dataFlags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;
				}
			}
			return n;
		}
		catch (...)
		{
			return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
		}
	}
};

Http2Codec::Http2Codec(Role role, CodecListener& listener, const CodecSettings& settings):
	_role(role),
	_listener(listener),
	_settings(settings),
	_frameScanner(role == Role::Server ? NGHTTP2_CLIENT_MAGIC_LEN : 0)
{
	nghttp2_session_callbacks* pCallbacks = nullptr;
	if (nghttp2_session_callbacks_new(&pCallbacks) != 0)
		throw Poco::RuntimeException("nghttp2_session_callbacks_new failed");
	std::unique_ptr<nghttp2_session_callbacks, decltype(&nghttp2_session_callbacks_del)> callbacks(
		pCallbacks, &nghttp2_session_callbacks_del);
	nghttp2_session_callbacks_set_on_begin_headers_callback(pCallbacks, &Callbacks::onBeginHeaders);
	nghttp2_session_callbacks_set_on_header_callback(pCallbacks, &Callbacks::onHeader);
	nghttp2_session_callbacks_set_on_begin_frame_callback(pCallbacks, &Callbacks::onBeginFrame);
	nghttp2_session_callbacks_set_on_frame_recv_callback(pCallbacks, &Callbacks::onFrameRecv);
	nghttp2_session_callbacks_set_on_data_chunk_recv_callback(pCallbacks, &Callbacks::onDataChunk);
	nghttp2_session_callbacks_set_on_stream_close_callback(pCallbacks, &Callbacks::onStreamClose);
	nghttp2_session_callbacks_set_on_frame_send_callback(pCallbacks, &Callbacks::onFrameSend);
	nghttp2_session_callbacks_set_on_frame_not_send_callback(pCallbacks, &Callbacks::onFrameNotSend);
	nghttp2_session_callbacks_set_error_callback2(pCallbacks, &Callbacks::onError);
	nghttp2_session_callbacks_set_send_data_callback(pCallbacks, &Callbacks::sendBodyInPlace);

	nghttp2_option* pOption = nullptr;
	if (nghttp2_option_new(&pOption) != 0)
		throw Poco::RuntimeException("nghttp2_option_new failed");
	std::unique_ptr<nghttp2_option, decltype(&nghttp2_option_del)> option(pOption, &nghttp2_option_del);
	nghttp2_option_set_no_auto_window_update(pOption, settings.manualWindowUpdate ? 1 : 0);
	nghttp2_option_set_max_send_header_block_length(pOption, 1u << 20);
	// A server session keeps no closed stream (see PeerStreamHistory).
	nghttp2_option_set_no_closed_streams(pOption, role == Role::Server ? 1 : 0);

	nghttp2_mem mem = {&_memory, &SessionMemory::memMalloc, &SessionMemory::memFree, &SessionMemory::memCalloc,
		&SessionMemory::memRealloc};
	const int rc = role == Role::Server ? nghttp2_session_server_new3(&_pSession, pCallbacks, this, pOption, &mem)
										: nghttp2_session_client_new3(&_pSession, pCallbacks, this, pOption, &mem);
	if (rc != 0)
		throw Poco::RuntimeException("nghttp2 session creation failed", nghttp2_strerror(rc));
	// A new session's one large block not zeroed is its outbound frame
	// buffer (nghttp2 1.52: 16394 bytes, NGHTTP2_FRAMEBUF_CHUNKLEN; the
	// other, the stream map's table, is calloc'd). Its contents are dead
	// whenever mem_send() has returned 0. That is nghttp2's inside, not its
	// API: only trusted for the versions it was checked on, else the pages
	// simply stay.
	constexpr std::size_t FRAME_BUFFER_SIZE = 9 + 1 + 16384;
	const int version = nghttp2_version(0)->version_num;
	_frameBufferKnown = version >= 0x013400 && version < 0x013500 && _memory.markScratch(FRAME_BUFFER_SIZE);

	std::vector<nghttp2_settings_entry> entries = {
		{NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, settings.maxConcurrentStreams},
		{NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, settings.initialWindowSize},
		{NGHTTP2_SETTINGS_MAX_FRAME_SIZE, settings.maxFrameSize},
		{NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, settings.maxHeaderListSize},
	};
	if (role == Role::Client)
		entries.push_back({NGHTTP2_SETTINGS_ENABLE_PUSH, 0});
	nghttp2_submit_settings(_pSession, NGHTTP2_FLAG_NONE, entries.data(), entries.size());
	if (settings.connectionWindowSize > NGHTTP2_INITIAL_CONNECTION_WINDOW_SIZE)
		nghttp2_session_set_local_window_size(
			_pSession, NGHTTP2_FLAG_NONE, 0, static_cast<std::int32_t>(settings.connectionWindowSize));
}

Http2Codec::~Http2Codec()
{
	nghttp2_session_del(_pSession);
}

bool Http2Codec::upgrade(const std::string& settingsPayload, bool headRequest)
{
	const int rc = nghttp2_session_upgrade2(_pSession, reinterpret_cast<const std::uint8_t*>(settingsPayload.data()),
		settingsPayload.size(), headRequest ? 1 : 0, nullptr);
	if (rc != 0)
	{
		_lastError = nghttp2_strerror(rc);
		return false;
	}
	// Stream 1 is the upgrading request, complete.
	_peerStreams.opened(1);
	_peerStreams.peerEnded(1);
	return true;
}

bool Http2Codec::receive(const std::uint8_t* data, std::size_t length)
{
	if (_role != Role::Server)
		return feed(data, length);
	// nghttp2 does not know closed streams: before each DATA frame it is
	// given what comes before, so that the frame is judged with the state
	// the earlier frames left (a DATA after a RST_STREAM in the same read).
	std::size_t fed = 0;
	std::size_t pos = 0;
	FrameScanner::FrameHeader header;
	while (_frameScanner.next(data, length, pos, NGHTTP2_DATA, header))
	{
		if (header.start > fed)
		{
			if (!feed(data + fed, header.start - fed))
				return false;
			fed = header.start;
		}
		if (!admitData(header.streamId))
			return true; // the session ends with a GOAWAY; the rest is not read
	}
	return feed(data + fed, length - fed);
}

bool Http2Codec::judgedBySession(std::int32_t streamId) const
{
	if ((streamId & 1) == 0 || !nghttp2_session_want_read(_pSession))
		return true; // not a stream the peer opens, or a session that already ends
	// nghttp2 also knows idle streams a PRIORITY frame named: those are ours
	// to judge like any stream it does not know.
	nghttp2_stream* pStream = nghttp2_session_find_stream(_pSession, streamId);
	return pStream && nghttp2_stream_get_state(pStream) != NGHTTP2_STREAM_STATE_IDLE;
}

bool Http2Codec::admitHeaders(std::int32_t streamId)
{
	const PeerStreamHistory::Fate fate = _peerStreams.fate(streamId);
	if (fate == PeerStreamHistory::Fate::NEW && (streamId & 1))
	{
		_peerStreams.opened(streamId);
		return true; // a new stream: nghttp2 opens it
	}
	if (judgedBySession(streamId))
		return true;
	switch (fate)
	{
	case PeerStreamHistory::Fate::PEER_ENDED:
	case PeerStreamHistory::Fate::PEER_RESET:
		_lastError = "HEADERS on closed stream " + std::to_string(streamId);
		nghttp2_session_terminate_session(_pSession, NGHTTP2_STREAM_CLOSED);
		return false;
	case PeerStreamHistory::Fate::NEVER_OPENED:
		// RFC 9113 §5.1.1: a new stream's id must exceed every id the peer
		// opened before; nghttp2 1.52 silently ignores such a HEADERS.
		_lastError = "HEADERS opens stream " + std::to_string(streamId) + " after stream "
			+ std::to_string(_peerStreams.highest());
		nghttp2_session_terminate_session(_pSession, NGHTTP2_PROTOCOL_ERROR);
		return false;
	default:
		// OPENED: closed by us (RST_STREAM) before the peer ended it, so
		// trailers it sent before seeing our reset are ignored (RFC 9113
		// §5.1). FORGOTTEN: too old to tell; nghttp2 ignores it, as it does
		// any HEADERS on a stream it does not know.
		return true;
	}
}

bool Http2Codec::admitData(std::int32_t streamId)
{
	if (judgedBySession(streamId))
		return true;
	switch (_peerStreams.fate(streamId))
	{
	case PeerStreamHistory::Fate::NEVER_OPENED:
	case PeerStreamHistory::Fate::PEER_ENDED:
	case PeerStreamHistory::Fate::PEER_RESET:
		// RFC 9113 §6.1: DATA on a stream that is not open or half-closed
		// (local) is a STREAM_CLOSED error, which nghttp2 would silently
		// drop; a closed stream's, as nghttp2 answered it, for the whole
		// connection (§5.4.1 allows a stream error to be one).
		_lastError = "DATA on closed stream " + std::to_string(streamId);
		nghttp2_session_terminate_session(_pSession, NGHTTP2_STREAM_CLOSED);
		return false;
	default:
		// NEW: an idle stream, nghttp2's PROTOCOL_ERROR. OPENED: reset by us,
		// ignored (§5.1). FORGOTTEN: too old to tell, ignored.
		return true;
	}
}

bool Http2Codec::feed(const std::uint8_t* data, std::size_t length)
{
	const ssize_t rc = nghttp2_session_mem_recv(_pSession, data, length);
	if (rc >= 0)
		return true;
	if (_lastError.empty())
		_lastError = nghttp2_strerror(static_cast<int>(rc));
	// Fatal errors leave the GOAWAY to us.
	std::uint32_t code = NGHTTP2_INTERNAL_ERROR;
	if (rc == NGHTTP2_ERR_BAD_CLIENT_MAGIC)
		code = NGHTTP2_PROTOCOL_ERROR;
	else if (rc == NGHTTP2_ERR_TOO_MANY_CONTINUATIONS)
	{
		// Debian's libnghttp2 1.52 caps a header block at 8 CONTINUATION frames
		// (CVE-2024-28182); the peer flooded, it is not our failure.
		code = NGHTTP2_ENHANCE_YOUR_CALM;
		_lastError = "header block spread over too many CONTINUATION frames";
	}
	else if (rc == NGHTTP2_ERR_FLOODED)
		code = NGHTTP2_ENHANCE_YOUR_CALM;
	nghttp2_session_terminate_session(_pSession, code);
	return false;
}

std::size_t Http2Codec::produce(std::string& out, std::size_t limit)
{
	const std::size_t start = out.size();
	_pOutput = &out; // frames sent in place are appended from inside mem_send
	while (out.size() < limit)
	{
		const std::uint8_t* data = nullptr;
		const ssize_t n = nghttp2_session_mem_send(_pSession, &data);
		if (n < 0)
		{
			// Only fatal errors (out of memory, a failed callback): the
			// session is unusable, and finished() says so.
			_lastError = nghttp2_strerror(static_cast<int>(n));
			_failed = true;
			break;
		}
		if (n == 0 && _framePaused)
		{
			_framePaused = false; // a frame went in place: there may be more
			_sendDrained = false;
			continue;
		}
		_sendDrained = n == 0;
		if (n == 0)
			break;
		out.append(reinterpret_cast<const char*>(data), static_cast<std::size_t>(n));
	}
	_pOutput = nullptr;
	const std::size_t total = out.size() - start;
	if (total > 0)
		_frameBufferUsed = true;
	// Until the first stream, a connection has only exchanged SETTINGS (and
	// many stay idle that way: pre-opened, pooled): give the frame buffer's
	// page back now. Later, an idle owner calls releaseIdleMemory() itself.
	if (total > 0 && _sendDrained && !streamOpened())
		releaseIdleMemory();
	return total;
}

bool Http2Codec::streamOpened() const
{
	if (_role == Role::Server)
		return nghttp2_session_get_last_proc_stream_id(_pSession) != 0;
	return nghttp2_session_get_next_stream_id(_pSession) != 1;
}

std::size_t Http2Codec::releaseIdleMemory()
{
	const std::size_t trimmed = _memory.trimCache() + _memory.discardZeroPages();
	if (!_frameBufferKnown || !_sendDrained || !_frameBufferUsed)
		return trimmed;
	_frameBufferUsed = false;
	return trimmed + _memory.discardScratch();
}

bool Http2Codec::wantsRead() const
{
	return nghttp2_session_want_read(_pSession) != 0;
}

bool Http2Codec::wantsWrite() const
{
	return nghttp2_session_want_write(_pSession) != 0;
}

std::int32_t Http2Codec::submitHeaders(
	std::int32_t streamId, const HeaderBlock& headers, BodySource* body, bool response, bool borrowFields)
{
	const NameValues nva(headers,
		borrowFields ? NGHTTP2_NV_FLAG_NO_COPY_NAME | NGHTTP2_NV_FLAG_NO_COPY_VALUE : NGHTTP2_NV_FLAG_NONE);
	nghttp2_data_provider provider;
	provider.source.ptr = body;
	provider.read_callback = &Callbacks::readBody;
	int rc;
	if (response)
		rc = nghttp2_submit_response(_pSession, streamId, nva.data(), nva.size(), body ? &provider : nullptr);
	else
		rc = nghttp2_submit_request(_pSession, nullptr, nva.data(), nva.size(), body ? &provider : nullptr, nullptr);
	if (rc < 0)
		_lastError = nghttp2_strerror(rc);
	return rc;
}

std::int32_t Http2Codec::submitRequest(const HeaderBlock& headers, BodySource* body)
{
	return submitHeaders(0, headers, body, false, false);
}

bool Http2Codec::submitResponse(std::int32_t streamId, const HeaderBlock& headers, BodySource* body, bool borrowFields)
{
	return submitHeaders(streamId, headers, body, true, borrowFields) == 0;
}

bool Http2Codec::submitInformational(std::int32_t streamId, const HeaderBlock& headers)
{
	const NameValues nva(headers);
	const int rc = nghttp2_submit_headers(_pSession, NGHTTP2_FLAG_NONE, streamId, nullptr, nva.data(), nva.size(), nullptr);
	return rc >= 0;
}

void Http2Codec::resumeBody(std::int32_t streamId)
{
	nghttp2_session_resume_data(_pSession, streamId);
}

void Http2Codec::resetStream(std::int32_t streamId, std::uint32_t errorCode)
{
	nghttp2_submit_rst_stream(_pSession, NGHTTP2_FLAG_NONE, streamId, errorCode);
}

void Http2Codec::consume(std::int32_t streamId, std::size_t length)
{
	if (length == 0)
		return;
	if (nghttp2_session_consume(_pSession, streamId, length) != 0)
		nghttp2_session_consume_connection(_pSession, length);
}

void Http2Codec::consumeConnection(std::size_t length)
{
	if (length > 0)
		nghttp2_session_consume_connection(_pSession, length);
}

void Http2Codec::submitPing()
{
	nghttp2_submit_ping(_pSession, NGHTTP2_FLAG_NONE, nullptr);
}

void Http2Codec::shutdownNotice()
{
	if (_role == Role::Server)
		nghttp2_submit_shutdown_notice(_pSession);
}

void Http2Codec::goAway(std::uint32_t errorCode)
{
	nghttp2_submit_goaway(
		_pSession, NGHTTP2_FLAG_NONE, nghttp2_session_get_last_proc_stream_id(_pSession), errorCode, nullptr, 0);
}

void Http2Codec::terminate(std::uint32_t errorCode)
{
	nghttp2_session_terminate_session(_pSession, errorCode);
}

bool Http2Codec::sendWindowClosed(std::int32_t streamId) const
{
	return nghttp2_session_get_stream_remote_window_size(_pSession, streamId) <= 0
		|| nghttp2_session_get_remote_window_size(_pSession) <= 0;
}

std::uint32_t Http2Codec::remoteMaxConcurrentStreams() const
{
	return nghttp2_session_get_remote_settings(_pSession, NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS);
}

const char* http2ErrorCodeName(std::uint32_t errorCode)
{
	static const char* const names[] = {"NO_ERROR", "PROTOCOL_ERROR", "INTERNAL_ERROR", "FLOW_CONTROL_ERROR",
		"SETTINGS_TIMEOUT", "STREAM_CLOSED", "FRAME_SIZE_ERROR", "REFUSED_STREAM", "CANCEL", "COMPRESSION_ERROR",
		"CONNECT_ERROR", "ENHANCE_YOUR_CALM", "INADEQUATE_SECURITY", "HTTP_1_1_REQUIRED"};
	return errorCode < sizeof(names) / sizeof(names[0]) ? names[errorCode] : "UNKNOWN";
}

} // namespace Codec
} // namespace PocoH2
