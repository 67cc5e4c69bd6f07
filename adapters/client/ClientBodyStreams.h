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

class ClientRequestStreamBuf : public Poco::BufferedStreamBuf
	/// Writes go to the stream's request pipe, blocking while it is full.
{
public:
	explicit ClientRequestStreamBuf(Client::ClientStream::Ptr pStream);

protected:
	int writeToDevice(const char* buffer, std::streamsize length) override;

private:
	Client::ClientStream::Ptr _pStream;
};

class ClientRequestStream : public std::ostream
	/// The request body of an HTTP2ClientSession exchange. Its exception mask
	/// includes badbit, so stream errors throw.
{
public:
	explicit ClientRequestStream(Client::ClientStream::Ptr pStream);

	void close();
		/// Flushes and ends the body.

private:
	ClientRequestStreamBuf _buf;
	Client::ClientStream::Ptr _pStream;
};

class ClientResponseStreamBuf : public Poco::BufferedStreamBuf
	/// Reads take the response body as it arrives.
{
public:
	explicit ClientResponseStreamBuf(Client::ClientStream::Ptr pStream);

protected:
	int readFromDevice(char* buffer, std::streamsize length) override;

private:
	Client::ClientStream::Ptr _pStream;
};

class ClientResponseStream : public std::istream
	/// The response body of an HTTP2ClientSession exchange. Its exception mask
	/// includes badbit, so stream errors throw.
{
public:
	explicit ClientResponseStream(Client::ClientStream::Ptr pStream);

private:
	ClientResponseStreamBuf _buf;
};

} // namespace Adapters
} // namespace PocoH2

#endif
