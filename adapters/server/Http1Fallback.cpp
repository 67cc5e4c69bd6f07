#include "server/Http1Fallback.h"
#include <Poco/Net/HTTPServerConnection.h>
#include <Poco/Net/TCPServerConnection.h>
#include <Poco/Net/TCPServerConnectionFactory.h>
#include <condition_variable>
#include <map>
#include <mutex>
#include <sys/socket.h>

namespace PocoH2 {
namespace Adapters {

class Http1Fallback::Registry
	/// The HTTP/1.1 connections being served, so stop() can end them (Poco's
	/// own stop signal, HTTPRequestHandlerFactory::serverStopped, is reserved
	/// to Poco's HTTPServer).
{
public:
	void add(const Poco::Net::StreamSocket& socket)
	{
		std::lock_guard<std::mutex> lock(_mutex);
		_sockets.emplace(socket.impl(), socket);
	}

	void remove(const Poco::Net::StreamSocket& socket)
	{
		{
			std::lock_guard<std::mutex> lock(_mutex);
			_sockets.erase(socket.impl());
		}
		_empty.notify_all();
	}

	void shutdownAll(int how)
	{
		std::lock_guard<std::mutex> lock(_mutex);
		for (auto& entry : _sockets)
		{
			const poco_socket_t fd = entry.second.impl()->sockfd();
			if (fd != POCO_INVALID_SOCKET)
				::shutdown(fd, how);
		}
	}

	int count() const
	{
		std::lock_guard<std::mutex> lock(_mutex);
		return static_cast<int>(_sockets.size());
	}

	bool waitUntilEmpty(std::chrono::milliseconds timeout)
	{
		std::unique_lock<std::mutex> lock(_mutex);
		return _empty.wait_for(lock, timeout, [this] { return _sockets.empty(); });
	}

private:
	mutable std::mutex _mutex;
	std::condition_variable _empty;
	std::map<Poco::Net::SocketImpl*, Poco::Net::StreamSocket> _sockets;
};

namespace {

class TrackedConnection : public Poco::Net::TCPServerConnection
{
public:
	TrackedConnection(const Poco::Net::StreamSocket& socket, std::shared_ptr<Http1Fallback::Registry> pRegistry,
		Poco::Net::HTTPServerParams::Ptr pParams, Poco::Net::HTTPRequestHandlerFactory::Ptr pFactory):
		Poco::Net::TCPServerConnection(socket),
		_pRegistry(std::move(pRegistry)),
		_connection(socket, pParams, pFactory)
	{
	}

	void run() override
	{
		_pRegistry->add(socket());
		try
		{
			_connection.run();
		}
		catch (...)
		{
			_pRegistry->remove(socket());
			throw;
		}
		_pRegistry->remove(socket());
	}

private:
	std::shared_ptr<Http1Fallback::Registry> _pRegistry;
	Poco::Net::HTTPServerConnection _connection;
};

class TrackedConnectionFactory : public Poco::Net::TCPServerConnectionFactory
{
public:
	TrackedConnectionFactory(std::shared_ptr<Http1Fallback::Registry> pRegistry,
		Poco::Net::HTTPServerParams::Ptr pParams, Poco::Net::HTTPRequestHandlerFactory::Ptr pFactory):
		_pRegistry(std::move(pRegistry)),
		_pParams(std::move(pParams)),
		_pFactory(std::move(pFactory))
	{
	}

	Poco::Net::TCPServerConnection* createConnection(const Poco::Net::StreamSocket& socket) override
	{
		return new TrackedConnection(socket, _pRegistry, _pParams, _pFactory);
	}

private:
	std::shared_ptr<Http1Fallback::Registry> _pRegistry;
	Poco::Net::HTTPServerParams::Ptr _pParams;
	Poco::Net::HTTPRequestHandlerFactory::Ptr _pFactory;
};

int poolCapacity(const Poco::Net::HTTPServerParams& params)
{
	return params.getMaxThreads() > 0 ? params.getMaxThreads() : 16;
}

} // namespace

Http1Fallback::Http1Fallback(
	Poco::Net::HTTPRequestHandlerFactory::Ptr pFactory, Poco::Net::HTTPServerParams::Ptr pParams):
	_pRegistry(std::make_shared<Registry>()),
	_pool("PocoH2.HTTP1", 1, poolCapacity(*pParams)),
	_pDispatcher(new Poco::Net::TCPServerDispatcher(
		new TrackedConnectionFactory(_pRegistry, pParams, pFactory), _pool, Poco::Net::TCPServerParams::Ptr(pParams)))
{
}

Http1Fallback::~Http1Fallback()
{
	try
	{
		stop(true, std::chrono::milliseconds(0));
		_pool.joinAll(); // handlers still running on closed connections
	}
	catch (...)
	{
	}
	_pDispatcher->release();
}

void Http1Fallback::serve(const Poco::Net::StreamSocket& socket)
{
	_pDispatcher->enqueue(socket);
}

void Http1Fallback::stop(bool abortCurrent, std::chrono::milliseconds grace)
{
	if (_stopped)
		return;
	_stopped = true;
	_pDispatcher->stop();
	if (!abortCurrent)
	{
		// Each connection finishes the request it is reading or answering,
		// then sees end-of-input where the next request would be.
		_pRegistry->shutdownAll(SHUT_RD);
		if (!_pRegistry->waitUntilEmpty(grace))
			_pRegistry->shutdownAll(SHUT_RDWR);
	}
	else
		_pRegistry->shutdownAll(SHUT_RDWR);
}

int Http1Fallback::connections() const
{
	// Poco's dispatcher does not count the connections its threads serve
	// (currentConnections() stays 0 in 1.11): the registry does.
	return _pRegistry->count() + _pDispatcher->queuedConnections();
}

int Http1Fallback::currentConnections() const
{
	return _pRegistry->count();
}

int Http1Fallback::refusedConnections() const
{
	return _pDispatcher->refusedConnections();
}

} // namespace Adapters
} // namespace PocoH2
