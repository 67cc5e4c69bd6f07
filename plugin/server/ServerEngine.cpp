#include "server/ServerEngine.h"
#include "server/ServerConnection.h"
#include <Poco/Exception.h>
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace PocoH2 {
namespace Server {

class ServerEngine::Acceptor : public Transport::IoHandler
	/// Accepts on the listening socket, on the first loop's thread.
{
public:
	Acceptor(ServerEngine& engine, int fd): _engine(engine), _fd(fd) {}

	void onIoEvent(std::uint32_t) override
	{
		for (;;)
		{
			const int fd = ::accept4(_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
			if (fd >= 0)
			{
				_engine.accepted(fd);
				continue;
			}
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				_engine.logger().error(std::string("accept failed: ") + std::strerror(errno));
			// EMFILE and the like: the connection stays in the backlog until
			// descriptors free up; level-triggered epoll reports it again.
			return;
		}
	}

private:
	ServerEngine& _engine;
	int _fd;
};

ServerEngine::ServerEngine(const EngineConfig& config, const Poco::Net::ServerSocket& listener,
	StreamHandler& handler, Http1Handoff& http1):
	_config(config),
	_listener(listener),
	_handler(handler),
	_http1(http1),
	_logger(Poco::Logger::get("PocoH2.Server")),
	_workers(config.workerThreads, [this](const ServerStream::Ptr& pStream) { runHandler(pStream); }, "h2-handler")
{
	const int loops = config.ioThreads > 0 ? config.ioThreads : 1;
	for (int i = 0; i < loops; ++i)
	{
		auto pSlot = std::make_unique<LoopSlot>();
		pSlot->pLoop = std::make_unique<Transport::EventLoop>();
		// Requests a turn decoded go to the handlers with one wake-up, after
		// the turn's writes (see WorkerPool).
		pSlot->pLoop->setTurnEndHook([this] { _workers.wakeForQueuedJobs(); });
		_loops.push_back(std::move(pSlot));
	}
}

ServerEngine::~ServerEngine()
{
	if (_running)
		stop(true);
	_workers.join();
}

int ServerEngine::threads() const
{
	return _running ? static_cast<int>(_loops.size()) + _workers.threads() : 0;
}

void ServerEngine::start()
{
	if (_running)
		return;
	_running = true;
	_listener.setBlocking(false);
	_pAcceptor = std::make_unique<Acceptor>(*this, _listener.impl()->sockfd());
	_loops[0]->pLoop->add(_listener.impl()->sockfd(), EPOLLIN, _pAcceptor.get());
	_workers.start();
	for (std::size_t i = 0; i < _loops.size(); ++i)
	{
		Transport::EventLoop* pLoop = _loops[i]->pLoop.get();
		_loops[i]->thread = std::thread([pLoop] { pLoop->run(); });
		pthread_setname_np(_loops[i]->thread.native_handle(), ("h2-io-" + std::to_string(i)).c_str());
	}
}

void ServerEngine::accepted(int fd)
{
	++_totalConnections;
	if (_config.maxConnections > 0 && _currentConnections + _http1.connections() >= _config.maxConnections)
	{
		// Refused as early and cheaply as possible: the peer sees the close.
		++_refusedConnections;
		::close(fd);
		return;
	}
	const int one = 1;
	::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	// HTTP/1.1 connections handed to Poco count too.
	const int current = ++_currentConnections + _http1.connections();
	int seen = _maxConcurrentConnections.load();
	while (current > seen && !_maxConcurrentConnections.compare_exchange_weak(seen, current))
	{
	}
	LoopSlot& slot = *_loops[_nextLoop++ % _loops.size()];
	auto open = [this, &slot, fd]
	{
		try
		{
			auto pConnection = std::make_shared<ServerConnection>(*this, *slot.pLoop, fd, _config.pTlsContext);
			slot.connections.emplace(pConnection.get(), pConnection);
			pConnection->open();
		}
		catch (Poco::Exception& exc)
		{
			_logger.error("cannot open connection: " + exc.displayText());
			::close(fd);
			--_currentConnections;
		}
	};
	if (&slot == _loops[0].get())
		open();
	else
		slot.pLoop->post(open);
}

std::size_t ServerEngine::maxConnectionHandlers() const
{
	if (_config.maxConnectionHandlers > 0)
		return static_cast<std::size_t>(_config.maxConnectionHandlers);
	return static_cast<std::size_t>(std::max(2, _workers.threads() / 4));
}

void ServerEngine::dispatch(const ServerStream::Ptr& pStream)
{
	++_currentStreams;
	++_totalStreams;
	_workers.submit(pStream, false);
}

void ServerEngine::runInline(const ServerStream::Ptr& pStream)
{
	++_currentStreams;
	++_totalStreams;
	runHandler(pStream);
}

void ServerEngine::runHandler(const ServerStream::Ptr& pStream)
{
	// A stream reset (or a connection closed) before its handler started
	// costs no handler run.
	if (!pStream->isClosed())
	{
		try
		{
			_handler.handle(pStream);
		}
		catch (...)
		{
			pStream->endBody();
		}
	}
	pStream->handlerDone();
	--_currentStreams;
}

void ServerEngine::handOff(const Poco::Net::StreamSocket& socket)
{
	_http1.serve(socket);
}

void ServerEngine::connectionClosed(Transport::EventLoop& loop, ServerConnection* pConnection)
{
	for (auto& pSlot : _loops)
	{
		if (pSlot->pLoop.get() == &loop)
		{
			pSlot->connections.erase(pConnection);
			break;
		}
	}
	{
		std::lock_guard<std::mutex> lock(_closeMutex);
		--_currentConnections;
	}
	_allClosed.notify_all();
}

void ServerEngine::forEachConnection(bool abortCurrent)
{
	for (auto& pSlot : _loops)
	{
		LoopSlot* pRaw = pSlot.get();
		pRaw->pLoop->post(
			[pRaw, abortCurrent]
			{
				// Closing erases from the map: iterate over a copy.
				auto connections = pRaw->connections;
				for (auto& entry : connections)
				{
					if (abortCurrent)
						entry.second->abort();
					else
						entry.second->shutdown();
				}
			});
	}
}

bool ServerEngine::waitForConnections(std::chrono::milliseconds timeout)
{
	std::unique_lock<std::mutex> lock(_closeMutex);
	return _allClosed.wait_for(lock, timeout, [this] { return _currentConnections.load() <= 0; });
}

void ServerEngine::stop(bool abortCurrent)
{
	if (!_running)
		return;
	// Stop accepting; the connections already accepted are told to go away.
	Transport::EventLoop& first = *_loops[0]->pLoop;
	const int listenFd = _listener.impl()->sockfd();
	first.post([&first, listenFd] { first.remove(listenFd); });
	forEachConnection(abortCurrent);
	if (!waitForConnections(abortCurrent ? std::chrono::milliseconds(0) : _config.shutdownGracePeriod))
	{
		forEachConnection(true);
		waitForConnections(std::chrono::milliseconds(5000));
	}
	for (auto& pSlot : _loops)
		pSlot->pLoop->stop();
	for (auto& pSlot : _loops)
	{
		if (pSlot->thread.joinable())
			pSlot->thread.join();
		pSlot->connections.clear();
	}
	// Handlers still running see their stream closed; like Poco's server,
	// stop() does not wait for them: the destructor does.
	_pAcceptor.reset();
	try
	{
		_listener.close();
	}
	catch (...)
	{
	}
	_running = false;
}

} // namespace Server
} // namespace PocoH2
