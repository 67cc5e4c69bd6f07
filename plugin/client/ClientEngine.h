//
// ClientEngine.h
//
// The host client's engine: one event-loop thread owning 0..N connections to
// one host, the queue of requests waiting for a connection that is not busy,
// retries of requests the server never processed, and per-request timeouts.
//

#ifndef PocoH2_Client_ClientEngine_INCLUDED
#define PocoH2_Client_ClientEngine_INCLUDED

#include "client/ClientConnection.h"
#include "client/ClientStream.h"
#include "codec/Http2Codec.h"
#include "transport/EventLoop.h"
#include <Poco/Logger.h>
#include <Poco/Net/SocketAddress.h>
#include <atomic>
#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <openssl/ssl.h>
#include <string>
#include <thread>
#include <vector>

namespace PocoH2 {
namespace Client {

struct ClientConfig
	/// Everything the engine needs; filled by the adapter from the public
	/// HTTP2ClientParams.
{
	std::string host;
	std::uint16_t port = 80;
	SSL_CTX* pSslContext = nullptr; ///< TLS when set; must outlive the engine
	bool verifyHost = true;			///< check the certificate's name against host
	std::size_t maxConnections = 4;
	std::chrono::milliseconds connectTimeout{10000};
	std::chrono::milliseconds requestTimeout{60000};
	std::chrono::milliseconds pingInterval{30000}; ///< 0: no keepalive PING
	int maxAttempts = 5; ///< tries of a request the server never processed
	std::size_t streamBufferSize = 256 * 1024;
	Codec::CodecSettings codec;
};

class ClientEngine
	/// Threading: submit(), close() and the counters may be called from any
	/// thread (close() not from the loop thread, e.g. not from a completion);
	/// everything else runs on the loop thread, so the connection list and
	/// the wait queue need no lock.
{
public:
	explicit ClientEngine(ClientConfig config);
		/// Starts the loop thread.

	~ClientEngine();
		/// Calls close().

	ClientEngine(const ClientEngine&) = delete;
	ClientEngine& operator=(const ClientEngine&) = delete;

	void submit(ClientStream::Ptr pStream);
		/// Queues a request. Throws Poco::IllegalStateException after close().

	void close();
		/// Closes every connection (their streams fail with
		/// HTTP2ConnectionClosedException) and joins the loop thread.

	int totalConnections() const { return _totalConnections.load(); }
	int currentConnections() const { return _currentConnections.load(); }

	bool noHttp2() const { return _noHttp2.load(); }
		/// True once the server answered without HTTP/2 (ALPN, or HTTP/1.x
		/// to the h2c preface). Any thread.
	void markNoHttp2() { _noHttp2.store(true); }

	// ---- loop side ----

	const ClientConfig& config() const { return _config; }
	const std::string& authority() const { return _authority; }
	Poco::Logger& logger() const { return _logger; }
	const std::shared_ptr<LoopPoster>& poster() const { return _pPoster; }

	void connectionReady(ClientConnection& connection);
	void connectionGoingAway(ClientConnection& connection);
	void connectionClosed(ClientConnection& connection, bool connected);
	void streamClosed();
	void retry(const ClientStream::Ptr& pStream, const Poco::Exception& reason);

private:
	void run();
	void dispatch(const ClientStream::Ptr& pStream);
	void dispatchWaiting();
	void ensureSweep(std::chrono::milliseconds timeout);
	void sweep();
	std::chrono::milliseconds timeoutOf(const ClientStream& stream) const;
	void shutdownOnLoop();
	void takeSubmitted();

	const ClientConfig _config;
	const std::string _authority;
	Poco::Logger& _logger;
	Transport::EventLoop _loop;
	std::shared_ptr<LoopPoster> _pPoster;
	std::thread _thread;
	std::mutex _mutex;
	bool _closed = false;
	std::vector<ClientStream::Ptr> _submitted; ///< guarded by _mutex; one loop task takes them all

	// Loop thread only.
	std::vector<ClientConnection::Ptr> _connections;
	std::deque<ClientStream::Ptr> _waiting;
	std::vector<ClientStream::Ptr> _taking; ///< _submitted, swapped out (both keep their capacity)
	std::uint64_t _nextNumber = 1;
	bool _shuttingDown = false;
	bool _drainPosted = false;
	Transport::EventLoop::TimerId _sweepTimer = 0;
	std::chrono::milliseconds _sweepInterval{1000};
	bool _resolved = false;
	Poco::Net::SocketAddress _address;

	std::atomic<int> _totalConnections{0};
	std::atomic<bool> _noHttp2{false};
	std::atomic<int> _currentConnections{0};
};

} // namespace Client
} // namespace PocoH2

#endif
