//
// HTTP2ClientImpl.h
//
// HTTP2Client's implementation, shared with HTTP2ClientSession.
//

#ifndef PocoH2_Adapters_HTTP2ClientImpl_INCLUDED
#define PocoH2_Adapters_HTTP2ClientImpl_INCLUDED

#include "PocoH2/HTTP2Client.h"
#include "client/ClientEngine.h"
#include "client/ClientStream.h"
#include <chrono>
#include <memory>

namespace PocoH2 {

class HTTP2Client::Impl
	/// Threading: immutable after construction except for the engine, which
	/// is thread-safe.
{
public:
	Impl(const std::string& host, Poco::UInt16 port, Poco::Net::Context::Ptr pContext, const HTTP2ClientParams& params);

	Client::ClientStream::Ptr newStream(const Poco::Net::HTTPRequest& request, Client::ClientStream::BodyMode mode,
		std::chrono::milliseconds timeout = std::chrono::milliseconds(0)) const;
		/// Maps the request; the caller submits the stream to the engine.

	Client::ClientStream::Ptr newCollectedStream(
		const Poco::Net::HTTPRequest& request, Client::ClientStream::BodyMode mode, Callback callback) const;
		/// The stream of sendRequestAsync(): collects the response and calls
		/// callback on the loop thread when the exchange ends.

	const std::string host;
	const Poco::UInt16 port;
	const Poco::Net::Context::Ptr pContext;
	const HTTP2ClientParams params;
	const std::string scheme;
	const std::string authority; ///< host, with :port unless it is the scheme's default
	std::unique_ptr<Client::ClientEngine> pEngine;
};

} // namespace PocoH2

#endif
