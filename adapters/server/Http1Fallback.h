//
// Http1Fallback.h
//
// HTTP/1.1 connections served by Poco's own HTTPServerConnection, dispatched
// by Poco's own TCPServerDispatcher: keep-alive, chunked bodies, WebSocket
// behave exactly as under Poco::Net::HTTPServer.
//

#ifndef PocoH2_Adapters_Http1Fallback_INCLUDED
#define PocoH2_Adapters_Http1Fallback_INCLUDED

#include "server/ServerEngine.h"
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/TCPServerDispatcher.h>
#include <Poco/ThreadPool.h>
#include <memory>

namespace PocoH2 {
namespace Adapters {

class Http1Fallback : public Server::Http1Handoff
	/// Threading: serve() from loop threads; stop() and the counters from
	/// the owner. Connections run on this object's own thread pool
	/// (HTTPServerParams::getMaxThreads(), 16 if 0; getMaxQueued() waiting).
{
public:
	Http1Fallback(Poco::Net::HTTPRequestHandlerFactory::Ptr pFactory, Poco::Net::HTTPServerParams::Ptr pParams);
	~Http1Fallback() override;

	void serve(const Poco::Net::StreamSocket& socket) override;
	int connections() const override;

	void stop(bool abortCurrent, std::chrono::milliseconds grace);
		/// Stops taking connections. Gracefully, the read side of every open
		/// connection is shut, so each ends after its current request; with
		/// abortCurrent (or after grace) they are shut down entirely. Handlers
		/// still running are waited for by the destructor, as in Poco.

	int currentConnections() const;
	int refusedConnections() const;

	class Registry;

private:
	std::shared_ptr<Registry> _pRegistry;
	Poco::ThreadPool _pool;
	Poco::Net::TCPServerDispatcher* _pDispatcher;
	bool _stopped = false;
};

} // namespace Adapters
} // namespace PocoH2

#endif
