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
	///
	/// One object serves one response after another: open() binds it to a
	/// stream, close() releases it. Nothing of a response is seen in the
	/// next one.
	/// Threading: the handler's thread.
{
public:
	H2ServerResponse();
		/// Creates a response bound to no stream.
	~H2ServerResponse() override;

	void open(Server::ServerStream& stream, bool headRequest, const std::string& date, const std::string& server);
		/// Becomes the stream's response, as a new HTTPServerResponse of a
		/// Poco server is: status 200 "OK", the fields Date and Server
		/// (unless empty) only, default field limit, nothing sent (the
		/// version is the caller's to set). The stream must outlive close().
	void close() noexcept;
		/// Releases the stream and the body stream.

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
	H2ServerResponse(const H2ServerResponse&) = delete;
	H2ServerResponse& operator=(const H2ServerResponse&) = delete;

	std::size_t commitHead(
		Poco::Int64 knownContentLength = UNKNOWN_CONTENT_LENGTH, const char* pBody = nullptr, std::size_t bodyLength = 0);
		/// Sends the headers (once). A known Content-Length (the one the
		/// fields have) spares parsing it again. Body bytes given along go
		/// with the head as far as the stream takes them without waiting
		/// (none if the response has no body); returns how many it took.
	std::ostream& commit();
		/// Sends the headers (once) and returns the body stream.
	bool bodyAllowed() const;

	Server::ServerStream* _pStream = nullptr;
	const int _defaultFieldLimit;
	bool _headRequest = false;
	bool _committed = false;
	bool _discardBody = false; ///< HEAD, 1xx, 204, 304: body bytes are dropped
	std::unique_ptr<ResponseBodyStream> _pBody; ///< made by send() and friends; sendBuffer() needs none
	Codec::HeaderBlock _trailers;
};

} // namespace Adapters
} // namespace PocoH2

#endif
