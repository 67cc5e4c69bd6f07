#include "server/ServerStream.h"
#include "PocoH2/HTTP2Exception.h"
#include "server/ServerConnection.h"
#include <Poco/Exception.h>
#include <algorithm>
#include <cstring>

namespace PocoH2 {
namespace Server {

namespace {

// Credit the peer's windows in batches, not per read.
constexpr std::size_t CREDIT_BATCH = 32 * 1024;

} // namespace

ServerStream::ServerStream(std::int32_t id, std::shared_ptr<const ConnectionInfo> pInfo, Transport::EventLoop& loop,
	std::weak_ptr<ServerConnection> pConnection, std::size_t responseBufferSize, std::chrono::milliseconds readTimeout):
	_id(id),
	_pInfo(std::move(pInfo)),
	_pLoop(&loop),
	_pConnection(std::move(pConnection)),
	_outCapacity(std::max<std::size_t>(responseBufferSize, 1024)),
	_readTimeout(readTimeout)
{
}

namespace {

void trimString(std::string& value)
{
	if (value.capacity() > ServerStream::RECYCLE_MAX_STRING)
		std::string().swap(value);
	else
		value.clear();
}

void trimBlock(Codec::HeaderBlock& block)
{
	if (block.fields().capacity() > ServerStream::RECYCLE_MAX_FIELDS)
		block = Codec::HeaderBlock();
	else
		block.clear();
}

void trimKeptBlock(Codec::HeaderBlock& block)
	// A block whose fields are overwritten next time keeps them, if small.
{
	if (block.fields().capacity() > ServerStream::RECYCLE_MAX_FIELDS)
	{
		block = Codec::HeaderBlock();
		return;
	}
	std::size_t bytes = 0;
	for (auto& field : block.fields())
		bytes += field.first.capacity() + field.second.capacity();
	if (bytes > ServerStream::RECYCLE_MAX_HEAD_BYTES)
		block = Codec::HeaderBlock();
}

void trimPipe(Transport::BytePipe& pipe)
{
	if (pipe.capacity() > ServerStream::RECYCLE_MAX_BYTES)
		pipe.release();
	else
		pipe.clear();
}

} // namespace

void ServerStream::reuse(std::int32_t id, std::shared_ptr<const ConnectionInfo> pInfo, Transport::EventLoop& loop,
	std::weak_ptr<ServerConnection> pConnection, std::size_t responseBufferSize, std::chrono::milliseconds readTimeout)
{
	_id = id;
	_pInfo = std::move(pInfo);
	_pLoop = &loop;
	_pConnection = std::move(pConnection);
	_outCapacity = std::max<std::size_t>(responseBufferSize, 1024);
	_readTimeout = readTimeout;
}

void ServerStream::recycle()
{
	// Nobody else holds the stream: the lock only orders this after what a
	// handler thread did last, and no thread waits on the condition variables.
	auto lock = lockShared();
	_id = 0;
	_pInfo.reset();
	_pConnection.reset();
	trimString(_request.method);
	trimString(_request.scheme);
	trimString(_request.authority);
	trimString(_request.path);
	trimBlock(_request.headers);
	_requestTrailers = Codec::HeaderBlock();
	trimPipe(_in);
	_inEnded = false;
	_discarding = false;
	trimPipe(_out);
	_lent = nullptr;
	_lentSize = 0;
	_outEnded = false;
	_loopWaitsForOutput = false;
	_handlerWaitsForSpace = false;
	_trailers = Codec::HeaderBlock();
	trimKeptBlock(_head);
	_events = StreamEvents();
	_eventsPosted = false;
	_closed = false;
	_closeCode = 0;
	_inline = false;
	_inlineSendAt = 0;
	_uncredited = 0;
	_requestEndSeen = false;
	_trailersPending = false;
	_received = 0;
	_credited = 0;
	_sent = 0;

	handlerFinished = false;
	localEnded = false;
	responseStarted = false;
	abandoned = false;
	handlerRunning = false;
	handlerWaitsForUpload = false;
	detached = false;
	headFieldsLent = false;
	heldHeaderBytes = 0;
	sendStalled = false;
	sentAtStall = 0;
	stalledSince = Transport::EventLoop::Clock::time_point();
}

void ServerStream::postEvents(std::unique_lock<std::mutex>& lock)
{
	if (_inline)
		return; // no lock taken; the connection delivers them when the handler returns
	const bool post = !_eventsPosted;
	_eventsPosted = true;
	lock.unlock();
	// Deferred: the handler thread wakes the loop when it blocks or goes idle
	// (or a timer does within a millisecond), so that a run of responses
	// costs the loop one wake-up.
	if (post)
		_pLoop->postDeferred(shared_from_this());
}

void ServerStream::run()
{
	if (auto pConnection = _pConnection.lock())
		pConnection->deliverEvents(*this);
}

StreamEvents ServerStream::takeEvents()
{
	auto lock = lockShared();
	StreamEvents events = std::move(_events);
	_events = StreamEvents();
	_eventsPosted = false;
	return events;
}

void ServerStream::throwClosed() const
{
	throw HTTP2StreamResetException("stream " + std::to_string(_id) + " was closed by "
			+ (_closeCode ? std::string("RST_STREAM/GOAWAY ") + Codec::http2ErrorCodeName(_closeCode)
						  : std::string("the connection")),
		static_cast<int>(_closeCode));
}

std::size_t ServerStream::readBody(char* buffer, std::size_t length)
{
	std::size_t n = 0;
	bool drained = false;
	{
		auto lock = lockShared();
		const auto readable = [this] { return !_in.empty() || _inEnded || _closed; };
		if (!readable())
		{
			// What this thread queued for the loop (credit, a response head
			// a bidirectional peer waits for) must not wait for us.
			lock.unlock();
			Transport::EventLoop::wakeDeferred();
			lock.lock();
		}
		if (!_inReady.wait_for(lock, _readTimeout, readable))
		{
			// Handlers read through std::istream, which swallows exceptions:
			// the connection answers 408 itself and ends the stream.
			_events.timedOut = true;
			_events.timedOutBeforeHead = !_events.hasHead;
			postEvents(lock);
			throw Poco::TimeoutException("no request body bytes on stream " + std::to_string(_id) + " for "
				+ std::to_string(_readTimeout.count()) + " ms");
		}
		if (!_in.empty())
		{
			n = _in.read(buffer, length);
			drained = _in.empty();
		}
		else if (!_inEnded)
			throwClosed();
	}
	_uncredited += n;
	if (_uncredited > 0 && (drained || _uncredited >= CREDIT_BATCH))
	{
		auto lock = lockShared();
		_events.credit += _uncredited;
		_uncredited = 0;
		postEvents(lock);
	}
	return n;
}

Codec::HeaderBlock ServerStream::requestTrailers() const
{
	auto lock = lockShared();
	return _requestTrailers;
}

void ServerStream::sendInformational(Codec::HeaderBlock headers)
{
	auto lock = lockShared();
	_events.informational.push_back(std::move(headers));
	postEvents(lock);
}

Codec::HeaderBlock ServerStream::takeHeadStorage()
{
	// No lock: the loop reads _head only after this exchange's sendHead(),
	// and the last exchange's reads happened before this one was dispatched.
	Codec::HeaderBlock storage = std::move(_head);
	_head = Codec::HeaderBlock(); // no list size left behind by the move
	return storage;
}

void ServerStream::trimHead()
{
	trimKeptBlock(_head);
}

Codec::HeaderBlock ServerStream::takeLentHead()
{
	headFieldsLent = false;
	return takeHeadStorage();
}

void ServerStream::sendHead(Codec::HeaderBlock headers, bool withBody)
{
	auto lock = lockShared();
	if (!withBody)
		_outEnded = true;
	_events.hasHead = true;
	_head = std::move(headers);
	_events.headWithBody = withBody;
	postEvents(lock);
}

std::size_t ServerStream::sendHeadWithBody(Codec::HeaderBlock headers, const char* data, std::size_t length)
{
	auto lock = lockShared();
	_events.hasHead = true;
	_head = std::move(headers);
	_events.headWithBody = true;
	std::size_t n = 0;
	if (!_closed)
	{
		n = std::min(length, _outCapacity - std::min(_outCapacity, _out.size()));
		_out.append(data, n);
	}
	postEvents(lock);
	return n;
}

void ServerStream::writeBody(const char* data, std::size_t length)
{
	if (_inline)
		return writeBodyInline(data, length);
	while (length > 0)
	{
		std::size_t n;
		{
			auto lock = lockShared();
			const auto writable = [this] { return _out.size() < _outCapacity || _closed; };
			if (!writable())
			{
				lock.unlock();
				Transport::EventLoop::wakeDeferred();
				lock.lock();
			}
			_handlerWaitsForSpace = true;
			_outSpace.wait(lock, writable);
			_handlerWaitsForSpace = false;
			if (_closed)
				throwClosed();
			n = std::min(length, _outCapacity - _out.size());
			_out.append(data, n);
			if (resumeWaitingLoop())
				postEvents(lock);
		}
		data += n;
		length -= n;
	}
}

void ServerStream::writeBodyInline(const char* data, std::size_t length)
{
	// On the loop thread: nothing to wait for, and no lock. The bytes are
	// held, a buffer's worth at a time, and every time another buffer's
	// worth has gathered the connection sends what the socket and the
	// peer's window take now, so that a peer that keeps up keeps the
	// buffer small (and a 1 GiB response is not held whole).
	while (length > 0)
	{
		if (_closed)
			throwClosed();
		const std::size_t n = std::min(length, _outCapacity);
		_out.append(data, n);
		resumeWaitingLoop();
		data += n;
		length -= n;
		if (_out.size() >= _inlineSendAt)
		{
			if (auto pConnection = _pConnection.lock())
				pConnection->sendInlineOutput(*this);
			_inlineSendAt = _out.size() + _outCapacity;
		}
	}
}

void ServerStream::lendBody(const char* data, std::size_t length)
{
	if (_inline)
		return writeBody(data, length);
	if (length == 0)
		return;
	auto lock = lockShared();
	if (_closed)
		throwClosed();
	_lent = data;
	_lentSize = length;
	resumeWaitingLoop();
	postEvents(lock); // unlocks
	Transport::EventLoop::wakeDeferred(); // the loop must not wait for this thread to go idle
	lock.lock();
	// The loop reads the bytes under the lock, and neither reads them once
	// all are taken nor once the stream is closed: after this returns it
	// never touches them again.
	_handlerWaitsForSpace = true;
	_outSpace.wait(lock, [this] { return _lentSize == 0 || _closed; });
	_handlerWaitsForSpace = false;
	if (_lentSize > 0)
	{
		_lent = nullptr;
		_lentSize = 0;
		throwClosed();
	}
}

void ServerStream::endBody(Codec::HeaderBlock trailers)
{
	auto lock = lockShared();
	if (_outEnded)
		return;
	_outEnded = true;
	_trailers = std::move(trailers);
	if (resumeWaitingLoop())
		postEvents(lock);
}

bool ServerStream::resumeWaitingLoop()
{
	if (!_loopWaitsForOutput)
		return false;
	_loopWaitsForOutput = false;
	_events.resumeBody = true;
	return true;
}

void ServerStream::flush()
{
	Transport::EventLoop::wakeDeferred();
}

void ServerStream::handlerDone()
{
	auto lock = lockShared();
	_events.credit += _uncredited;
	_uncredited = 0;
	_events.handlerDone = true;
	postEvents(lock);
}

bool ServerStream::isClosed() const
{
	auto lock = lockShared();
	return _closed;
}

bool ServerStream::onBodyData(const std::uint8_t* data, std::size_t length)
{
	_received += length;
	{
		auto lock = lockShared();
		if (_discarding)
			return true;
		_in.append(reinterpret_cast<const char*>(data), length);
	}
	_inReady.notify_one();
	return false;
}

void ServerStream::onRequestEnd()
{
	// The codec reports END_STREAM after the connection may already have
	// applied it with the request's headers.
	if (_requestEndSeen)
		return;
	_requestEndSeen = true;
	{
		auto lock = lockShared();
		_inEnded = true;
	}
	_inReady.notify_one();
}

void ServerStream::onRequestTrailers(Codec::HeaderBlock& trailers)
{
	auto lock = lockShared();
	_requestTrailers = std::move(trailers);
}

bool ServerStream::requestEnded() const
{
	// _inEnded is only ever set by the loop thread (onRequestEnd), which
	// keeps its own copy: no lock.
	return _requestEndSeen;
}

std::size_t ServerStream::discardUnread()
{
	auto lock = lockShared();
	_discarding = true;
	return _in.release();
}

void ServerStream::onClosed(std::uint32_t errorCode)
{
	{
		auto lock = lockShared();
		_closed = true;
		_closeCode = errorCode;
		_out.clear();
		// Lent bytes stay counted, untouched, for lendBody() to see what it
		// did not get sent.
	}
	_inReady.notify_all();
	_outSpace.notify_all();
}

void ServerStream::runInline()
{
	// No lock: set before the handler runs, on the thread that runs it; no
	// other thread ever sees this stream's handler side.
	_inline = true;
	_inlineSendAt = _outCapacity;
}

long ServerStream::read(std::uint8_t* buffer, std::size_t length, bool& endOfBody)
{
	bool inPlace = false;
	return take(buffer, length, endOfBody, false, inPlace);
}

long ServerStream::readFrame(std::uint8_t* buffer, std::size_t length, bool& endOfBody, bool& inPlace)
{
	return take(buffer, length, endOfBody, true, inPlace);
}

long ServerStream::take(std::uint8_t* buffer, std::size_t length, bool& endOfBody, bool mayLeaveInPlace, bool& inPlace)
{
	inPlace = false;
	bool wakeHandler = false;
	std::size_t n = 0;
	{
		auto lock = lockShared();
		if (_out.empty() && _lentSize > 0 && !_closed)
		{
			// lendBody()'s bytes, from where they are; the body goes on
			// after them (endBody() comes after lendBody() returned).
			endOfBody = false;
			n = std::min(length, _lentSize);
			if (mayLeaveInPlace && n >= IN_PLACE_MIN)
			{
				inPlace = true; // appendTo() copies them
				return static_cast<long>(n);
			}
			std::memcpy(buffer, _lent, n);
			wakeHandler = takeLent(n);
		}
		else
		{
			if (_out.empty() && !_outEnded)
			{
				_loopWaitsForOutput = true;
				return DEFERRED;
			}
			if (mayLeaveInPlace && std::min(length, _out.size()) >= IN_PLACE_MIN)
			{
				// Copied by appendTo() straight into the connection's output.
				// The handler only ever adds bytes meanwhile, so the n counted
				// now are there then.
				inPlace = true;
				n = std::min(length, _out.size());
				endOfBody = _outEnded && n == _out.size();
				if (endOfBody)
					_trailersPending = !_trailers.empty();
				return static_cast<long>(n);
			}
			n = _out.read(buffer, length);
			endOfBody = _outEnded && _out.empty();
			if (endOfBody)
				_trailersPending = !_trailers.empty(); // final: endBody() set them with _outEnded
			wakeHandler = handlerMayRefill();
		}
	}
	_sent += n;
	if (wakeHandler)
		_outSpace.notify_one();
	return static_cast<long>(n);
}

bool ServerStream::takeLent(std::size_t n)
{
	_lent += n;
	_lentSize -= n;
	if (_lentSize > 0)
		return false;
	_lent = nullptr;
	return true; // lendBody() may return now
}

bool ServerStream::handlerWaitsForRoom() const
{
	auto lock = lockShared();
	return _handlerWaitsForSpace;
}

bool ServerStream::handlerMayRefill() const
{
	// Not as soon as a frame's worth of room appears: the handler would
	// wake, add one frame's worth and wait again, two thread switches per
	// DATA frame (70 per MiB on one core). From half empty it adds half a
	// buffer at once.
	return _handlerWaitsForSpace && _lentSize == 0 && _out.size() <= _outCapacity / 2;
}

void ServerStream::appendTo(std::string& out, std::size_t length)
{
	bool wakeHandler = false;
	{
		auto lock = lockShared();
		if (_out.empty() && _lentSize >= length && !_closed)
		{
			out.append(_lent, length);
			wakeHandler = takeLent(length);
		}
		else
		{
			if (_out.readInto(out, length) != length)
				throw std::logic_error("stream " + std::to_string(_id) + " lost response bytes it had offered");
			wakeHandler = handlerMayRefill();
		}
	}
	_sent += length;
	if (wakeHandler)
		_outSpace.notify_one();
}

bool ServerStream::hasPendingOutput() const
{
	auto lock = lockShared();
	return !_out.empty() || (_lentSize > 0 && !_closed) || _handlerWaitsForSpace;
}

bool ServerStream::takeTrailers(Codec::HeaderBlock& trailers)
{
	if (!_trailersPending)
		return false;
	_trailersPending = false;
	auto lock = lockShared();
	if (_trailers.empty())
		return false;
	trailers = std::move(_trailers);
	_trailers.clear();
	return true;
}

} // namespace Server
} // namespace PocoH2
