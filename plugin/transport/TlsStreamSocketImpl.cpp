#include "transport/TlsStreamSocketImpl.h"
#include <Poco/Net/NetException.h>
#include <Poco/Net/Socket.h>
#include <cerrno>
#include <openssl/err.h>

namespace PocoH2 {
namespace Transport {

TlsStreamSocketImpl::TlsStreamSocketImpl(int fd, SslPtr pSsl): Poco::Net::StreamSocketImpl(fd), _pSsl(std::move(pSsl))
{
	setBlocking(true);
}

TlsStreamSocketImpl::~TlsStreamSocketImpl()
{
	try
	{
		close();
	}
	catch (...)
	{
	}
}

int TlsStreamSocketImpl::sendBytes(const void* buffer, int length, int)
{
	if (!_pSsl)
		throw Poco::Net::NetException("TLS socket closed");
	ERR_clear_error();
	std::size_t n = 0;
	if (SSL_write_ex(_pSsl.get(), buffer, static_cast<std::size_t>(length), &n) == 1)
		return static_cast<int>(n);
	const int error = SSL_get_error(_pSsl.get(), 0);
	if (error == SSL_ERROR_WANT_WRITE || error == SSL_ERROR_WANT_READ)
		throw Poco::TimeoutException("TLS send timed out");
	throw Poco::Net::ConnectionResetException("TLS send failed", openSslErrors());
}

int TlsStreamSocketImpl::receiveBytes(void* buffer, int length, int)
{
	if (!_pSsl)
		throw Poco::Net::NetException("TLS socket closed");
	ERR_clear_error();
	std::size_t n = 0;
	const int rc = SSL_read_ex(_pSsl.get(), buffer, static_cast<std::size_t>(length), &n);
	if (rc == 1)
		return static_cast<int>(n);
	const int error = SSL_get_error(_pSsl.get(), rc);
	if (error == SSL_ERROR_ZERO_RETURN)
		return 0;
	if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE)
		throw Poco::TimeoutException("TLS receive timed out");
	if (error == SSL_ERROR_SYSCALL && ERR_peek_error() == 0)
		return 0; // the peer closed without close_notify
	throw Poco::Net::ConnectionResetException("TLS receive failed", openSslErrors());
}

int TlsStreamSocketImpl::available()
{
	return _pSsl ? SSL_pending(_pSsl.get()) : 0;
}

bool TlsStreamSocketImpl::poll(const Poco::Timespan& timeout, int mode)
{
	if ((mode & Poco::Net::Socket::SELECT_READ) && _pSsl && holdsUnreadBytes(_pSsl.get()))
		return true;
	return Poco::Net::StreamSocketImpl::poll(timeout, mode);
}

void TlsStreamSocketImpl::shutdown()
{
	if (_pSsl)
		SSL_shutdown(_pSsl.get());
	Poco::Net::StreamSocketImpl::shutdown();
}

void TlsStreamSocketImpl::close()
{
	std::lock_guard<std::mutex> lock(_closeMutex);
	if (_pSsl)
	{
		if (sockfd() != POCO_INVALID_SOCKET)
			SSL_shutdown(_pSsl.get());
		_pSsl.reset();
		ERR_clear_error();
	}
	Poco::Net::StreamSocketImpl::close();
}

} // namespace Transport
} // namespace PocoH2
