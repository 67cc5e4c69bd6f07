#include "client/ClientBodyStreams.h"

namespace PocoH2 {
namespace Adapters {

namespace {

constexpr std::streamsize BUFFER_SIZE = 16 * 1024;

} // namespace

ClientRequestStreamBuf::ClientRequestStreamBuf(Client::ClientStream::Ptr pStream):
	Poco::BufferedStreamBuf(BUFFER_SIZE, std::ios::out),
	_pStream(std::move(pStream))
{
}

int ClientRequestStreamBuf::writeToDevice(const char* buffer, std::streamsize length)
{
	_pStream->writeBody(buffer, static_cast<std::size_t>(length));
	return static_cast<int>(length);
}

ClientRequestStream::ClientRequestStream(Client::ClientStream::Ptr pStream):
	std::ostream(nullptr),
	_buf(pStream),
	_pStream(std::move(pStream))
{
	rdbuf(&_buf);
	exceptions(std::ios::badbit);
}

void ClientRequestStream::close()
{
	flush();
	_pStream->endBody();
}

ClientResponseStreamBuf::ClientResponseStreamBuf(Client::ClientStream::Ptr pStream):
	Poco::BufferedStreamBuf(BUFFER_SIZE, std::ios::in),
	_pStream(std::move(pStream))
{
}

int ClientResponseStreamBuf::readFromDevice(char* buffer, std::streamsize length)
{
	return static_cast<int>(_pStream->readBody(buffer, static_cast<std::size_t>(length)));
}

ClientResponseStream::ClientResponseStream(Client::ClientStream::Ptr pStream):
	std::istream(nullptr),
	_buf(std::move(pStream))
{
	rdbuf(&_buf);
	exceptions(std::ios::badbit);
}

} // namespace Adapters
} // namespace PocoH2
