#include "server/ServerConnection.h"
#include "server/ServerEngine.h"
#include "server/StreamPool.h"
#include "transport/TlsStreamSocketImpl.h"
#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/Net/StreamSocketImpl.h>
#include <Poco/String.h>
#include <Poco/Timestamp.h>
#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <nghttp2/nghttp2.h>
#include <sys/epoll.h>
#include <sys/socket.h>

namespace PocoH2 {
namespace Server {

namespace {

constexpr char CLIENT_PREFACE[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

// Decoded request headers one connection may hold at once (streams waiting
// for or running their handler), at least this much and at least two
// maximal header lists. HPACK lets a peer make a 1 MiB header list out of a
// few hundred bytes (one byte per reference to a large table entry), so the
// per-request limit alone would let one connection hold maxConcurrentStreams
// of them; requests beyond the budget are refused (REFUSED_STREAM: retry
// later) until earlier ones finish.
constexpr std::size_t MIN_HELD_HEADER_BYTES = 8u << 20;

// Bytes one connection may feed its codec per loop turn (one read of the
// loop's 64 KiB buffer); then the others ready in the same turn get theirs,
// and this one continues in a posted task. A flooding peer therefore delays
// the connections beside it by one such slice, not by everything it manages
// to send.
constexpr std::size_t READ_BUDGET_PER_TURN = 64 * 1024;

// Recycled streams a loop thread keeps once one of its connections has been
// idle for IDLE_MEMORY_DELAY (StreamPool keeps up to 1024 during a burst).
constexpr std::size_t IDLE_POOLED_STREAMS = 32;

// In a turn that serves this connection alone, its inline responses leave
// in slices of this many instead of all at the end of the turn: the peer
// works on the first ones (and sends its next requests) while the loop
// serves the rest, where it would otherwise wait for the whole batch. With
// other connections ready in the same turn the peer has work anyway, and the
// extra writes would only cost (docs/PROFILE.md §9).
constexpr std::size_t RESPONSES_PER_EARLY_WRITE = 16;

// How often the send-stall check runs while streams are open: a stall is
// acted on between 1 and 1.25 send timeouts after it began.
std::chrono::milliseconds sendStallCheckInterval(const EngineConfig& config)
{
	return std::max(config.sendTimeout / 4, std::chrono::milliseconds(10));
}

// How long a connection stays idle (no stream, no handler) before it gives
// back the memory its last streams left: the codec's cached allocator blocks
// and the frame buffer's pages. Under load a connection is idle for moments
// between loop turns; trimming then would defeat the cache.
constexpr std::chrono::milliseconds IDLE_MEMORY_DELAY{1000};

Poco::Net::SocketAddress socketAddress(int fd, bool peer)
{
	sockaddr_storage storage{};
	socklen_t length = sizeof(storage);
	auto* pAddress = reinterpret_cast<sockaddr*>(&storage);
	const int rc = peer ? ::getpeername(fd, pAddress, &length) : ::getsockname(fd, pAddress, &length);
	if (rc != 0)
		return Poco::Net::SocketAddress();
	return Poco::Net::SocketAddress(pAddress, length);
}

template <std::size_t N>
bool is(const std::string& text, const char (&literal)[N])
	// text == literal, without strlen() (this runs for every request field)
{
	return text.size() == N - 1 && std::memcmp(text.data(), literal, N - 1) == 0;
}

Codec::HeaderBlock statusOnly(int status, const std::string& server)
{
	Codec::HeaderBlock headers;
	headers.add(":status", std::to_string(status));
	headers.add("content-length", "0");
	headers.add("date", Poco::DateTimeFormatter::format(Poco::Timestamp(), Poco::DateTimeFormat::HTTP_FORMAT));
	if (!server.empty())
		headers.add("server", server);
	return headers;
}

} // namespace

ServerConnection::ServerConnection(ServerEngine& engine, Transport::EventLoop& loop, int fd, SSL_CTX* pTlsContext):
	_engine(engine),
	_loop(loop),
	_pInfo(std::make_shared<ConnectionInfo>()),
	_state(pTlsContext ? State::HANDSHAKE : State::SNIFF)
{
	if (pTlsContext)
	{
		auto pTls = std::make_unique<Transport::TlsChannel>(fd, pTlsContext);
		_pTls = pTls.get();
		_pChannel = std::move(pTls);
	}
	else
		_pChannel = std::make_unique<Transport::Channel>(fd);
	_pInfo->clientAddress = socketAddress(fd, true);
	_pInfo->serverAddress = socketAddress(fd, false);
	_pInfo->secure = pTlsContext != nullptr;
}

ServerConnection::~ServerConnection() = default;

std::string ServerConnection::describe() const
{
	return _pInfo->clientAddress.toString();
}

void ServerConnection::open()
{
	// While sniffing, the bytes are only peeked at, so the wait for more of
	// them must be edge-triggered.
	_interest = _state == State::SNIFF ? (EPOLLIN | EPOLLET) : EPOLLIN;
	_loop.add(_pChannel->fd(), _interest, this);
	std::weak_ptr<ServerConnection> weak = shared_from_this();
	_loop.runAfter(_engine.config().handshakeTimeout,
		[weak]
		{
			auto self = weak.lock();
			if (self && (self->_state == State::HANDSHAKE || self->_state == State::SNIFF))
			{
				self->_engine.connectionRefused();
				self->closeNow("no handshake or request within the timeout", true);
			}
		});
	if (_state == State::HANDSHAKE)
		continueHandshake();
	else
		sniff();
}

void ServerConnection::setInterest(std::uint32_t events)
{
	if (events != _interest && _state != State::CLOSED)
	{
		_interest = events;
		_loop.modify(_pChannel->fd(), events, this);
	}
}

void ServerConnection::scheduleFlush()
{
	if (!_flushQueued && _state == State::HTTP2)
	{
		_flushQueued = true;
		_loop.flushLater(shared_from_this());
	}
}

void ServerConnection::onIoEvent(std::uint32_t events)
{
	switch (_state)
	{
	case State::HANDSHAKE:
		continueHandshake();
		break;
	case State::SNIFF:
		sniff();
		break;
	case State::HTTP2:
		if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) || (_pChannel->needsWritableToRead() && (events & EPOLLOUT)))
			readAvailable();
		if (_state == State::HTTP2)
			scheduleFlush();
		break;
	case State::CLOSED:
		break;
	}
}

void ServerConnection::continueHandshake()
{
	switch (_pTls->handshake())
	{
	case Transport::TlsChannel::Handshake::DONE:
		if (_pTls->alpnProtocol() == "h2")
			startHttp2();
		else
			handOffToHttp1();
		break;
	case Transport::TlsChannel::Handshake::WANT_READ:
		setInterest(EPOLLIN);
		break;
	case Transport::TlsChannel::Handshake::WANT_WRITE:
		setInterest(EPOLLOUT);
		break;
	case Transport::TlsChannel::Handshake::FAILED:
		_engine.connectionRefused();
		closeNow("TLS handshake failed: " + _pTls->lastError(), true);
		break;
	}
}

void ServerConnection::sniff()
{
	// "PRI " exists only as the start of the HTTP/2 magic, so four bytes
	// decide; nghttp2 then checks the rest of the preface (a bad one gets
	// GOAWAY PROTOCOL_ERROR, never a trip to an HTTP/1.1 handler). Anything
	// else is HTTP/1.1, unless its request head asks for an h2c Upgrade.
	// Bytes are only peeked at until the decision, so Poco's HTTP/1.1 server
	// reads the request itself.
	static thread_local char buffer[H2cUpgradeRequest::MAX_HEAD];
	const ssize_t n = ::recv(_pChannel->fd(), buffer, sizeof(buffer), MSG_PEEK);
	if (n == 0)
		return closeNow("closed before a request");
	if (n < 0)
	{
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return;
		return closeNow(std::string("read failed: ") + std::strerror(errno));
	}
	constexpr std::size_t DECISIVE = 4;
	const std::size_t compared = std::min<std::size_t>(static_cast<std::size_t>(n), DECISIVE);
	if (std::memcmp(buffer, CLIENT_PREFACE, compared) == 0)
	{
		if (compared == DECISIVE)
			startHttp2();
		return; // a prefix of "PRI "; the next edge brings more
	}
	const H2cUpgradeRequest upgrade = H2cUpgradeRequest::parse(buffer, static_cast<std::size_t>(n));
	switch (upgrade.verdict)
	{
	case H2cUpgradeRequest::Verdict::INCOMPLETE:
		return;
	case H2cUpgradeRequest::Verdict::HTTP1:
		return handOffToHttp1();
	case H2cUpgradeRequest::Verdict::UPGRADE:
		// Consume the request head: it is answered on stream 1.
		if (::recv(_pChannel->fd(), buffer, upgrade.headLength, 0) != static_cast<ssize_t>(upgrade.headLength))
			return closeNow("reading the upgrade request failed", true);
		return startHttp2(&upgrade);
	}
}

void ServerConnection::startHttp2(const H2cUpgradeRequest* pUpgrade)
{
	_state = State::HTTP2;
	_pCodec = std::make_unique<Codec::Http2Codec>(
		Codec::Http2Codec::Role::Server, static_cast<Codec::CodecListener&>(*this), _engine.config().codec);
	if (pUpgrade)
	{
		if (!_pCodec->upgrade(pUpgrade->settings, pUpgrade->request.method == "HEAD"))
			return closeNow("bad HTTP2-Settings in h2c upgrade: " + _pCodec->lastError(), true);
		_pump.prepend("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n");
		constexpr std::int32_t UPGRADE_STREAM = 1;
		if (!onStreamBegin(UPGRADE_STREAM))
			return closeNow("no stream slot for the h2c upgrade's request", true);
		ServerStream& stream = *_streams.find(UPGRADE_STREAM);
		stream.mutableRequest() = pUpgrade->request;
		stream.onRequestEnd();
		dispatch(stream);
	}
	_lastInput = _idleSince = Transport::EventLoop::Clock::now();
	onTimer();
	setInterest(EPOLLIN);
	// TLS may already hold the preface and first requests.
	readAvailable();
	scheduleFlush();
}

void ServerConnection::handOffToHttp1()
{
	_loop.remove(_pChannel->fd());
	Transport::SslPtr pSsl;
	if (_pTls)
		pSsl = _pTls->releaseSsl();
	const int fd = _pChannel->releaseFd();
	_state = State::CLOSED;
	try
	{
		Poco::Net::StreamSocketImpl* pImpl;
		if (pSsl)
			pImpl = new Transport::TlsStreamSocketImpl(fd, std::move(pSsl));
		else
		{
			pImpl = new Poco::Net::StreamSocketImpl(fd);
			pImpl->setBlocking(true);
		}
		Poco::Net::StreamSocket socket(pImpl); // takes ownership of pImpl (and the fd)
		_engine.handOff(socket);
	}
	catch (Poco::Exception& exc)
	{
		_engine.logger().warning("HTTP/1.1 hand-off of " + describe() + " failed: " + exc.displayText());
	}
	_loop.releaseLater(shared_from_this());
	_engine.connectionClosed(_loop, this);
}

void ServerConnection::readAvailable()
{
	decodeAvailable();
	runInlineHandlers();
}

void ServerConnection::decodeAvailable()
{
	const auto status = _pump.read(
		*_pChannel, *_pCodec,
		[this](const std::uint8_t*, std::size_t)
		{
			noteInput();
			return true;
		},
		READ_BUDGET_PER_TURN);
	switch (status)
	{
	case Transport::CodecPump::Status::STOPPED:
	{
		// Level-triggered epoll would report the socket again, but TLS may
		// hold decrypted bytes the socket no longer shows: continue in a task
		// (one at a time: an inline handler's reads may stop here often).
		postOnce(&ServerConnection::_readTaskPosted, &ServerConnection::readAvailable);
		break;
	}
	case Transport::CodecPump::Status::CLOSED:
		return closeNow("peer closed");
	case Transport::CodecPump::Status::FAILED:
		return closeNow("read failed: " + _pChannel->lastError(), true);
	default:
		break; // after a CODEC_ERROR the GOAWAY goes out with the next flush, then we close
	}
	if (_state == State::HTTP2 && !_pCodec->wantsRead())
		setInterest(_interest & ~EPOLLIN);
}

bool ServerConnection::writeOutput()
{
	if (_state != State::HTTP2)
		return false;
	switch (_pump.write(*_pChannel, *_pCodec))
	{
	case Transport::CodecPump::Status::CLOSED:
		closeNow("peer closed");
		return false;
	case Transport::CodecPump::Status::FAILED:
		closeNow("write failed: " + _pChannel->lastError(), true);
		return false;
	default:
		return true;
	}
}

void ServerConnection::flush()
{
	_flushQueued = false;
	if (!writeOutput())
		return;
	if (!_pump.pending(*_pChannel) && _pCodec->finished())
	{
		if (_pCodec->failed())
			return closeNow("HTTP/2 session failed: " + _pCodec->lastError(), true);
		const std::uint32_t code = _pCodec->goAwayErrorSent();
		if (code == 0)
			return closeNow("session finished");
		return closeNow(std::string("sent GOAWAY ") + Codec::http2ErrorCodeName(code) + ": " + _pCodec->lastError(), true);
	}
	// Idle connections keep no output buffer, nor room for streams.
	if (_streams.empty())
	{
		_pump.trim(0);
		_streams.releaseMemory();
	}
	setInterest(_pump.interest(*_pChannel, *_pCodec));
}

void ServerConnection::closeNow(const std::string& reason, bool notable)
{
	if (_state == State::CLOSED)
		return;
	const std::string message = "closing connection from " + describe() + ": " + reason;
	if (notable)
		_engine.logger().information(message);
	else
		_engine.logger().debug(message);
	_state = State::CLOSED;
	_loop.remove(_pChannel->fd());
	_streams.forEach(
		[this](ServerStream& stream)
		{
			stream.onClosed(0);
			stream.detached = true;
			if (stream.handlerRunning)
				++_detachedHandlers;
			if (stream.headFieldsLent) // until the session is gone
				_lentHeads.emplace_back(stream.id(), stream.takeLentHead());
		});
	_streams.clear();
	_waitingForHandler.clear();
	_awaitingBody.clear();
	_loop.releaseLater(shared_from_this());
	_pChannel.reset(); // closes the socket
	_engine.connectionClosed(_loop, this);
}

void ServerConnection::shutdown()
{
	if (_state != State::HTTP2)
		return closeNow("server stopping");
	if (_shuttingDown)
		return;
	// RFC 9113 §6.8: a GOAWAY with the largest stream id first, then, one
	// round trip later (a PING's acknowledgement, or a second at most), the
	// GOAWAY with the last stream id we process.
	_shuttingDown = true;
	_pCodec->shutdownNotice(); // its PING follows once it is on the wire (onGoAwaySent)
	std::weak_ptr<ServerConnection> weak = shared_from_this();
	_loop.runAfter(std::chrono::seconds(1),
		[weak]
		{
			if (auto self = weak.lock())
				self->sendFinalGoAway();
		});
	scheduleFlush();
}

void ServerConnection::sendFinalGoAway()
{
	if (_finalGoAwaySent || _state != State::HTTP2)
		return;
	_finalGoAwaySent = true;
	_pCodec->goAway(NGHTTP2_NO_ERROR);
	scheduleFlush();
}

void ServerConnection::onGoAwaySent(std::int32_t)
{
	// nghttp2 sends PINGs ahead of GOAWAYs: submitting the round-trip PING
	// only now makes its acknowledgement prove the notice arrived.
	if (_shuttingDown && !_shutdownPingSent && !_finalGoAwaySent)
	{
		_shutdownPingSent = true;
		_pCodec->submitPing();
	}
}

void ServerConnection::onPingAck()
{
	_pingOutstanding = false;
	if (_shutdownPingSent)
		sendFinalGoAway();
}

void ServerConnection::armTimer(Transport::EventLoop::Clock::time_point due)
{
	if (_timerArmed && _timerDue <= due)
		return;
	_timerArmed = true;
	_timerDue = due;
	std::weak_ptr<ServerConnection> weak = shared_from_this();
	_loop.runAfter(std::max(due - Transport::EventLoop::Clock::now(), Transport::EventLoop::Clock::duration::zero()),
		[weak, due]
		{
			auto self = weak.lock();
			if (self && self->_timerArmed && self->_timerDue == due)
			{
				self->_timerArmed = false;
				self->onTimer();
			}
		});
}

void ServerConnection::noteIfIdle()
{
	if (_streams.empty() && _runningHandlers == 0)
	{
		_idleSince = Transport::EventLoop::Clock::now();
		// Whatever pingInterval and idleTimeout say, the timer comes back to
		// release the idle memory (armTimer keeps an earlier deadline).
		_idleMemoryHeld = true;
		armTimer(_idleSince + IDLE_MEMORY_DELAY);
	}
}

void ServerConnection::noteInput()
{
	_lastInput = Transport::EventLoop::Clock::now();
	// Frames that reach an idle connection (the peer's PING, SETTINGS,
	// WINDOW_UPDATE) have nghttp2 queue and free blocks, and its answers
	// dirty the frame buffer: released again a second later.
	if (_streams.empty() && _runningHandlers == 0)
	{
		_idleMemoryHeld = true;
		armTimer(_lastInput + IDLE_MEMORY_DELAY);
	}
}

void ServerConnection::onTimer()
{
	// Keepalive PING and idle timeout share one timer per connection, armed
	// for the nearest deadline; input only moves a timestamp.
	if (_state != State::HTTP2)
		return;
	const EngineConfig& config = _engine.config();
	const auto now = Transport::EventLoop::Clock::now();
	const bool idle = _streams.empty() && _runningHandlers == 0;
	if (_pingOutstanding && now - _pingSentAt >= config.pingTimeout)
		return closeNow("no PING acknowledgement within " + std::to_string(config.pingTimeout.count()) + " ms", true);
	if (idle && config.idleTimeout.count() > 0 && now - _idleSince >= config.idleTimeout)
	{
		_engine.logger().debug("idle timeout of connection from " + describe());
		_pCodec->terminate(NGHTTP2_NO_ERROR); // GOAWAY, then the flush closes
		scheduleFlush();
		return;
	}
	if (idle && now - _idleSince >= IDLE_MEMORY_DELAY)
	{
		_pCodec->releaseIdleMemory(); // the frame buffer's pages, dirtied by the last response or PING
		StreamPool::trim(IDLE_POOLED_STREAMS); // what a burst on this loop thread left
		_idleMemoryHeld = false;
	}
	else if (!idle && !checkSendStalls(now))
		return;
	if (config.pingInterval.count() > 0 && !_pingOutstanding && now - _lastInput >= config.pingInterval)
	{
		_pCodec->submitPing();
		_pingOutstanding = true;
		_pingSentAt = now;
		scheduleFlush();
	}
	auto next = Transport::EventLoop::Clock::time_point::max();
	if (_pingOutstanding)
		next = _pingSentAt + config.pingTimeout;
	else if (config.pingInterval.count() > 0)
		next = std::max(_lastInput + config.pingInterval, now + std::chrono::milliseconds(10));
	if (config.idleTimeout.count() > 0)
		next = std::min(next, idle ? _idleSince + config.idleTimeout : now + config.idleTimeout);
	if (!idle && config.sendTimeout.count() > 0)
		next = std::min(next, now + sendStallCheckInterval(config));
	if (idle && _idleMemoryHeld)
		next = std::min(next, _idleSince + IDLE_MEMORY_DELAY);
	if (next != Transport::EventLoop::Clock::time_point::max())
		armTimer(next);
}

bool ServerConnection::checkSendStalls(Transport::EventLoop::Clock::time_point now)
{
	// A peer that takes nothing of what we send (its windows stay closed,
	// or it reads nothing from the socket) would hold a handler thread
	// blocked in its writes, or an inline handler's whole response, for
	// ever: after the send timeout without progress the stream is reset,
	// or the connection closed.
	const auto timeout = _engine.config().sendTimeout;
	if (timeout.count() <= 0)
		return true;
	if (!_pump.pending(*_pChannel) || _pump.bytesWritten() != _writtenAtCheck)
	{
		_writeStalled = false;
		_writtenAtCheck = _pump.bytesWritten();
	}
	else if (!_writeStalled)
	{
		_writeStalled = true;
		_writeStalledSince = now;
	}
	else if (now - _writeStalledSince >= timeout)
	{
		closeNow("the peer read nothing for " + std::to_string(timeout.count()) + " ms", true);
		return false;
	}
	_streams.forEach(
		[this, now, timeout](ServerStream& stream)
		{
			const bool stalled = stream.responseStarted && !stream.localEnded && !stream.abandoned
				&& _pCodec->sendWindowClosed(stream.id()) && stream.hasPendingOutput();
			if (!stalled || !stream.sendStalled || stream.sentBytes() != stream.sentAtStall)
			{
				stream.sendStalled = stalled;
				stream.sentAtStall = stream.sentBytes();
				stream.stalledSince = now;
			}
			else if (now - stream.stalledSince >= timeout)
			{
				_engine.logger().information("response on stream " + std::to_string(stream.id()) + " to " + describe()
					+ ": the peer's flow-control window stayed closed for " + std::to_string(timeout.count())
					+ " ms: RST_STREAM CANCEL");
				stream.abandoned = true; // checked once: the reset closes it
				_pCodec->resetStream(stream.id(), NGHTTP2_CANCEL);
				scheduleFlush();
			}
		});
	return true;
}

void ServerConnection::abort()
{
	if (_state == State::HTTP2)
	{
		// Tell the peer, best effort, before closing.
		_pCodec->goAway(NGHTTP2_NO_ERROR);
		_pump.write(*_pChannel, *_pCodec);
	}
	closeNow("server stopped");
}

ServerStream* ServerConnection::findStream(std::int32_t id)
{
	return _streams.find(id);
}

std::size_t ServerConnection::heldHeaderBudget() const
{
	return std::max<std::size_t>(MIN_HELD_HEADER_BYTES, 2 * std::size_t(_engine.config().codec.maxHeaderListSize));
}

void ServerConnection::releaseHeaderBytes(ServerStream& stream)
{
	_heldHeaderBytes -= stream.heldHeaderBytes;
	stream.heldHeaderBytes = 0;
}

bool ServerConnection::onFrameStart(std::uint8_t type, std::uint8_t flags, std::size_t length, std::int32_t)
{
	// _lastInput is the time of the read that brought this frame.
	if (_floodGuard.admit(type, flags, length, _lastInput))
		return true;
	_engine.logger().warning("flood from " + describe() + " (" + _floodGuard.reason() + "): GOAWAY ENHANCE_YOUR_CALM");
	return false;
}

// ---- codec events ----

bool ServerConnection::onStreamBegin(std::int32_t streamId)
{
	// A stream keeps its slot until its handler returns, even if the peer
	// reset it: this bounds handlers in flight (rapid reset, CVE-2023-44487).
	if (_finalGoAwaySent || _streams.size() + _detachedHandlers >= _engine.config().codec.maxConcurrentStreams)
		return false;
	// Refused before its headers are decoded into memory when a maximal
	// header list would not fit into what the connection may hold.
	if (_heldHeaderBytes + _engine.config().codec.maxHeaderListSize > heldHeaderBudget())
		return false;
	_streams.insert(StreamPool::acquire(streamId, _pInfo, _loop, std::weak_ptr<ServerConnection>(shared_from_this()),
		_engine.config().streamBufferSize, _engine.config().requestReadTimeout));
	// The send-stall check runs while streams are open; the timer may be set
	// for an idle deadline far away (armTimer only ever brings it nearer).
	if (_engine.config().sendTimeout.count() > 0)
	{
		const auto check = _lastInput + sendStallCheckInterval(_engine.config());
		if (!_timerArmed || _timerDue > check)
			armTimer(check);
	}
	return true;
}

void ServerConnection::respondLocally(std::int32_t streamId, int status)
{
	_pCodec->submitResponse(streamId, statusOnly(status, _engine.config().serverHeader), nullptr);
	if (ServerStream* pStream = findStream(streamId))
	{
		pStream->responseStarted = true;
		pStream->handlerFinished = true;
		credit(*pStream, pStream->discardUnread());
	}
}

void ServerConnection::finishEarlyIfDone(ServerStream& stream)
{
	// RFC 9113 §8.1: after a complete response the server may stop an upload
	// it will not read with RST_STREAM(NO_ERROR).
	if (stream.localEnded && (stream.handlerFinished || stream.abandoned) && !stream.requestEnded())
		_pCodec->resetStream(stream.id(), NGHTTP2_NO_ERROR);
}

void ServerConnection::onBorrowedHeadersReleased(std::int32_t streamId)
{
	if (ServerStream* pStream = findStream(streamId))
	{
		pStream->headFieldsLent = false;
		pStream->trimHead(); // a long-lived stream (a large download) keeps no large head
		return;
	}
	// Usually the oldest: nghttp2 sends or drops response heads in order.
	for (auto it = _lentHeads.begin(); it != _lentHeads.end(); ++it)
	{
		if (it->first == streamId)
		{
			_lentHeads.erase(it);
			return;
		}
	}
}

void ServerConnection::onLocalStreamEnd(std::int32_t streamId)
{
	if (ServerStream* pStream = findStream(streamId))
	{
		pStream->localEnded = true;
		finishEarlyIfDone(*pStream);
	}
}

void ServerConnection::onHeaders(std::int32_t streamId, Codec::HeadersKind kind, Codec::HeaderBlock& headers,
	bool endStream, bool headerListTooLarge)
{
	ServerStream* pStream = findStream(streamId);
	if (!pStream)
		return;
	if (kind == Codec::HeadersKind::Trailers)
		return pStream->onRequestTrailers(headers);
	if (kind != Codec::HeadersKind::Request)
		return;
	if (headerListTooLarge)
		return respondLocally(streamId, 431);
	const std::size_t headerBytes = headers.listSize();
	if (_heldHeaderBytes + headerBytes > heldHeaderBudget())
	{
		_engine.logger().debug("refusing stream " + std::to_string(streamId) + " from " + describe() + ": "
			+ std::to_string(_heldHeaderBytes) + " bytes of request headers held already");
		_pCodec->resetStream(streamId, NGHTTP2_REFUSED_STREAM);
		return;
	}
	_heldHeaderBytes += headerBytes;
	pStream->heldHeaderBytes = headerBytes;

	// The block becomes the request's headers once its pseudo-headers are
	// taken out (they come first), reusing its fields' strings and storage.
	RequestHead& request = pStream->mutableRequest();
	auto& fields = headers.fields();
	std::size_t kept = 0;
	for (std::size_t i = 0; i < fields.size(); ++i)
	{
		auto& field = fields[i];
		const std::string& name = field.first;
		if (name.empty() || name[0] != ':')
		{
			if (kept != i)
				fields[kept] = std::move(field);
			++kept;
		}
		else if (is(name, ":method"))
			request.method = std::move(field.second);
		else if (is(name, ":path"))
			request.path = std::move(field.second);
		else if (is(name, ":authority"))
			request.authority = std::move(field.second);
		else if (is(name, ":scheme"))
			request.scheme = std::move(field.second);
	}
	headers.truncate(kept);
	// Swapped, not moved: the codec gets back the (empty) field storage of
	// the recycled stream's last request for the next header block.
	std::swap(request.headers, headers);
	if (is(request.method, "CONNECT"))
		return respondLocally(streamId, 405);
	const std::uint64_t maxBody = _engine.config().maxRequestBodySize;
	if (maxBody > 0)
	{
		const std::string* pLength = request.headers.find("content-length");
		if (pLength && std::strtoull(pLength->c_str(), nullptr, 10) > maxBody)
			return respondLocally(streamId, 413);
	}
	if (request.path.empty())
	{
		// RFC 9113 §8.3.1: an empty :path is malformed.
		_pCodec->resetStream(streamId, NGHTTP2_PROTOCOL_ERROR);
		return;
	}
	const std::string* pHost = request.headers.find("host");
	if (pHost && !request.authority.empty() && Poco::icompare(*pHost, request.authority) != 0)
	{
		// RFC 9113 §8.3.1: a Host naming another entity than :authority is malformed.
		_pCodec->resetStream(streamId, NGHTTP2_PROTOCOL_ERROR);
		return;
	}
	if (endStream)
		pStream->onRequestEnd();
	dispatch(*pStream);
}

void ServerConnection::dispatch(ServerStream& stream)
{
	// A request whose body is complete cannot hold its handler waiting for
	// the peer: it runs at once. Only handlers started before their upload
	// ended count toward the connection's share (see dispatchWaiting).
	if (stream.requestEnded() && _state == State::HTTP2)
		return startHandler(stream, false);
	if (_engine.config().inlineHandlers && _state == State::HTTP2)
	{
		// A small body often arrives in the same read as its headers: decide
		// after the read whether the handler can run inline.
		_awaitingBody.push_back(stream.shared_from_this());
		return;
	}
	_waitingForHandler.push_back(stream.id());
	dispatchWaiting();
}

void ServerConnection::startHandler(ServerStream& stream, bool waitsForUpload)
{
	stream.handlerRunning = true;
	stream.handlerWaitsForUpload = waitsForUpload;
	++_runningHandlers;
	if (waitsForUpload)
		++_uploadHandlers;
	if (!waitsForUpload && _engine.config().inlineHandlers)
	{
		// Not from inside nghttp2's callback: after the read (readAvailable).
		stream.runInline();
		_inlineReady.push_back(stream.shared_from_this());
		return;
	}
	_engine.dispatch(stream.shared_from_this());
}

void ServerConnection::runInlineHandlers()
{
	if (_inlineReady.empty() && _awaitingBody.empty())
		return;
	auto self = shared_from_this(); // a handler's response may close the connection
	for (ServerStream::Ptr& pStream : _awaitingBody) // (starting a handler only queues it)
	{
		if (pStream->detached || _state != State::HTTP2)
			continue; // reset or closed meanwhile: its handler never runs
		if (pStream->requestEnded())
			startHandler(*pStream, false);
		else
			_waitingForHandler.push_back(pStream->id());
	}
	_awaitingBody.clear();
	dispatchWaiting();
	// The handlers queued so far run now. A handler that sends a large body
	// reads what the peer sent meanwhile (sendInlineOutput), which may queue
	// further requests: those wait for a later turn of the loop, so that a
	// peer cannot keep this thread from its other connections.
	const std::size_t count = _inlineReady.size();
	for (std::size_t i = 0; i < count; ++i)
	{
		ServerStream::Ptr pStream = std::move(_inlineReady[i]);
		_engine.runInline(pStream);
		deliverEvents(*pStream);
		if ((i + 1) % RESPONSES_PER_EARLY_WRITE == 0 && i + 1 < count && _loop.readyHandlers() <= 1)
			writeOutput();
	}
	_inlineReady.erase(_inlineReady.begin(), _inlineReady.begin() + static_cast<std::ptrdiff_t>(count));
	if (!_inlineReady.empty() || !_awaitingBody.empty())
		postOnce(&ServerConnection::_inlineTaskPosted, &ServerConnection::runInlineHandlers);
}

void ServerConnection::postOnce(bool ServerConnection::*posted, void (ServerConnection::*work)())
{
	if (this->*posted)
		return;
	this->*posted = true;
	std::weak_ptr<ServerConnection> weak = shared_from_this();
	_loop.post(
		[weak, posted, work]
		{
			auto self = weak.lock();
			if (!self)
				return;
			(*self).*posted = false;
			if (self->_state != State::HTTP2)
				return;
			((*self).*work)();
			if (self->_state == State::HTTP2)
				self->scheduleFlush();
		});
}

void ServerConnection::dispatchWaiting()
{
	// A handler reading an upload holds a pool thread as long as the peer
	// makes it wait (up to the read timeout per read), so one connection
	// gets a share of the pool for those; its further uploads wait here, in
	// order, holding their slots.
	const std::size_t share = _engine.maxConnectionHandlers();
	while (!_waitingForHandler.empty() && _uploadHandlers < share && _state == State::HTTP2)
	{
		const std::int32_t id = _waitingForHandler.front();
		_waitingForHandler.pop_front();
		ServerStream* pStream = findStream(id);
		if (!pStream)
			continue; // reset while it waited: its handler never runs
		startHandler(*pStream, true);
	}
}

void ServerConnection::onData(std::int32_t streamId, const std::uint8_t* data, std::size_t length)
{
	ServerStream* pStream = findStream(streamId);
	if (!pStream)
	{
		_pCodec->consume(streamId, length);
		return;
	}
	const std::uint64_t maxBody = _engine.config().maxRequestBodySize;
	if (maxBody > 0 && pStream->receivedBytes() + length > maxBody && !pStream->handlerFinished)
	{
		_engine.logger().information("request body on stream " + std::to_string(streamId) + " from " + describe()
			+ " exceeds " + std::to_string(maxBody) + " bytes: RST_STREAM CANCEL");
		_pCodec->consume(streamId, length);
		_pCodec->resetStream(streamId, NGHTTP2_CANCEL);
		return;
	}
	if (pStream->onBodyData(data, length))
	{
		_pCodec->consume(streamId, length);
		pStream->creditedBytes() += length;
	}
}

void ServerConnection::onStreamEnd(std::int32_t streamId)
{
	if (ServerStream* pStream = findStream(streamId))
		pStream->onRequestEnd();
}

void ServerConnection::onStreamClose(std::int32_t streamId, std::uint32_t errorCode)
{
	ServerStream* pStream = findStream(streamId);
	if (!pStream)
		return;
	ServerStream& stream = *pStream;
	if (errorCode != 0 && _engine.logger().debug())
		_engine.logger().debug("stream " + std::to_string(streamId) + " from " + describe() + " closed with "
			+ Codec::http2ErrorCodeName(errorCode));
	// Bytes the handler never read still occupy the connection window.
	_pCodec->consumeConnection(stream.receivedBytes() - stream.creditedBytes());
	stream.onClosed(errorCode);
	stream.detached = true;
	if (stream.handlerRunning)
		++_detachedHandlers;
	else
		releaseHeaderBytes(stream); // else when the handler (which holds the request) returns
	// A response head nghttp2 has not sent or dropped yet (it drops it now
	// that the stream is closed) is kept until it says so; moving the block
	// keeps its fields where they are.
	if (stream.headFieldsLent)
	{
		_lentHeads.emplace_back(streamId, stream.takeLentHead());
		if (_lentHeads.size() > _engine.config().codec.maxConcurrentStreams)
		{
			// Only a peer that resets streams while it reads nothing gets here.
			_engine.logger().warning("closing connection from " + describe() + ": "
				+ std::to_string(_lentHeads.size())
				+ " streams reset before their response could be sent: GOAWAY ENHANCE_YOUR_CALM");
			_pCodec->terminate(NGHTTP2_ENHANCE_YOUR_CALM);
			scheduleFlush();
		}
	}
	// The last reference, unless a handler or a queued task holds one: then
	// the stream is freed when they let go, else it is kept for reuse.
	StreamPool::release(_streams.erase(streamId));
	noteIfIdle();
}

// ---- what handlers did (ServerStream::takeEvents) ----

void ServerConnection::deliverEvents(ServerStream& stream)
{
	StreamEvents events = stream.takeEvents();
	if (!stream.detached && _state == State::HTTP2)
	{
		for (auto& headers : events.informational)
			_pCodec->submitInformational(stream.id(), headers);
		if (events.timedOut && events.timedOutBeforeHead)
			requestTimedOut(stream);
		if (events.hasHead)
			submitResponse(stream, events.headWithBody);
		if (events.timedOut && !events.timedOutBeforeHead)
			requestTimedOut(stream);
		if (events.resumeBody)
			_pCodec->resumeBody(stream.id());
		credit(stream, events.credit);
		scheduleFlush();
	}
	if (events.handlerDone)
		handlerDone(stream);
}

void ServerConnection::sendInlineOutput(ServerStream& stream)
{
	deliverEvents(stream);
	if (!writeOutput())
		return;
	// While the handler runs, what the peer sends waits in the socket, its
	// WINDOW_UPDATEs too: once the window it gave is used up, nothing more
	// could go until the handler returns. Read them (new requests queue up
	// for runInlineHandlers), and send what they allow.
	decodeAvailable();
	if (writeOutput() && _pCodec->finished())
		flush(); // the session ended (a GOAWAY for a protocol error, say): closing it stops the handler
}

void ServerConnection::submitResponse(ServerStream& stream, bool withBody)
{
	if (stream.abandoned)
		return;
	stream.responseStarted = true;
	// nghttp2 reads the head's fields from the stream when it sends the
	// frame instead of copying them first; the stream keeps them until then
	// (or, if it closes first, the connection does: see onStreamClose).
	if (_pCodec->submitResponse(stream.id(), stream.responseHead(), withBody ? &stream : nullptr, true))
		stream.headFieldsLent = true;
	else
	{
		_engine.logger().error(
			"cannot submit response on stream " + std::to_string(stream.id()) + ": " + _pCodec->lastError());
		_pCodec->resetStream(stream.id(), NGHTTP2_INTERNAL_ERROR);
	}
}

void ServerConnection::credit(ServerStream& stream, std::size_t length)
{
	if (stream.detached || _state != State::HTTP2 || length == 0)
		return;
	_pCodec->consume(stream.id(), length);
	stream.creditedBytes() += length;
	scheduleFlush();
}

void ServerConnection::requestTimedOut(ServerStream& stream)
{
	if (stream.requestEnded())
		return;
	_engine.logger().information("request body on stream " + std::to_string(stream.id()) + " from " + describe()
		+ " timed out");
	stream.abandoned = true;
	if (stream.responseStarted)
		_pCodec->resetStream(stream.id(), NGHTTP2_CANCEL);
	else
	{
		// 408 in the handler's place; its END_STREAM is followed by
		// RST_STREAM(NO_ERROR) for the unfinished upload.
		_pCodec->submitResponse(stream.id(), statusOnly(408, _engine.config().serverHeader), nullptr);
		stream.responseStarted = true;
	}
}

void ServerConnection::handlerDone(ServerStream& stream)
{
	stream.handlerRunning = false;
	--_runningHandlers;
	if (stream.handlerWaitsForUpload)
		--_uploadHandlers;
	releaseHeaderBytes(stream);
	if (stream.detached)
		--_detachedHandlers;
	else
	{
		// Whatever body the handler left unread is dropped and credited.
		credit(stream, stream.discardUnread());
		stream.handlerFinished = true;
		if (_state == State::HTTP2)
		{
			if (!stream.responseStarted && !stream.abandoned)
			{
				// The dispatch failed before any response head (the adapters
				// answer a failing handler with 500 themselves): the peer
				// must not wait for one.
				_engine.logger().error("no response for stream " + std::to_string(stream.id()) + " from "
					+ describe() + ": resetting it");
				_pCodec->resetStream(stream.id(), NGHTTP2_INTERNAL_ERROR);
			}
			else
				finishEarlyIfDone(stream);
		}
	}
	dispatchWaiting();
	noteIfIdle();
	scheduleFlush();
}

} // namespace Server
} // namespace PocoH2
