#include "SoakConnection.h"
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <nghttp2/nghttp2.h>
#include <stdexcept>
#include <sys/socket.h>
#include <unistd.h>

namespace PocoH2Soak {

void SoakStats::fail(const std::string& why)
{
	++failed;
	if (firstFailure.empty())
		firstFailure = why;
}

struct SoakConnection::Callbacks
{
	static SoakConnection& self(void* pUser) { return *static_cast<SoakConnection*>(pUser); }

	static int onHeader(nghttp2_session*, const nghttp2_frame* pFrame, const std::uint8_t* name, std::size_t nameLength,
		const std::uint8_t* value, std::size_t valueLength, std::uint8_t, void* pUser)
	{
		auto it = self(pUser)._streams.find(pFrame->hd.stream_id);
		if (it != self(pUser)._streams.end() && nameLength == 7 && std::memcmp(name, ":status", 7) == 0)
			it->second->status = std::atoi(std::string(reinterpret_cast<const char*>(value), valueLength).c_str());
		return 0;
	}

	static int onData(nghttp2_session*, std::uint8_t, std::int32_t id, const std::uint8_t* data, std::size_t length,
		void* pUser)
	{
		auto it = self(pUser)._streams.find(id);
		if (it != self(pUser)._streams.end() && it->second->responseBody.size() < (1u << 20))
			it->second->responseBody.append(reinterpret_cast<const char*>(data), length);
		return 0;
	}

	static int onFrame(nghttp2_session*, const nghttp2_frame* pFrame, void* pUser)
	{
		if (pFrame->hd.type == NGHTTP2_GOAWAY)
		{
			SoakConnection& connection = self(pUser);
			connection._goAway = std::string("GOAWAY ") + nghttp2_http2_strerror(pFrame->goaway.error_code)
				+ " last stream " + std::to_string(pFrame->goaway.last_stream_id) + " after "
				+ std::to_string(connection._requestsHere) + " requests in "
				+ std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
					std::chrono::steady_clock::now() - connection._openedAt).count())
				+ " ms";
			if (pFrame->goaway.opaque_data_len > 0)
				connection._goAway += ": " + std::string(reinterpret_cast<const char*>(pFrame->goaway.opaque_data),
					pFrame->goaway.opaque_data_len);
		}
		return 0;
	}

	static int onClose(nghttp2_session*, std::int32_t id, std::uint32_t errorCode, void* pUser)
	{
		self(pUser).streamClosed(id, errorCode);
		return 0;
	}

	static ssize_t readBody(nghttp2_session* pSession, std::int32_t id, std::uint8_t* buffer, std::size_t length,
		std::uint32_t* pFlags, nghttp2_data_source*, void*)
	{
		auto* pStream = static_cast<Stream*>(nghttp2_session_get_stream_user_data(pSession, id));
		if (!pStream)
			return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
		std::size_t end = pStream->requestBody.size();
		if (pStream->kind == Stream::Kind::RESET)
		{
			// Half the body, then nothing: the request stays unfinished
			// until the reset.
			end /= 2;
			if (pStream->bodySent >= end)
			{
				pStream->waitingForReset = true;
				return NGHTTP2_ERR_DEFERRED;
			}
		}
		const std::size_t n = std::min(length, end - pStream->bodySent);
		std::memcpy(buffer, pStream->requestBody.data() + pStream->bodySent, n);
		pStream->bodySent += n;
		if (pStream->bodySent == pStream->requestBody.size())
			*pFlags |= NGHTTP2_DATA_FLAG_EOF;
		return static_cast<ssize_t>(n);
	}
};

SoakConnection::SoakConnection(std::uint16_t port, const SoakPlan& plan, SoakStats& stats, std::mt19937& random):
	_port(port),
	_plan(plan),
	_stats(stats),
	_random(random)
{
	open();
}

SoakConnection::~SoakConnection()
{
	close();
}

void SoakConnection::open()
{
	_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	sockaddr_in address{};
	address.sin_family = AF_INET;
	address.sin_port = htons(_port);
	address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (_fd < 0 || ::connect(_fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0)
		throw std::runtime_error(std::string("connect failed: ") + std::strerror(errno));
	const int one = 1;
	::setsockopt(_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	::fcntl(_fd, F_SETFL, ::fcntl(_fd, F_GETFL) | O_NONBLOCK);

	nghttp2_session_callbacks* pCallbacks;
	nghttp2_session_callbacks_new(&pCallbacks);
	nghttp2_session_callbacks_set_on_header_callback(pCallbacks, &Callbacks::onHeader);
	nghttp2_session_callbacks_set_on_data_chunk_recv_callback(pCallbacks, &Callbacks::onData);
	nghttp2_session_callbacks_set_on_stream_close_callback(pCallbacks, &Callbacks::onClose);
	nghttp2_session_callbacks_set_on_frame_recv_callback(pCallbacks, &Callbacks::onFrame);
	nghttp2_session_client_new(&_pSession, pCallbacks, this);
	nghttp2_session_callbacks_del(pCallbacks);
	nghttp2_submit_settings(_pSession, NGHTTP2_FLAG_NONE, nullptr, 0);

	std::uniform_int_distribution<unsigned> requests(_plan.minRequestsPerConnection, _plan.maxRequestsPerConnection);
	_requestsBeforeDisconnect = requests(_random);
	_requestsHere = 0;
	_goAway.clear();
	_openedAt = std::chrono::steady_clock::now();
}

void SoakConnection::close()
{
	if (_pSession)
		nghttp2_session_del(_pSession);
	_pSession = nullptr;
	if (_fd >= 0)
		::close(_fd);
	_fd = -1;
	_streams.clear();
	_out.clear();
	_outOffset = 0;
}

void SoakConnection::reconnect(bool abrupt)
{
	if (abrupt && !_streams.empty())
	{
		++_stats.disconnects;
		for (const auto& entry : _streams)
		{
			if (entry.second->resetSent)
				++_stats.reset;
			else
				++_stats.dropped;
		}
	}
	close();
	open();
}

bool SoakConnection::dueForDisconnect() const
{
	// Checked every loop turn, so the streams just answered are gone and the
	// rest, usually several, are in flight: they are what the disconnect drops.
	return _requestsHere >= _requestsBeforeDisconnect;
}

void SoakConnection::submitRequests(std::uint64_t& budget)
{
	for (auto& entry : _streams)
	{
		Stream& stream = *entry.second;
		if (stream.waitingForReset && !stream.resetSent)
		{
			nghttp2_submit_rst_stream(_pSession, NGHTTP2_FLAG_NONE, entry.first, NGHTTP2_CANCEL);
			stream.resetSent = true;
		}
	}
	while (budget > 0 && _streams.size() < _plan.inFlightPerConnection && _requestsHere < _requestsBeforeDisconnect)
	{
		submitOne();
		--budget;
	}
}

void SoakConnection::submitOne()
{
	auto pStream = std::make_unique<Stream>();
	std::uniform_real_distribution<double> chance(0.0, 1.0);
	const double roll = chance(_random);
	if (roll < _plan.resetProbability)
		pStream->kind = Stream::Kind::RESET;
	else if (roll < _plan.resetProbability + _plan.echoProbability)
		pStream->kind = Stream::Kind::ECHO;
	const bool post = pStream->kind != Stream::Kind::HELLO;
	if (post)
	{
		std::uniform_int_distribution<int> size(1, 2048);
		std::uniform_int_distribution<int> letter('a', 'z');
		pStream->requestBody.resize(static_cast<std::size_t>(size(_random)));
		for (char& c : pStream->requestBody)
			c = static_cast<char>(letter(_random));
	}
	const std::string length = std::to_string(pStream->requestBody.size());
	const auto field = [](const char* name, const std::string& value)
	{
		return nghttp2_nv{reinterpret_cast<std::uint8_t*>(const_cast<char*>(name)),
			reinterpret_cast<std::uint8_t*>(const_cast<char*>(value.data())), std::strlen(name), value.size(),
			NGHTTP2_NV_FLAG_NONE};
	};
	const std::string method = post ? "POST" : "GET";
	const std::string path = post ? "/echo" : "/";
	const std::string scheme = "http";
	const std::string authority = "127.0.0.1:" + std::to_string(_port);
	nghttp2_nv fields[] = {field(":method", method), field(":scheme", scheme), field(":authority", authority),
		field(":path", path), field("content-length", length)};
	nghttp2_data_provider body{};
	body.read_callback = &Callbacks::readBody;
	const std::int32_t id =
		nghttp2_submit_request(_pSession, nullptr, fields, post ? 5 : 4, post ? &body : nullptr, pStream.get());
	if (id < 0)
		throw std::runtime_error(std::string("nghttp2_submit_request: ") + nghttp2_strerror(id));
	_streams.emplace(id, std::move(pStream));
	++_stats.issued;
	++_requestsHere;
}

void SoakConnection::streamClosed(std::int32_t id, std::uint32_t errorCode)
{
	auto it = _streams.find(id);
	if (it == _streams.end())
		return;
	const Stream& stream = *it->second;
	if (stream.resetSent)
		++_stats.reset;
	else if (errorCode != NGHTTP2_NO_ERROR)
		_stats.fail("stream " + std::to_string(id) + " closed with " + nghttp2_http2_strerror(errorCode)
			+ (_goAway.empty() ? std::string() : " after " + _goAway));
	else if (stream.status != 200)
		_stats.fail("stream " + std::to_string(id) + " got status " + std::to_string(stream.status));
	else if (stream.responseBody != (stream.kind == Stream::Kind::HELLO ? _plan.helloBody : stream.requestBody))
		_stats.fail("stream " + std::to_string(id) + " got a wrong body of " + std::to_string(stream.responseBody.size())
			+ " bytes");
	else
		++_stats.answered;
	_streams.erase(it);
}

void SoakConnection::onReadable()
{
	std::uint8_t buffer[65536];
	for (;;)
	{
		const ssize_t n = ::recv(_fd, buffer, sizeof(buffer), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0)
		{
			_stats.fail(std::string("the server closed a connection: ") + (n == 0 ? "EOF" : std::strerror(errno))
				+ (_goAway.empty() ? ", no GOAWAY" : ", after " + _goAway));
			return reconnect(false);
		}
		const ssize_t used = nghttp2_session_mem_recv(_pSession, buffer, static_cast<std::size_t>(n));
		if (used < 0)
		{
			_stats.fail(std::string("nghttp2_session_mem_recv: ") + nghttp2_strerror(static_cast<int>(used)));
			return reconnect(false);
		}
	}
}

bool SoakConnection::wantsWrite() const
{
	return _outOffset < _out.size() || nghttp2_session_want_write(_pSession);
}

void SoakConnection::flush()
{
	for (;;)
	{
		if (_outOffset == _out.size())
		{
			_out.clear();
			_outOffset = 0;
			const std::uint8_t* pData;
			ssize_t n;
			while (_out.size() < 65536 && (n = nghttp2_session_mem_send(_pSession, &pData)) > 0)
				_out.append(reinterpret_cast<const char*>(pData), static_cast<std::size_t>(n));
			if (_out.empty())
				return;
		}
		const ssize_t n = ::send(_fd, _out.data() + _outOffset, _out.size() - _outOffset, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n < 0)
		{
			_stats.fail(std::string("write failed: ") + std::strerror(errno));
			return reconnect(false);
		}
		_outOffset += static_cast<std::size_t>(n);
	}
}

} // namespace PocoH2Soak
