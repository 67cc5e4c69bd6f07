#include "server/BodyStreams.h"
#include "PocoH2/HTTP2Exception.h"
#include <cstring>

namespace PocoH2 {
namespace Adapters {

namespace {

constexpr std::size_t BUFFER_SIZE = 16 * 1024;

} // namespace

RequestBodyStreamBuf::RequestBodyStreamBuf(Server::ServerStream& stream): _stream(stream)
{
}

RequestBodyStreamBuf::int_type RequestBodyStreamBuf::underflow()
{
	if (gptr() < egptr())
		return traits_type::to_int_type(*gptr());
	if (!_pBuffer)
		_pBuffer.reset(new char[BUFFER_SIZE]);
	// An HTTP2StreamResetException propagates: std::istream turns it into badbit.
	const std::size_t n = _stream.readBody(_pBuffer.get(), BUFFER_SIZE);
	if (n == 0)
		return traits_type::eof();
	setg(_pBuffer.get(), _pBuffer.get(), _pBuffer.get() + n);
	return traits_type::to_int_type(*gptr());
}

ResponseBodyStreamBuf::ResponseBodyStreamBuf(Server::ServerStream& stream, bool discard):
	_stream(stream),
	_discard(discard)
{
}

bool ResponseBodyStreamBuf::flushBuffer()
{
	const std::size_t n = static_cast<std::size_t>(pptr() - pbase());
	if (n == 0)
		return !_failed;
	setp(_pBuffer.get(), _pBuffer.get() + BUFFER_SIZE);
	if (_failed || _discard)
		return !_failed;
	try
	{
		_stream.writeBody(_pBuffer.get(), n);
		return true;
	}
	catch (HTTP2Exception&)
	{
		_failed = true;
		return false;
	}
}

ResponseBodyStreamBuf::int_type ResponseBodyStreamBuf::overflow(int_type c)
{
	if (_finished || _failed)
		return traits_type::eof();
	if (!_pBuffer)
	{
		_pBuffer.reset(new char[BUFFER_SIZE]);
		setp(_pBuffer.get(), _pBuffer.get() + BUFFER_SIZE);
	}
	else if (!flushBuffer())
		return traits_type::eof();
	if (!traits_type::eq_int_type(c, traits_type::eof()))
	{
		*pptr() = traits_type::to_char_type(c);
		pbump(1);
		++_written;
	}
	return traits_type::not_eof(c);
}

std::streamsize ResponseBodyStreamBuf::xsputn(const char* data, std::streamsize count)
{
	if (_finished || _failed)
		return 0;
	// Large writes (sendBuffer, file copies) skip the buffer.
	if (static_cast<std::size_t>(count) >= BUFFER_SIZE)
	{
		if (_pBuffer && !flushBuffer())
			return 0;
		_written += static_cast<Poco::UInt64>(count);
		if (_discard)
			return count;
		try
		{
			_stream.writeBody(data, static_cast<std::size_t>(count));
			return count;
		}
		catch (HTTP2Exception&)
		{
			_failed = true;
			return 0;
		}
	}
	std::streamsize done = 0;
	while (done < count)
	{
		if (pptr() == epptr() && traits_type::eq_int_type(overflow(traits_type::eof()), traits_type::eof()))
			break;
		const std::streamsize n = std::min<std::streamsize>(count - done, epptr() - pptr());
		std::memcpy(pptr(), data + done, static_cast<std::size_t>(n));
		pbump(static_cast<int>(n));
		done += n;
		_written += static_cast<Poco::UInt64>(n);
	}
	return done;
}

int ResponseBodyStreamBuf::sync()
{
	// An explicit flush (e.g. a server-sent event) reaches the peer now.
	const bool ok = flushBuffer();
	_stream.flush();
	return ok ? 0 : -1;
}

void ResponseBodyStreamBuf::finish(Codec::HeaderBlock trailers)
{
	if (_finished)
		return;
	if (_pBuffer)
		flushBuffer();
	_finished = true;
	_stream.endBody(_discard ? Codec::HeaderBlock() : std::move(trailers));
}

} // namespace Adapters
} // namespace PocoH2
