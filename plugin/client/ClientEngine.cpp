#include "client/ClientEngine.h"
#include "PocoH2/HTTP2Exception.h"
#include <Poco/Bugcheck.h>
#include <Poco/Exception.h>
#include <algorithm>

namespace PocoH2 {
namespace Client {

ClientEngine::ClientEngine(ClientConfig config):
	_config(std::move(config)),
	_authority(_config.host + ":" + std::to_string(_config.port)),
	_logger(Poco::Logger::get("PocoH2.HTTP2Client")),
	_pPoster(std::make_shared<LoopPoster>(_loop))
{
	_thread = std::thread([this] { run(); });
}

ClientEngine::~ClientEngine()
{
	close();
}

void ClientEngine::run()
{
	_loop.run();
}

void ClientEngine::submit(ClientStream::Ptr pStream)
{
	std::lock_guard<std::mutex> lock(_mutex);
	if (_closed)
		throw Poco::IllegalStateException("the HTTP/2 client for " + _authority + " is closed");
	// One loop task for all requests submitted before the loop gets to them,
	// not one each. Posted under the lock, so close() cannot stop the loop
	// between the queueing and the post.
	const bool post = _submitted.empty();
	_submitted.push_back(std::move(pStream));
	if (post)
		_loop.post([this] { takeSubmitted(); });
}

void ClientEngine::takeSubmitted()
{
	{
		std::lock_guard<std::mutex> lock(_mutex);
		_taking.swap(_submitted);
	}
	for (auto& pStream : _taking)
	{
		pStream->touch();
		ensureSweep(timeoutOf(*pStream));
		dispatch(pStream);
	}
	_taking.clear();
}

void ClientEngine::close()
{
	{
		std::lock_guard<std::mutex> lock(_mutex);
		if (_closed)
			return;
		_closed = true;
	}
	poco_assert_msg(!_loop.inLoopThread(), "HTTP2Client closed from its own loop thread (a completion callback)");
	_loop.post([this] { shutdownOnLoop(); });
	_loop.stop();
	if (_thread.joinable())
		_thread.join();
	_pPoster->detach();
}

void ClientEngine::shutdownOnLoop()
{
	_shuttingDown = true;
	const HTTP2ConnectionClosedException reason("the HTTP/2 client for " + _authority + " was closed");
	std::vector<ClientConnection::Ptr> connections(_connections);
	for (auto& pConnection : connections)
		pConnection->close(reason);
	std::deque<ClientStream::Ptr> waiting;
	waiting.swap(_waiting);
	for (auto& pStream : waiting)
		pStream->fail(reason);
}

std::chrono::milliseconds ClientEngine::timeoutOf(const ClientStream& stream) const
{
	return stream.timeout().count() > 0 ? stream.timeout() : _config.requestTimeout;
}

void ClientEngine::ensureSweep(std::chrono::milliseconds timeout)
{
	// One timer for all streams, not one per request: at tens of thousands
	// of requests a second, per-request timers would pile up in the loop's
	// timer map for a whole timeout each. The price is a resolution of an
	// eighth of the timeout (10 ms to 1 s).
	if (timeout.count() <= 0)
		return;
	const auto interval = std::clamp(timeout / 8, std::chrono::milliseconds(10), std::chrono::milliseconds(1000));
	if (_sweepTimer != 0 && interval >= _sweepInterval)
		return;
	if (_sweepTimer != 0)
		_loop.cancelTimer(_sweepTimer);
	_sweepInterval = interval;
	_sweepTimer = _loop.runAfter(_sweepInterval, [this] { sweep(); });
}

void ClientEngine::sweep()
{
	_sweepTimer = 0;
	std::vector<ClientStream::Ptr> streams(_waiting.begin(), _waiting.end());
	for (auto& pConnection : _connections)
		pConnection->collectStreams(streams);
	const auto now = ClientStream::Clock::now();
	for (auto& pStream : streams)
	{
		const auto timeout = timeoutOf(*pStream);
		// The timeout bounds the time without progress (waiting for the head,
		// for the next body bytes, for window to send), so a long stream that
		// keeps moving is not cut off.
		if (timeout.count() <= 0 || now - pStream->lastActivity() < timeout || pStream->completedOnLoop())
			continue;
		const Poco::TimeoutException error(
			"no progress on a request to " + _authority + " for " + std::to_string(timeout.count()) + " ms");
		if (auto pConnection = pStream->connection())
			pConnection->timeout(pStream, error);
		else
			pStream->fail(error);
	}
	if (!streams.empty())
		_sweepTimer = _loop.runAfter(_sweepInterval, [this] { sweep(); });
}

void ClientEngine::dispatch(const ClientStream::Ptr& pStream)
{
	if (pStream->completedOnLoop())
		return;
	if (_shuttingDown)
		return pStream->fail(HTTP2ConnectionClosedException("the HTTP/2 client for " + _authority + " was closed"));
	ClientConnection* pBest = nullptr;
	std::size_t accepting = 0;
	for (auto& pConnection : _connections)
	{
		if (!pConnection->acceptsStreams())
			continue;
		++accepting;
		if (pConnection->load() < pConnection->capacity() && (!pBest || pConnection->load() < pBest->load()))
			pBest = pConnection.get();
	}
	if (pBest)
		return pBest->submit(pStream);
	if (accepting >= _config.maxConnections)
	{
		_waiting.push_back(pStream);
		return;
	}
	if (!_resolved)
	{
		try
		{
			_address = Poco::Net::SocketAddress(_config.host, _config.port);
			_resolved = true;
		}
		catch (Poco::Exception& exc)
		{
			return pStream->fail(exc);
		}
	}
	auto pConnection = std::make_shared<ClientConnection>(*this, _loop, _nextNumber++);
	_connections.push_back(pConnection);
	++_totalConnections;
	++_currentConnections;
	_logger.debug("opening " + std::string("connection #") + std::to_string(pConnection->number()) + " to "
		+ _authority + " (" + std::to_string(accepting + 1) + " accepting streams)");
	pConnection->submit(pStream);
	pConnection->open(_address);
}

void ClientEngine::dispatchWaiting()
{
	while (!_waiting.empty() && !_shuttingDown)
	{
		ClientStream::Ptr pStream = _waiting.front();
		if (pStream->completedOnLoop())
		{
			_waiting.pop_front();
			continue;
		}
		std::size_t accepting = 0;
		bool room = false;
		for (auto& pConnection : _connections)
		{
			if (!pConnection->acceptsStreams())
				continue;
			++accepting;
			room = room || pConnection->load() < pConnection->capacity();
		}
		if (!room && accepting >= _config.maxConnections)
			break;
		_waiting.pop_front();
		dispatch(pStream);
	}
}

void ClientEngine::streamClosed()
{
	if (_waiting.empty() || _drainPosted)
		return;
	_drainPosted = true;
	_loop.post(
		[this]
		{
			_drainPosted = false;
			dispatchWaiting();
		});
}

void ClientEngine::connectionReady(ClientConnection&)
{
	streamClosed();
}

void ClientEngine::connectionGoingAway(ClientConnection&)
{
	streamClosed();
}

void ClientEngine::connectionClosed(ClientConnection& connection, bool connected)
{
	for (auto it = _connections.begin(); it != _connections.end(); ++it)
		if (it->get() == &connection)
		{
			_connections.erase(it);
			--_currentConnections;
			break;
		}
	if (!connected)
		_resolved = false; // look the name up again next time
	streamClosed();
}

void ClientEngine::retry(const ClientStream::Ptr& pStream, const Poco::Exception& reason)
{
	if (pStream->attempts() >= _config.maxAttempts)
		return pStream->fail(reason);
	_logger.debug("retrying a request to " + _authority + " the server did not process: " + reason.displayText());
	_loop.post([this, pStream] { dispatch(pStream); });
}

} // namespace Client
} // namespace PocoH2
