//
// ServerEngine.h
//
// The server engine: the listening socket, the event-loop threads that own
// the connections, and the worker pool that runs handlers. Knows streams
// (ServerStream), not Poco HTTP types: what a request means is the business
// of a StreamHandler (the adapters), and HTTP/1.1 that of an Http1Handoff.
//

#ifndef PocoH2_Server_ServerEngine_INCLUDED
#define PocoH2_Server_ServerEngine_INCLUDED

#include "codec/Http2Codec.h"
#include "server/ServerStream.h"
#include "server/WorkerPool.h"
#include "transport/EventLoop.h"
#include <Poco/Logger.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <openssl/ssl.h>
#include <thread>
#include <unordered_map>
#include <vector>

namespace PocoH2 {
namespace Server {

class ServerConnection;

class StreamHandler
	/// Runs a request: called on a worker thread with a dispatched stream. It
	/// must end the response (ServerStream::endBody or sendHead without body)
	/// before it returns; the engine then calls handlerDone().
{
public:
	virtual ~StreamHandler() = default;
	virtual void handle(const ServerStream::Ptr& pStream) = 0;
};

class Http1Handoff
	/// Takes a connection that speaks HTTP/1.1 (a blocking socket, TLS already
	/// established where used). Called on a loop thread; must not block.
{
public:
	virtual ~Http1Handoff() = default;
	virtual void serve(const Poco::Net::StreamSocket& socket) = 0;

	virtual int connections() const = 0;
		/// The HTTP/1.1 connections being served or waiting; any thread.
};

struct EngineConfig
{
	int ioThreads = 1;
	int workerThreads = 16;
	int maxConnectionHandlers = 0;
		///< handlers one HTTP/2 connection may have queued or running at once
		///< (its further requests wait for one of them); 0: a quarter of
		///< workerThreads, at least 2 (HTTP2ServerParams::setMaxConnectionHandlers)
	Codec::CodecSettings codec;
	std::size_t streamBufferSize = 256 * 1024;
	std::chrono::milliseconds handshakeTimeout{60000}; ///< TLS handshake / first bytes
	std::chrono::milliseconds shutdownGracePeriod{10000};
	std::chrono::milliseconds requestReadTimeout{60000}; ///< a handler waiting for body bytes
	std::chrono::milliseconds sendTimeout{60000}; ///< output the peer takes nothing of (closed windows, unread socket); 0: none
	std::chrono::milliseconds idleTimeout{60000};		  ///< 0: none
	std::chrono::milliseconds pingInterval{30000};		  ///< 0: no keepalive PING
	std::chrono::milliseconds pingTimeout{10000};
	std::uint64_t maxRequestBodySize = 0; ///< 0: no limit
	int maxConnections = 0;				  ///< 0: no limit
	bool inlineHandlers = false; ///< complete requests' handlers run on the loop thread (HTTP2ServerParams::setInlineHandlers)
	std::string serverHeader;			  ///< Server header of responses the engine makes itself
	SSL_CTX* pTlsContext = nullptr; ///< TLS if set (owned by the caller's Poco Context)
};

class ServerEngine
	/// Threading: start() and stop() from the owner thread; the counters from
	/// any thread; the rest is called by connections on their loop threads.
{
public:
	ServerEngine(const EngineConfig& config, const Poco::Net::ServerSocket& listener, StreamHandler& handler,
		Http1Handoff& http1);
	~ServerEngine();

	void start();
	void stop(bool abortCurrent);
		/// Stops accepting; sends GOAWAY on every connection (or closes them
		/// at once with abortCurrent), waits up to the grace period for them to
		/// finish, closes the rest, and stops the event loops. Handlers still
		/// running (their streams now closed) are waited for by the destructor.

	bool running() const { return _running; }
	int currentConnections() const { return _currentConnections; }
	int maxConcurrentConnections() const { return _maxConcurrentConnections; }
	int totalConnections() const { return _totalConnections; }
	int refusedConnections() const { return _refusedConnections; }
	int currentStreams() const { return _currentStreams; }
	int totalStreams() const { return _totalStreams; }
	int threads() const;

	// For connections (loop threads):
	const EngineConfig& config() const { return _config; }
	std::size_t maxConnectionHandlers() const;
	Poco::Logger& logger() const { return _logger; }
	void dispatch(const ServerStream::Ptr& pStream);
		/// Queues the stream's handler for the pool.
	void runInline(const ServerStream::Ptr& pStream);
		/// Runs the stream's handler now, on the calling loop thread.
	void handOff(const Poco::Net::StreamSocket& socket);
	void connectionClosed(Transport::EventLoop& loop, ServerConnection* pConnection);
	void connectionRefused() { ++_refusedConnections; }

private:
	void runHandler(const ServerStream::Ptr& pStream);
		///< on a worker thread

	struct LoopSlot
	{
		std::unique_ptr<Transport::EventLoop> pLoop;
		std::thread thread;
		std::unordered_map<ServerConnection*, std::shared_ptr<ServerConnection>> connections;
	};
	class Acceptor;

	void accepted(int fd);
	void forEachConnection(bool abortCurrent);
	bool waitForConnections(std::chrono::milliseconds timeout);

	EngineConfig _config;
	Poco::Net::ServerSocket _listener;
	StreamHandler& _handler;
	Http1Handoff& _http1;
	Poco::Logger& _logger;
	std::vector<std::unique_ptr<LoopSlot>> _loops;
	std::unique_ptr<Acceptor> _pAcceptor;
	WorkerPool _workers;
	std::size_t _nextLoop = 0;
	bool _running = false;

	std::mutex _closeMutex;
	std::condition_variable _allClosed;
	std::atomic<int> _currentConnections{0};
	std::atomic<int> _maxConcurrentConnections{0};
	std::atomic<int> _totalConnections{0};
	std::atomic<int> _refusedConnections{0};
	std::atomic<int> _currentStreams{0};
	std::atomic<int> _totalStreams{0};
};

} // namespace Server
} // namespace PocoH2

#endif
