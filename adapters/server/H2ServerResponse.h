//
// H2ServerResponse.h
//
// Poco's HTTPServerResponse over an HTTP/2 stream.
//

#ifndef PocoH2_Adapters_H2ServerResponse_INCLUDED
#define PocoH2_Adapters_H2ServerResponse_INCLUDED

#include "server/BodyStreams.h"
#include "server/ServerStream.h"
#include "PocoH2/HTTP2ServerResponse.h"
#include "codec/HeaderBlock.h"
#include <memory>

namespace PocoH2 {
namespace Adapters {

class H2ServerResponse : public HTTP2ServerResponse
	/// Behaves as Poco's HTTPServerResponseImpl does for HTTP/1.1: send()
	/// commits the headers and returns the body stream; sendFile, sendBuffer,
	/// redirect and requireAuthentication set the same headers Poco sets.
	/// Headers go out lower-cased, without reason phrase or
	/// connection-specific fields; chunked transfer encoding becomes plain
	/// DATA frames. HEAD, 1xx, 204 and 304 responses carry no body.
	/// Threading: the handler's thread.
{
public:
	H2ServerResponse(Server::ServerStream& stream, bool headRequest);
	~H2ServerResponse() override;

	void sendContinue() override;
	std::ostream& send() override;
	void sendFile(const std::string& path, const std::string& mediaType) override;
	void sendBuffer(const void* pBuffer, std::size_t length) override;
	void redirect(const std::string& uri, HTTPStatus status = HTTP_FOUND) override;
	void requireAuthentication(const std::string& realm) override;
	bool sent() const override { return _committed; }
	void addTrailer(const std::string& name, const std::string& value) override;

	void finish();
		/// Ends the response: flushes the body and ends the stream. Called by
		/// the dispatcher after the handler returned.

private:
	void commitHead();
		/// Sends the headers (once).
	std::ostream& commit();
		/// Sends the headers (once) and returns the body stream.
	bool bodyAllowed() const;

	Server::ServerStream& _stream;
	const bool _headRequest;
	bool _committed = false;
	bool _discardBody = false; ///< HEAD, 1xx, 204, 304: body bytes are dropped
	std::unique_ptr<ResponseBodyStream> _pBody; ///< made by send() and friends; sendBuffer() needs none
	Codec::HeaderBlock _trailers;
};

} // namespace Adapters
} // namespace PocoH2

#endif
