#include "client/ClientConnection.h"
#include "PocoH2/HTTP2Exception.h"
#include "client/ClientEngine.h"
#include <Poco/Net/NetException.h>
#include <Poco/Net/SSLException.h>
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <nghttp2/nghttp2.h>
#include <openssl/x509_vfy.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace PocoH2 {
namespace Client {

namespace {

// Output buffers larger than this are released once empty.
constexpr std::size_t IDLE_BUFFER_LIMIT = 64 * 1024;

// Map nodes of closed streams kept for new ones: a batch of requests in
// flight (about 6 KiB per connection).
constexpr std::size_t MAX_SPARE_NODES = 128;

// How long a connection stays without streams before it gives back the
// memory its last streams left (spare nodes, the codec's cached allocator
// blocks, the frame buffer's pages), whether or not keep-alive PINGs are on.
// Under load a connection is without streams for moments only; trimming then
// would defeat the caches.
constexpr std::chrono::milliseconds IDLE_MEMORY_DELAY{1000};

// Streams the server allows before its SETTINGS say (RFC 9113 recommends at
// least 100).
constexpr std::size_t DEFAULT_CAPACITY = 100;

} // namespace

ClientConnection::ClientConnection(ClientEngine& engine, Transport::EventLoop& loop, std::uint64_t number):
	_engine(engine),
	_loop(loop),
	_number(number)
{
}

ClientConnection::~ClientConnection() = default;

std::string ClientConnection::describe() const
{
	return "connection #" + std::to_string(_number) + " to " + _engine.authority();
}

std::size_t ClientConnection::capacity() const
{
	if (!_pCodec)
		return DEFAULT_CAPACITY;
	const std::size_t advertised = std::min<std::size_t>(_pCodec->remoteMaxConcurrentStreams(), 0x7fffffff);
	// A server that refused a stream has fewer slots than it advertises (a
	// handler still holds one after its response went out): count the
	// connection as full until one of its streams closes.
	if (_saturated && load() > 0)
		return std::min(advertised, load());
	return advertised;
}

void ClientConnection::open(const Poco::Net::SocketAddress& address)
{
	const int fd = ::socket(address.af(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return closeNow(Poco::Net::NetException("cannot create a socket for " + _engine.authority(), std::strerror(errno)));
	_pChannel = std::make_unique<Transport::Channel>(fd);
	const int one = 1;
	::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	std::weak_ptr<ClientConnection> weak = shared_from_this();
	_connectTimer = _loop.runAfter(_engine.config().connectTimeout,
		[weak]
		{
			auto self = weak.lock();
			if (!self)
				return;
			self->_connectTimer = 0;
			if (self->_state == State::CONNECTING || self->_state == State::HANDSHAKE)
				self->closeNow(Poco::TimeoutException("connecting to " + self->_engine.authority() + " timed out"));
			else if (self->_state == State::HTTP2 && !self->_receivedAny)
				// RFC 9113 §3.4 and §6.5.3: the server's preface (SETTINGS) and its
				// acknowledgement of ours never came.
				self->closeWithError(NGHTTP2_SETTINGS_TIMEOUT,
					Poco::TimeoutException(self->_engine.authority() + " sent no HTTP/2 SETTINGS within "
						+ std::to_string(self->_engine.config().connectTimeout.count()) + " ms of connecting"));
		});
	// An interrupted connect() goes on in the background (POSIX): like
	// EINPROGRESS, its outcome comes with EPOLLOUT; calling it again would
	// only say EALREADY.
	const int rc = ::connect(fd, address.addr(), address.length());
	if (rc != 0 && errno != EINPROGRESS && errno != EINTR)
	{
		const int error = errno;
		if (error == ECONNREFUSED)
			return closeNow(Poco::Net::ConnectionRefusedException(_engine.authority()));
		return closeNow(Poco::Net::NetException("cannot connect to " + _engine.authority(), std::strerror(error)));
	}
	_interest = EPOLLOUT;
	_loop.add(fd, _interest, this);
	if (rc == 0)
		finishConnect();
}

void ClientConnection::setInterest(std::uint32_t events)
{
	if (events != _interest && _state != State::CLOSED)
	{
		_interest = events;
		_loop.modify(_pChannel->fd(), events, this);
	}
}

void ClientConnection::scheduleFlush()
{
	if (!_flushQueued && _state == State::HTTP2)
	{
		_flushQueued = true;
		_loop.flushLater(shared_from_this());
	}
}

void ClientConnection::onIoEvent(std::uint32_t events)
{
	switch (_state)
	{
	case State::CONNECTING:
		finishConnect();
		break;
	case State::HANDSHAKE:
		continueHandshake();
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

void ClientConnection::finishConnect()
{
	int error = 0;
	socklen_t length = sizeof(error);
	if (::getsockopt(_pChannel->fd(), SOL_SOCKET, SO_ERROR, &error, &length) != 0)
		error = errno;
	if (error == ECONNREFUSED)
		return closeNow(Poco::Net::ConnectionRefusedException(_engine.authority()));
	if (error != 0)
		return closeNow(Poco::Net::NetException("cannot connect to " + _engine.authority(), std::strerror(error)));
	const ClientConfig& config = _engine.config();
	if (config.pSslContext)
	{
		const int fd = _pChannel->releaseFd();
		try
		{
			auto pTls = std::make_unique<Transport::TlsChannel>(fd, config.pSslContext, config.host, config.verifyHost);
			_pTls = pTls.get();
			_pChannel = std::move(pTls);
		}
		catch (Poco::Exception& exc)
		{
			_pChannel = std::make_unique<Transport::Channel>(fd);
			return closeNow(exc);
		}
		_state = State::HANDSHAKE;
		continueHandshake();
	}
	else
		startHttp2();
}

void ClientConnection::continueHandshake()
{
	switch (_pTls->handshake())
	{
	case Transport::TlsChannel::Handshake::DONE:
	{
		const std::string protocol = _pTls->alpnProtocol();
		if (protocol != "h2")
		{
			_engine.markNoHttp2();
			return closeNow(HTTP2Exception(_engine.authority() + " does not offer HTTP/2",
				protocol.empty() ? std::string("no protocol negotiated by ALPN") : "ALPN chose " + protocol));
		}
		startHttp2();
		break;
	}
	case Transport::TlsChannel::Handshake::WANT_READ:
		setInterest(EPOLLIN);
		break;
	case Transport::TlsChannel::Handshake::WANT_WRITE:
		setInterest(EPOLLOUT);
		break;
	case Transport::TlsChannel::Handshake::FAILED:
		if (_pTls->verifyResult() != X509_V_OK)
			return closeNow(Poco::Net::CertificateValidationException(
				"TLS certificate of " + _engine.authority() + " rejected", _pTls->verifyError()));
		return closeNow(Poco::Net::SSLException("TLS handshake with " + _engine.authority() + " failed",
			_pTls->lastError()));
	}
}

void ClientConnection::startHttp2()
{
	// The connect timer keeps running until the server's first bytes arrive
	// (its SETTINGS): a peer that accepts and stays silent fails like one
	// that does not answer the connect.
	_state = State::HTTP2;
	_pCodec = std::make_unique<Codec::Http2Codec>(
		Codec::Http2Codec::Role::Client, static_cast<Codec::CodecListener&>(*this), _engine.config().codec);
	setInterest(EPOLLIN);
	std::vector<ClientStream::Ptr> pending;
	pending.swap(_pending);
	for (auto& pStream : pending)
	{
		if (!pStream->completedOnLoop()) // not timed out or abandoned while waiting
			encode(pStream);
	}
	// TLS may already hold the server's first frames.
	readAvailable();
	scheduleFlush();
	if (_state == State::HTTP2)
	{
		armKeepAlive();
		_engine.connectionReady(*this);
	}
}

void ClientConnection::armKeepAlive()
{
	if (_engine.config().pingInterval.count() <= 0)
		return;
	std::weak_ptr<ClientConnection> weak = shared_from_this();
	_keepAliveTimer = _loop.runAfter(_engine.config().pingInterval,
		[weak]
		{
			if (auto self = weak.lock())
				self->onKeepAlive();
		});
}

void ClientConnection::onKeepAlive()
{
	_keepAliveTimer = 0;
	if (_state != State::HTTP2)
		return;
	if (_pingOutstanding && !_readSinceKeepAlive)
		return closeNow(HTTP2ConnectionClosedException(describe() + " lost: no answer to PING within "
			+ std::to_string(_engine.config().pingInterval.count()) + " ms"));
	// A connection that heard from the server lately is alive; only a quiet
	// one is asked.
	if (!_readSinceKeepAlive)
	{
		_pCodec->submitPing();
		_pingOutstanding = true;
		scheduleFlush();
	}
	_readSinceKeepAlive = false;
	if (_streams.empty())
		releaseIdleMemory();
	armKeepAlive();
}

void ClientConnection::armIdleMemoryRelease()
{
	_idleSince = Transport::EventLoop::Clock::now();
	if (_idleMemoryTimer == 0) // else it comes back, and looks at _idleSince
		armIdleMemoryTimer(IDLE_MEMORY_DELAY);
}

void ClientConnection::armIdleMemoryTimer(Transport::EventLoop::Clock::duration delay)
{
	std::weak_ptr<ClientConnection> weak = weak_from_this();
	_idleMemoryTimer = _loop.runAfter(delay,
		[weak]
		{
			if (auto self = weak.lock())
				self->onIdleMemoryTimer();
		});
}

void ClientConnection::onIdleMemoryTimer()
{
	_idleMemoryTimer = 0;
	if (_state != State::HTTP2 || !_streams.empty())
		return; // busy again: the next stream to close arms the timer again
	const auto idleFor = Transport::EventLoop::Clock::now() - _idleSince;
	if (idleFor < IDLE_MEMORY_DELAY)
		return armIdleMemoryTimer(IDLE_MEMORY_DELAY - idleFor); // streams came and went since it was armed
	releaseIdleMemory();
}

void ClientConnection::releaseIdleMemory()
{
	// An idle connection keeps no spare nodes, and nghttp2's recycled blocks
	// (and, once sent, its frame buffer's pages) go back.
	decltype(_spareNodes)().swap(_spareNodes);
	_pCodec->releaseIdleMemory();
}

void ClientConnection::onPingAck()
{
	_pingOutstanding = false;
}

void ClientConnection::submit(const ClientStream::Ptr& pStream)
{
	if (!pStream->attach(weak_from_this(), _engine.poster()))
		return; // timed out or abandoned while waiting
	if (_state == State::HTTP2)
	{
		encode(pStream);
		scheduleFlush();
	}
	else
		_pending.push_back(pStream);
}

void ClientConnection::encode(const ClientStream::Ptr& pStream)
{
	pStream->countAttempt();
	const std::int32_t id = _pCodec->submitRequest(pStream->request(), pStream->hasBody() ? pStream.get() : nullptr);
	if (id <= 0)
	{
		pStream->fail(HTTP2Exception("cannot open a stream on " + describe(), _pCodec->lastError()));
		return;
	}
	pStream->setStreamId(id);
	if (_spareNodes.empty())
		_streams.emplace(id, pStream);
	else
	{
		StreamMap::node_type node = std::move(_spareNodes.back());
		_spareNodes.pop_back();
		node.key() = id;
		node.mapped() = pStream;
		_streams.insert(std::move(node));
	}
}

void ClientConnection::readAvailable()
{
	const auto status = _pump.read(*_pChannel, *_pCodec,
		[this](const std::uint8_t* data, std::size_t length)
		{
			wakeCallers(); // those of the previous chunk: a long download keeps its reader going
			if (!_receivedAny && !_pTls && length >= 5 && std::memcmp(data, "HTTP/", 5) == 0)
			{
				_engine.markNoHttp2();
				const char* pBegin = reinterpret_cast<const char*>(data);
				const char* pEnd = std::find_if(pBegin, pBegin + length, [](char c) { return c == '\r' || c == '\n'; });
				closeNow(HTTP2Exception(_engine.authority() + " does not speak HTTP/2 with prior knowledge",
					"it answered " + std::string(pBegin, pEnd)));
				return false;
			}
			if (!_receivedAny)
			{
				_receivedAny = true;
				_loop.cancelTimer(_connectTimer);
				_connectTimer = 0;
			}
			_readSinceKeepAlive = true;
			// Frames on an idle connection (the server's PING, SETTINGS)
			// have nghttp2 queue and free blocks again.
			if (_streams.empty())
				armIdleMemoryRelease();
			return true;
		});
	wakeCallers();
	switch (status)
	{
	case Transport::CodecPump::Status::STOPPED:
		return;
	case Transport::CodecPump::Status::CODEC_ERROR:
	{
		// The GOAWAY goes out with this flush; the streams fail now.
		flush();
		return closeNow(protocolError());
	}
	case Transport::CodecPump::Status::CLOSED:
		return closeNow(HTTP2ConnectionClosedException(closedByServer()));
	case Transport::CodecPump::Status::FAILED:
		return closeNow(HTTP2ConnectionClosedException(describe() + " failed", _pChannel->lastError()));
	case Transport::CodecPump::Status::OK:
		break;
	}
	if (_state == State::HTTP2 && !_pCodec->wantsRead())
		setInterest(_interest & ~EPOLLIN);
}

void ClientConnection::flush()
{
	_flushQueued = false;
	if (_state != State::HTTP2)
		return;
	const auto status = _pump.write(*_pChannel, *_pCodec);
	if (status == Transport::CodecPump::Status::CLOSED || status == Transport::CodecPump::Status::FAILED)
		return closeNow(HTTP2ConnectionClosedException(describe() + " lost",
			status == Transport::CodecPump::Status::CLOSED ? std::string("closed by the server")
														  : _pChannel->lastError()));
	if (!_pump.pending(*_pChannel) && _pCodec->finished())
	{
		if (_pCodec->failed())
			return closeNow(HTTP2ConnectionClosedException(describe() + " lost", "HTTP/2 session failed: " + _pCodec->lastError()));
		// nghttp2 ends the session itself after a connection error it found
		// (its GOAWAY just left).
		if (_pCodec->goAwayErrorSent() != NGHTTP2_NO_ERROR)
			return closeNow(protocolError());
		return closeNow(HTTP2ConnectionClosedException(describe() + " finished"));
	}
	_pump.trim(IDLE_BUFFER_LIMIT);
	setInterest(_pump.interest(*_pChannel, *_pCodec));
}

void ClientConnection::closeNow(const Poco::Exception& reason)
{
	if (_state == State::CLOSED)
		return;
	const bool connected = _state == State::HTTP2;
	_engine.logger().debug("closing " + describe() + ": " + reason.displayText());
	_state = State::CLOSED;
	_loop.cancelTimer(_connectTimer);
	_loop.cancelTimer(_keepAliveTimer);
	_loop.cancelTimer(_idleMemoryTimer);
	if (_pChannel)
	{
		if (_interest)
			_loop.remove(_pChannel->fd());
		_pChannel.reset(); // closes the socket
	}
	_pTls = nullptr;
	auto self = shared_from_this();
	_loop.releaseLater(self);

	std::vector<ClientStream::Ptr> streams;
	streams.reserve(_streams.size() + _pending.size());
	for (auto& entry : _streams)
		streams.push_back(std::move(entry.second));
	_streams.clear();
	decltype(_spareNodes)().swap(_spareNodes);
	std::vector<ClientStream::Ptr> pending;
	pending.swap(_pending);
	_engine.connectionClosed(*this, connected);

	for (auto& pStream : streams)
	{
		// Above a GOAWAY's last stream id the server processed nothing.
		if (_goAwayLastStreamId >= 0 && pStream->streamId() > _goAwayLastStreamId && pStream->prepareRetry())
			_engine.retry(pStream, reason);
		else
			pStream->fail(reason);
	}
	for (auto& pStream : pending)
	{
		// A connection that never started cannot be blamed on the request:
		// retrying would only repeat the failure.
		if (connected && pStream->prepareRetry())
			_engine.retry(pStream, reason);
		else
			pStream->fail(reason);
	}
}

HTTP2Exception ClientConnection::protocolError() const
{
	const std::uint32_t code = _pCodec ? _pCodec->goAwayErrorSent() : std::uint32_t(NGHTTP2_INTERNAL_ERROR);
	std::string detail = _pCodec ? _pCodec->lastError() : std::string();
	if (detail.empty())
	{
		// nghttp2 names some errors only by their code.
		switch (code)
		{
		case NGHTTP2_FLOW_CONTROL_ERROR:
			detail = "the server broke flow control (a window above 2^31-1, or more DATA than the window allowed)";
			break;
		case NGHTTP2_COMPRESSION_ERROR:
			detail = "a header block that does not decode (HPACK)";
			break;
		case NGHTTP2_FRAME_SIZE_ERROR:
			detail = "a frame of a wrong size";
			break;
		default:
			break;
		}
	}
	if (code == NGHTTP2_NO_ERROR) // the GOAWAY could not be sent
		return HTTP2Exception("protocol error on " + describe(), detail);
	return HTTP2Exception("protocol error on " + describe() + ", connection closed with GOAWAY "
			+ Codec::http2ErrorCodeName(code),
		detail, static_cast<int>(code));
}

std::string ClientConnection::closedByServer() const
{
	if (!_goingAway)
		return describe() + " closed by the server";
	return describe() + " closed by the server after its GOAWAY " + Codec::http2ErrorCodeName(_goAwayErrorCode)
		+ " (last stream " + std::to_string(_goAwayLastStreamId) + ")";
}

void ClientConnection::closeWithError(std::uint32_t errorCode, const Poco::Exception& reason)
{
	if (_state == State::HTTP2)
	{
		_pCodec->terminate(errorCode);
		_pump.write(*_pChannel, *_pCodec);
	}
	closeNow(reason);
}

void ClientConnection::close(const Poco::Exception& reason)
{
	if (_state == State::HTTP2)
	{
		// Tell the server, best effort, before closing.
		_pCodec->goAway(NGHTTP2_NO_ERROR);
		_pump.write(*_pChannel, *_pCodec);
	}
	closeNow(reason);
}

void ClientConnection::closeIfDrained()
{
	// After a GOAWAY, once the streams the server did process are done, the
	// rest (never processed) are retried elsewhere and this one closes.
	if (!_goingAway || _state != State::HTTP2)
		return;
	for (const auto& entry : _streams)
		if (entry.first <= _goAwayLastStreamId)
			return;
	close(HTTP2ConnectionClosedException(describe() + " went away (GOAWAY)"));
}

void ClientConnection::collectStreams(std::vector<ClientStream::Ptr>& streams) const
{
	for (const auto& entry : _streams)
		streams.push_back(entry.second);
	streams.insert(streams.end(), _pending.begin(), _pending.end());
}

void ClientConnection::wakeCallers()
{
	// One wake-up per waiting caller for everything one read brought (head,
	// body bytes), not one per frame: a caller woken by the head would
	// otherwise sleep again until its DATA is parsed.
	for (auto& pStream : _toWake)
		pStream->wakeCaller();
	_toWake.clear();
}

void ClientConnection::deferWake(std::int32_t streamId)
{
	auto it = _streams.find(streamId);
	if (it != _streams.end() && it->second->queueWake())
		_toWake.push_back(it->second);
}

ClientStream* ClientConnection::findStream(std::int32_t id)
{
	auto it = _streams.find(id);
	return it == _streams.end() ? nullptr : it->second.get();
}

// ---- tasks from streams ----

void ClientConnection::resumeBody(const ClientStream::Ptr& pStream)
{
	if (_state != State::HTTP2 || findStream(pStream->streamId()) != pStream.get())
		return;
	_pCodec->resumeBody(pStream->streamId());
	scheduleFlush();
}

void ClientConnection::credit(const ClientStream::Ptr& pStream, std::size_t length)
{
	if (_state != State::HTTP2 || length == 0 || findStream(pStream->streamId()) != pStream.get())
		return;
	_pCodec->consume(pStream->streamId(), length);
	pStream->addCredited(length);
	scheduleFlush();
}

void ClientConnection::cancel(const ClientStream::Ptr& pStream)
{
	if (_state == State::HTTP2 && findStream(pStream->streamId()) == pStream.get())
	{
		_pCodec->resetStream(pStream->streamId(), NGHTTP2_CANCEL);
		scheduleFlush();
	}
	pStream->fail(HTTP2StreamResetException("request cancelled", NGHTTP2_CANCEL));
}

void ClientConnection::timeout(const ClientStream::Ptr& pStream, const Poco::Exception& error)
{
	pStream->fail(error);
	if (_state == State::HTTP2 && findStream(pStream->streamId()) == pStream.get())
	{
		_pCodec->resetStream(pStream->streamId(), NGHTTP2_CANCEL);
		scheduleFlush();
	}
	else
		detachStream(pStream);
}

void ClientConnection::detachStream(const ClientStream::Ptr& pStream)
{
	for (auto it = _pending.begin(); it != _pending.end(); ++it)
		if (*it == pStream)
		{
			_pending.erase(it);
			return;
		}
}

// ---- codec events ----

void ClientConnection::onHeaders(std::int32_t streamId, Codec::HeadersKind kind, Codec::HeaderBlock& headers, bool,
	bool headerListTooLarge)
{
	ClientStream* pStream = findStream(streamId);
	if (!pStream)
		return;
	if (headerListTooLarge)
	{
		pStream->fail(HTTP2Exception("the response header list from " + _engine.authority() + " on stream "
			+ std::to_string(streamId) + " is too large: over our SETTINGS_MAX_HEADER_LIST_SIZE of "
			+ std::to_string(_engine.config().codec.maxHeaderListSize) + " bytes; sent RST_STREAM CANCEL"));
		_pCodec->resetStream(streamId, NGHTTP2_CANCEL);
		return;
	}
	switch (kind)
	{
	case Codec::HeadersKind::Response:
		if (pStream->onHead(headers))
			deferWake(streamId);
		break;
	case Codec::HeadersKind::Trailers:
		pStream->onTrailers(headers);
		break;
	default:
		break; // 1xx: nothing to do
	}
}

void ClientConnection::onData(std::int32_t streamId, const std::uint8_t* data, std::size_t length)
{
	ClientStream* pStream = findStream(streamId);
	if (!pStream)
	{
		_pCodec->consume(streamId, length);
		return;
	}
	if (pStream->onData(data, length))
	{
		_pCodec->consume(streamId, length);
		pStream->addCredited(length);
	}
	else
		deferWake(streamId);
}

void ClientConnection::onStreamEnd(std::int32_t streamId)
{
	if (ClientStream* pStream = findStream(streamId))
		pStream->onEnd();
}

void ClientConnection::onStreamClose(std::int32_t streamId, std::uint32_t errorCode)
{
	auto it = _streams.find(streamId);
	if (it == _streams.end())
		return;
	StreamMap::node_type node = _streams.extract(it);
	ClientStream::Ptr pStream = std::move(node.mapped());
	if (_spareNodes.size() < MAX_SPARE_NODES)
		_spareNodes.push_back(std::move(node));
	auto sent = _resetsSent.find(streamId);
	const bool resetByUs = sent != _resetsSent.end();
	if (resetByUs)
		_resetsSent.erase(sent);
	// Bytes the caller never read still occupy the connection window.
	_pCodec->consumeConnection(pStream->receivedBytes() - pStream->creditedBytes());
	// REFUSED_STREAM (also what nghttp2 reports for streams above a GOAWAY's
	// last stream id) means the server did not process the request.
	_saturated = errorCode == NGHTTP2_REFUSED_STREAM;
	if (errorCode == NGHTTP2_REFUSED_STREAM && !resetByUs && pStream->prepareRetry())
		_engine.retry(pStream, HTTP2StreamResetException("stream refused by " + _engine.authority(), NGHTTP2_REFUSED_STREAM));
	else if (errorCode != NGHTTP2_NO_ERROR)
		pStream->fail(HTTP2StreamResetException(resetMessage(streamId, errorCode, resetByUs), static_cast<int>(errorCode)));
	else
		pStream->onClosed(errorCode);
	_engine.streamClosed();
	if (_streams.empty())
		armIdleMemoryRelease();
	if (_goingAway)
		postCloseIfDrained();
}

std::string ClientConnection::resetMessage(std::int32_t streamId, std::uint32_t errorCode, bool resetByUs) const
{
	const std::string code = Codec::http2ErrorCodeName(errorCode);
	const std::string where = _engine.authority() + " on stream " + std::to_string(streamId);
	if (!resetByUs)
		return "stream reset by the server: RST_STREAM " + code + " from " + where;
	// nghttp2 resets a stream on its own when the response breaks the rules.
	if (errorCode == NGHTTP2_PROTOCOL_ERROR)
		return "malformed response from " + where + " (RFC 9113 §8.1.1), sent RST_STREAM " + code;
	if (errorCode == NGHTTP2_FLOW_CONTROL_ERROR)
		return "flow-control violation by " + where + ", sent RST_STREAM " + code;
	return "stream error on " + where + ", sent RST_STREAM " + code;
}

void ClientConnection::onResetSent(std::int32_t streamId, std::uint32_t errorCode)
{
	if (_streams.count(streamId))
		_resetsSent[streamId] = errorCode;
}

void ClientConnection::postCloseIfDrained()
{
	// Closing here would pull the codec from under its own callback.
	std::weak_ptr<ClientConnection> weak = shared_from_this();
	_loop.post(
		[weak]
		{
			if (auto self = weak.lock())
				self->closeIfDrained();
		});
}

void ClientConnection::onGoAway(std::int32_t lastStreamId, std::uint32_t errorCode)
{
	_engine.logger().debug(describe() + " received GOAWAY " + Codec::http2ErrorCodeName(errorCode)
		+ " last stream " + std::to_string(lastStreamId));
	_goingAway = true;
	_goAwayLastStreamId = lastStreamId;
	_goAwayErrorCode = errorCode;
	_engine.connectionGoingAway(*this);
	postCloseIfDrained();
}

} // namespace Client
} // namespace PocoH2
