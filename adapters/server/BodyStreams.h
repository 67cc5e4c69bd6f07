//
// BodyStreams.h
//
// std::streambuf adapters between Poco's stream-based handler API and a
// ServerStream's body pipes.
//

#ifndef PocoH2_Adapters_BodyStreams_INCLUDED
#define PocoH2_Adapters_BodyStreams_INCLUDED

#include "server/ServerStream.h"
#include <istream>
#include <ostream>
#include <streambuf>
#include <memory>

namespace PocoH2 {
namespace Adapters {

class RequestBodyStreamBuf : public std::streambuf
	/// Reads the request body as it arrives. A reset stream ends the input
	/// with badbit set on the istream (the exception is kept for callers).
{
public:
	explicit RequestBodyStreamBuf(Server::ServerStream& stream);

protected:
	int_type underflow() override;

private:
	Server::ServerStream& _stream;
	std::unique_ptr<char[]> _pBuffer; ///< allocated on first read, not zero-filled
};

class ResponseBodyStreamBuf : public std::streambuf
	/// Writes the response body into the stream's bounded pipe, blocking
	/// while it is full. With discard set (HEAD, 204, 304), bytes are dropped.
	/// Writing to a reset stream fails the ostream (badbit).
{
public:
	ResponseBodyStreamBuf(Server::ServerStream& stream, bool discard);

	void finish(Codec::HeaderBlock trailers = Codec::HeaderBlock());
		/// Flushes what is buffered and ends the body, with trailers if any.
	Poco::UInt64 bytesWritten() const { return _written; }

protected:
	int_type overflow(int_type c) override;
	int sync() override;
	std::streamsize xsputn(const char* data, std::streamsize count) override;

private:
	bool flushBuffer();

	Server::ServerStream& _stream;
	const bool _discard;
	std::unique_ptr<char[]> _pBuffer; ///< allocated on first write, not zero-filled
	Poco::UInt64 _written = 0;
	bool _failed = false;
	bool _finished = false;
};

class RequestBodyStream : public std::istream
{
public:
	explicit RequestBodyStream(Server::ServerStream& stream): std::istream(&_buf), _buf(stream) {}

private:
	RequestBodyStreamBuf _buf;
};

class ResponseBodyStream : public std::ostream
{
public:
	ResponseBodyStream(Server::ServerStream& stream, bool discard): std::ostream(&_buf), _buf(stream, discard) {}
	void finish(Codec::HeaderBlock trailers = Codec::HeaderBlock()) { _buf.finish(std::move(trailers)); }

private:
	ResponseBodyStreamBuf _buf;
};

} // namespace Adapters
} // namespace PocoH2

#endif
