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
	///
	/// One object serves one request after another: open() binds it to a
	/// stream, close() releases it. Nothing of a request is seen in the
	/// next one; the storage of its fields is kept for it.
	/// Threading: the handler's thread.
{
public:
	H2ServerRequest();
		/// Creates a request bound to no stream.
	~H2ServerRequest() override;

	void open(Server::ServerStream& stream, Poco::Net::HTTPServerResponse& response,
		const Poco::Net::HTTPServerParams& params);
		/// Becomes the stream's request: method, URI, version and fields
		/// replaced (see fillRequest()), field limit and body stream reset.
		/// The stream, response and params must outlive close().
	void close() noexcept;
		/// Releases the stream. The fields stay (to be overwritten by the
		/// next open()) unless they take much memory.

	bool expectsContinue() const { return _expectContinue; }
		/// getExpectContinue(), found when the request was opened.

	std::istream& stream() override;
	const Poco::Net::SocketAddress& clientAddress() const override;
	const Poco::Net::SocketAddress& serverAddress() const override;
	const Poco::Net::HTTPServerParams& serverParams() const override { return *_pParams; }
	Poco::Net::HTTPServerResponse& response() const override { return *_pResponse; }
	bool secure() const override;
	Poco::Net::NameValueCollection trailers() const override;
	Poco::UInt32 streamId() const override { return static_cast<Poco::UInt32>(_pStream->id()); }

private:
	H2ServerRequest(const H2ServerRequest&) = delete;
	H2ServerRequest& operator=(const H2ServerRequest&) = delete;

	Server::ServerStream* _pStream = nullptr;
	Poco::Net::HTTPServerResponse* _pResponse = nullptr;
	const Poco::Net::HTTPServerParams* _pParams = nullptr;
	const int _defaultFieldLimit;
	bool _expectContinue = false;
	std::unique_ptr<RequestBodyStream> _pBody; ///< made on first use: most requests have no body
};

} // namespace Adapters
} // namespace PocoH2

#endif
