//
// RequestDispatcher.h
//
// Runs an unchanged Poco HTTPRequestHandler for an HTTP/2 stream, doing what
// Poco's HTTPServerConnection::run() does around it for HTTP/1.1.
//

#ifndef PocoH2_Adapters_RequestDispatcher_INCLUDED
#define PocoH2_Adapters_RequestDispatcher_INCLUDED

#include "server/ServerEngine.h"
#include <Poco/Logger.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerParams.h>

namespace PocoH2 {
namespace Adapters {

class RequestDispatcher : public Server::StreamHandler
	/// For each stream: builds the request and response, sets Date and Server,
	/// asks the factory for a handler (501 if there is none), sends 100
	/// Continue when the request expects it, runs the handler, answers 500 if
	/// it throws before sending, and ends the response.
	/// Threading: handle() runs on worker threads, many at once.
{
public:
	RequestDispatcher(Poco::Net::HTTPRequestHandlerFactory::Ptr pFactory, Poco::Net::HTTPServerParams::Ptr pParams);

	void handle(const Server::ServerStream::Ptr& pStream) override;

private:
	Poco::Net::HTTPRequestHandlerFactory::Ptr _pFactory;
	Poco::Net::HTTPServerParams::Ptr _pParams;
	Poco::Logger& _logger;
};

} // namespace Adapters
} // namespace PocoH2

#endif
