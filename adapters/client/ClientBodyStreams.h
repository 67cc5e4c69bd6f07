//
// ClientBodyStreams.h
//
// std::ostream for a request body and std::istream for a response body,
// over a ClientStream's pipes (HTTP2ClientSession).
//

#ifndef PocoH2_Adapters_ClientBodyStreams_INCLUDED
#define PocoH2_Adapters_ClientBodyStreams_INCLUDED

#include "client/ClientStream.h"
#include <Poco/BufferedStreamBuf.h>
#include <istream>
#include <ostream>

namespace PocoH2 {
namespace Adapters {

class RequestBodyStreamBuf : public Poco::BufferedStreamBuf
	/// Writes go to the stream's request pipe, blocking while it is full.
{
public:
	explicit RequestBodyStreamBuf(Client::ClientStream::Ptr pStream);

protected:
	int writeToDevice(const char* buffer, std::streamsize length) override;

private:
	Client::ClientStream::Ptr _pStream;
};

class RequestBodyOutputStream : public std::ostream
	/// The request body of an HTTP2ClientSession exchange. Its exception mask
	/// includes badbit, so stream errors throw.
{
public:
	explicit RequestBodyOutputStream(Client::ClientStream::Ptr pStream);

	void close();
		/// Flushes and ends the body.

private:
	RequestBodyStreamBuf _buf;
	Client::ClientStream::Ptr _pStream;
};

class ResponseBodyStreamBuf : public Poco::BufferedStreamBuf
	/// Reads take the response body as it arrives.
{
public:
	explicit ResponseBodyStreamBuf(Client::ClientStream::Ptr pStream);

protected:
	int readFromDevice(char* buffer, std::streamsize length) override;

private:
	Client::ClientStream::Ptr _pStream;
};

class ResponseBodyInputStream : public std::istream
	/// The response body of an HTTP2ClientSession exchange. Its exception mask
	/// includes badbit, so stream errors throw.
{
public:
	explicit ResponseBodyInputStream(Client::ClientStream::Ptr pStream);

private:
	ResponseBodyStreamBuf _buf;
};

} // namespace Adapters
} // namespace PocoH2

#endif
