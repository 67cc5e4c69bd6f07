#include "client/ClientStream.h"
#include "PocoH2/HTTP2Exception.h"
#include "client/ClientConnection.h"
#include <algorithm>
#include <cstring>

namespace PocoH2 {
namespace Client {

namespace {

// Credit the server's windows in batches, not per read.
constexpr std::size_t CREDIT_BATCH = 32 * 1024;

} // namespace

void LoopPoster::post(Transport::EventLoop::Task task)
{
	std::lock_guard<std::mutex> lock(_mutex);
	if (_pLoop)
		_pLoop->post(std::move(task));
}

void LoopPoster::detach()
{
	std::lock_guard<std::mutex> lock(_mutex);
	_pLoop = nullptr;
}

ClientStream::~ClientStream() = default;

ClientStream::ClientStream(Codec::HeaderBlock request, BodyMode bodyMode, std::size_t bufferSize):
	_request(std::move(request)),
	_bodyMode(bodyMode),
	_outCapacity(std::max<std::size_t>(bufferSize, 1024))
{
	if (bodyMode == BodyMode::NONE)
		_outEnded = true;
}

template <typename Fn>
void ClientStream::postToConnection(Fn fn)
{
	std::weak_ptr<ClientConnection> weak;
	std::shared_ptr<LoopPoster> pPoster;
	{
		std::lock_guard<std::mutex> lock(_mutex);
		weak = _pConnection;
		pPoster = _pPoster;
	}
	if (!pPoster)
		return;
	pPoster->post(
		[weak, self = shared_from_this(), fn = std::move(fn)]() mutable
		{
			if (auto pConnection = weak.lock())
				fn(*pConnection, self);
		});
}

void ClientStream::throwError() const
{
	_pError->rethrow();
}

// ---- caller side ----

void ClientStream::setWholeBody(std::string body)
{
	std::lock_guard<std::mutex> lock(_mutex);
	_out = std::move(body);
	_outOffset = 0;
	_outEnded = true;
}

void ClientStream::setCompletion(Completion completion)
{
	_completion = std::move(completion);
	_collected = true;
}

std::size_t ClientStream::writeSome(const char* data, std::size_t length)
{
	bool wakeLoop;
	std::size_t n;
	{
		std::lock_guard<std::mutex> lock(_mutex);
		if (_pError)
			throwError();
		if (_complete || _outEnded)
			return length; // nobody takes them any more: drop
		const std::size_t buffered = _out.size() - _outOffset;
		n = buffered < _outCapacity ? std::min(length, _outCapacity - buffered) : 0;
		if (n == 0)
			return 0;
		_out.append(data, n);
		wakeLoop = _loopWaitsForOutput;
		_loopWaitsForOutput = false;
	}
	touch();
	if (wakeLoop)
		postToConnection([](ClientConnection& c, const Ptr& s) { c.resumeBody(s); });
	return n;
}

void ClientStream::writeBody(const char* data, std::size_t length)
{
	while (length > 0)
	{
		waitReady(true);
		const std::size_t n = writeSome(data, length);
		data += n;
		length -= n;
	}
}

void ClientStream::endBody()
{
	bool wakeLoop;
	{
		std::lock_guard<std::mutex> lock(_mutex);
		if (_outEnded)
			return;
		_outEnded = true;
		wakeLoop = _loopWaitsForOutput;
		_loopWaitsForOutput = false;
	}
	if (wakeLoop)
		postToConnection([](ClientConnection& c, const Ptr& s) { c.resumeBody(s); });
}

int ClientStream::waitReady(bool wantSpace)
{
	std::unique_lock<std::mutex> lock(_mutex);
	int ready = 0;
	_callerWake.wait(lock,
		[&]
		{
			ready = 0;
			if (wantSpace && (_out.size() - _outOffset < _outCapacity || _complete || _outEnded))
				ready |= BODY_SPACE;
			if (_pError || (_headArrived && (!_in.empty() || _inEnded)))
				ready |= RESPONSE;
			return ready != 0;
		});
	return ready;
}

void ClientStream::waitForHead()
{
	std::unique_lock<std::mutex> lock(_mutex);
	_callerWake.wait(lock, [this] { return _headArrived || _pError; });
	if (!_headArrived)
		throwError();
}

void ClientStream::creditRead(std::size_t n, bool drained)
{
	_uncredited += n;
	if (_uncredited > 0 && (drained || _uncredited >= CREDIT_BATCH))
	{
		const std::size_t credit = _uncredited;
		_uncredited = 0;
		postToConnection([credit](ClientConnection& c, const Ptr& s) { c.credit(s, credit); });
	}
}

std::size_t ClientStream::takeLocked(char* buffer, std::size_t length, bool& end, bool& drained)
{
	std::size_t n = 0;
	drained = false;
	end = false;
	if (!_in.empty())
	{
		n = _in.read(buffer, length);
		drained = _in.empty();
	}
	else if (_inEnded)
		end = true;
	else if (_pError)
		throwError();
	return n;
}

void ClientStream::afterTake(std::size_t n, bool ended, bool drained)
{
	if (ended)
		_endTaken = true;
	if (n == 0)
		return;
	touch();
	if (ended)
		// The server sent its END_STREAM: no window is needed on this
		// stream any more, and the connection's share of these bytes is
		// credited when the stream closes (ClientConnection::onStreamClose).
		// Saves a task, and often a wake-up of the loop, per request.
		_uncredited = 0;
	else
		creditRead(n, drained);
}

std::size_t ClientStream::readAvailable(char* buffer, std::size_t length, bool& end)
{
	std::size_t n;
	bool drained;
	bool ended;
	if (_endTaken)
	{
		end = true;
		return 0;
	}
	{
		std::lock_guard<std::mutex> lock(_mutex);
		n = takeLocked(buffer, length, end, drained);
		ended = end || (drained && _inEnded);
	}
	afterTake(n, ended, drained);
	return n;
}

std::size_t ClientStream::readBody(char* buffer, std::size_t length)
{
	// Waits and takes under one lock: for a small response the head, the
	// body and its end are all there when the caller wakes, and the read
	// that takes the last bytes also notes the end (the next call returns 0
	// without locking).
	if (_endTaken)
		return 0;
	std::size_t n;
	bool drained;
	bool ended;
	{
		std::unique_lock<std::mutex> lock(_mutex);
		_callerWake.wait(lock, [this] { return !_in.empty() || _inEnded || _pError; });
		bool end;
		n = takeLocked(buffer, length, end, drained);
		ended = end || (drained && _inEnded);
	}
	afterTake(n, ended, drained);
	return n;
}

void ClientStream::abandon()
{
	_abandoned.store(true, std::memory_order_relaxed);
	{
		std::lock_guard<std::mutex> lock(_mutex);
		if (_complete)
			return;
	}
	postToConnection([](ClientConnection& c, const Ptr& s) { c.cancel(s); });
}

// ---- loop side ----

bool ClientStream::attach(std::weak_ptr<ClientConnection> pConnection, std::shared_ptr<LoopPoster> pPoster)
{
	LoopLock lock(*this);
	_pConnection = std::move(pConnection);
	_pPoster = std::move(pPoster);
	return !_complete;
}

std::shared_ptr<ClientConnection> ClientStream::connection() const
{
	std::lock_guard<std::mutex> lock(_mutex);
	return _pConnection.lock();
}

bool ClientStream::prepareRetry()
{
	LoopLock lock(*this);
	if (_headArrived || _complete)
		return false;
	if (_outTaken > 0)
	{
		if (_bodyMode != BodyMode::WHOLE)
			return false;
		_outOffset = 0;
		_outTaken = 0;
	}
	_loopWaitsForOutput = false;
	_id = -1;
	_received = 0;
	_credited = 0;
	return true;
}

bool ClientStream::onHead(Codec::HeaderBlock& headers)
{
	touch();
	{
		LoopLock lock(*this);
		_responseHead = std::move(headers);
		_headArrived = true;
	}
	return !_collected;
}

bool ClientStream::onData(const std::uint8_t* data, std::size_t length)
{
	_received += length;
	touch();
	if (abandoned())
		return true;
	{
		LoopLock lock(*this);
		_in.append(reinterpret_cast<const char*>(data), length);
	}
	return _collected;
}

void ClientStream::onTrailers(Codec::HeaderBlock& trailers)
{
	LoopLock lock(*this);
	_trailers = std::move(trailers);
}

void ClientStream::wakeCaller()
{
	_wakeQueued = false;
	// complete() woke the caller already, and a complete exchange has no
	// sleeper: the usual case of a small response (head, body and end in one
	// read).
	if (_complete)
		return;
	unsigned sleepers;
	{
		std::lock_guard<std::mutex> lock(_mutex);
		sleepers = _callerWake.take();
	}
	_callerWake.post(sleepers);
}

void ClientStream::complete(LoopLock& lock)
{
	_complete = true;
	_loopWaitsForOutput = false;
	const unsigned sleepers = _callerWake.take();
	lock.unlock();
	_callerWake.post(sleepers);
	if (_collected)
		onCompleted();
}

void ClientStream::onCompleted()
{
	if (_completion)
	{
		Completion completion = std::move(_completion);
		_completion = nullptr;
		completion(*this);
	}
}

void ClientStream::onEnd()
{
	LoopLock lock(*this);
	if (_complete)
		return;
	if (!_headArrived)
	{
		_pError = std::make_unique<HTTP2Exception>("the stream ended without a response");
		return complete(lock);
	}
	_inEnded = true;
	complete(lock);
}

bool ClientStream::onClosed(std::uint32_t errorCode)
{
	// Only the loop thread completes an exchange and sets its error: no lock
	// to look at them here.
	if (_complete)
		return !_pError;
	LoopLock lock(*this);
	_pError = std::make_unique<HTTP2StreamResetException>(
		std::string("stream reset by RST_STREAM/GOAWAY ") + Codec::http2ErrorCodeName(errorCode),
		static_cast<int>(errorCode));
	complete(lock);
	return false;
}

void ClientStream::fail(const Poco::Exception& error)
{
	LoopLock lock(*this);
	if (_complete)
		return;
	_pError.reset(error.clone());
	complete(lock);
}

bool ClientStream::finished() const
{
	LoopLock lock(*this);
	return _complete;
}

bool ClientStream::bodyBlocked() const
{
	std::lock_guard<std::mutex> lock(_mutex);
	return _loopWaitsForOutput;
}

long ClientStream::read(std::uint8_t* buffer, std::size_t length, bool& endOfBody)
{
	unsigned sleepers = 0;
	std::size_t n;
	{
		LoopLock lock(*this);
		const std::size_t available = _out.size() - _outOffset;
		if (available == 0 && !_outEnded)
		{
			_loopWaitsForOutput = true;
			return DEFERRED;
		}
		if (available >= _outCapacity)
			sleepers = _callerWake.take(); // the caller may wait for space
		n = std::min(length, available);
		std::memcpy(buffer, _out.data() + _outOffset, n);
		_outOffset += n;
		_outTaken += n;
		if (_bodyMode != BodyMode::WHOLE)
		{
			if (_outOffset == _out.size())
			{
				_out.clear();
				_outOffset = 0;
			}
			else if (_outOffset >= _outCapacity)
			{
				_out.erase(0, _outOffset);
				_outOffset = 0;
			}
		}
		endOfBody = _outEnded && _outOffset == _out.size();
	}
	touch();
	_callerWake.post(sleepers);
	return static_cast<long>(n);
}

bool ClientStream::takeTrailers(Codec::HeaderBlock&)
{
	return false;
}

} // namespace Client
} // namespace PocoH2
