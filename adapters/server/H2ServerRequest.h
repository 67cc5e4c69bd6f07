//
// H2ServerRequest.h
//
// Poco's HTTPServerRequest over an HTTP/2 stream.
//

#ifndef PocoH2_Adapters_H2ServerRequest_INCLUDED
#define PocoH2_Adapters_H2ServerRequest_INCLUDED

#include "server/BodyStreams.h"
#include "server/ServerStream.h"
#include <Poco/Net/HTTPServerParams.h>
#include "PocoH2/HTTP2ServerRequest.h"
#include <memory>

namespace PocoH2 {
namespace Adapters {

class H2ServerRequest : public HTTP2ServerRequest
	/// The request as a Poco handler knows it: method, URI (:path), Host
	/// (:authority), version "HTTP/2.0", the headers (cookies joined), and
	/// stream() yielding the body as it arrives.
	/// Threading: the handler's thread.
{
public:
	H2ServerRequest(Server::ServerStream& stream, Poco::Net::HTTPServerResponse& response,
		const Poco::Net::HTTPServerParams& params);
	~H2ServerRequest() override;

	std::istream& stream() override;
	const Poco::Net::SocketAddress& clientAddress() const override;
	const Poco::Net::SocketAddress& serverAddress() const override;
	const Poco::Net::HTTPServerParams& serverParams() const override { return _params; }
	Poco::Net::HTTPServerResponse& response() const override { return _response; }
	bool secure() const override;
	Poco::Net::NameValueCollection trailers() const override;
	Poco::UInt32 streamId() const override { return static_cast<Poco::UInt32>(_stream.id()); }

private:
	Server::ServerStream& _stream;
	Poco::Net::HTTPServerResponse& _response;
	const Poco::Net::HTTPServerParams& _params;
	std::unique_ptr<RequestBodyStream> _pBody; ///< made on first use: most requests have no body
};

} // namespace Adapters
} // namespace PocoH2

#endif
