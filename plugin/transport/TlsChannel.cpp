#include "transport/TlsChannel.h"
#include <Poco/Exception.h>
#include <cerrno>
#include <cstring>
#include <nghttp2/nghttp2.h>
#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

namespace PocoH2 {
namespace Transport {

std::string openSslErrors()
{
	std::string result;
	unsigned long code;
	while ((code = ERR_get_error()) != 0)
	{
		char buffer[256];
		ERR_error_string_n(code, buffer, sizeof(buffer));
		if (!result.empty())
			result += "; ";
		result += buffer;
	}
	return result;
}

namespace {

int selectAlpn(SSL*, const unsigned char** out, unsigned char* outLength, const unsigned char* in,
	unsigned int inLength, void*)
{
	// nghttp2_select_next_protocol prefers h2 and falls back to http/1.1.
	const int rc = nghttp2_select_next_protocol(
		const_cast<unsigned char**>(out), outLength, in, inLength);
	return rc >= 0 ? SSL_TLSEXT_ERR_OK : SSL_TLSEXT_ERR_NOACK;
}

} // namespace

void TlsChannel::setModes(SSL* pSsl)
{
	SSL_set_mode(pSsl, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
	// One recv takes what the socket has (up to the record buffer), not a
	// record header and then its body: about two system calls fewer per
	// record. What it reads ahead stays in OpenSSL, where holdsUnreadData()
	// and TlsStreamSocketImpl::poll() look for it.
	SSL_set_read_ahead(pSsl, 1);
}

bool holdsUnreadBytes(const SSL* pSsl)
{
	return SSL_has_pending(pSsl) == 1;
}

bool TlsChannel::holdsUnreadData() const
{
	return holdsUnreadBytes(_pSsl.get());
}

void TlsChannel::installAlpnSelector(SSL_CTX* pContext)
{
	SSL_CTX_set_alpn_select_cb(pContext, &selectAlpn, nullptr);
}

TlsChannel::TlsChannel(int fd, SSL_CTX* pContext): Channel(fd), _pSsl(SSL_new(pContext))
{
	if (!_pSsl)
		throw Poco::IOException("SSL_new failed", openSslErrors());
	SSL_set_fd(_pSsl.get(), fd);
	SSL_set_accept_state(_pSsl.get());
	setModes(_pSsl.get());
}

TlsChannel::TlsChannel(int fd, SSL_CTX* pContext, const std::string& serverName, bool verifyHost):
	Channel(fd),
	_pSsl(SSL_new(pContext))
{
	if (!_pSsl)
		throw Poco::IOException("SSL_new failed", openSslErrors());
	SSL* pSsl = _pSsl.get();
	SSL_set_fd(pSsl, fd);
	SSL_set_connect_state(pSsl);
	setModes(pSsl);
	static const unsigned char ALPN[] = "\x02h2\x08http/1.1";
	if (SSL_set_alpn_protos(pSsl, ALPN, sizeof(ALPN) - 1) != 0)
		throw Poco::IOException("SSL_set_alpn_protos failed", openSslErrors());
	in6_addr address;
	const bool isIp = ::inet_pton(AF_INET, serverName.c_str(), &address) == 1
		|| ::inet_pton(AF_INET6, serverName.c_str(), &address) == 1;
	if (!serverName.empty() && !isIp)
		SSL_set_tlsext_host_name(pSsl, serverName.c_str());
	if (verifyHost && !serverName.empty())
	{
		// OpenSSL then checks the name during the handshake, and a mismatch
		// fails it like any other verification error.
		const int rc = isIp ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(pSsl), serverName.c_str())
							: SSL_set1_host(pSsl, serverName.c_str());
		if (rc != 1)
			throw Poco::IOException("cannot set the host name to verify", serverName);
	}
}

TlsChannel::~TlsChannel()
{
	if (_pSsl && _fd >= 0)
		SSL_shutdown(_pSsl.get()); // best effort close_notify; the socket is non-blocking
	ERR_clear_error();
}

TlsChannel::Handshake TlsChannel::handshake()
{
	ERR_clear_error();
	const int rc = SSL_do_handshake(_pSsl.get());
	if (rc == 1)
		return Handshake::DONE;
	const int error = SSL_get_error(_pSsl.get(), rc);
	if (error == SSL_ERROR_WANT_READ)
		return Handshake::WANT_READ;
	if (error == SSL_ERROR_WANT_WRITE)
		return Handshake::WANT_WRITE;
	fail(error, rc);
	return Handshake::FAILED;
}

std::string TlsChannel::alpnProtocol() const
{
	const unsigned char* data = nullptr;
	unsigned int length = 0;
	SSL_get0_alpn_selected(_pSsl.get(), &data, &length);
	return data ? std::string(reinterpret_cast<const char*>(data), length) : std::string();
}

long TlsChannel::verifyResult() const
{
	return SSL_get_verify_result(_pSsl.get());
}

std::string TlsChannel::verifyError() const
{
	const long result = verifyResult();
	return result == X509_V_OK ? std::string() : std::string(X509_verify_cert_error_string(result));
}

IoResult TlsChannel::fail(int sslError, int rc)
{
	if (sslError == SSL_ERROR_ZERO_RETURN)
		return {IoResult::CLOSED, 0};
	if (sslError == SSL_ERROR_SYSCALL)
	{
		const int savedErrno = errno;
		_lastError = openSslErrors();
		if (_lastError.empty())
		{
			if (rc == 0 || savedErrno == 0 || savedErrno == ECONNRESET || savedErrno == EPIPE)
				return {IoResult::CLOSED, 0};
			_lastError = std::strerror(savedErrno);
		}
		return {IoResult::FAILED, 0};
	}
	_lastError = openSslErrors();
	if (_lastError.empty())
		_lastError = "TLS error " + std::to_string(sslError);
	return {IoResult::FAILED, 0};
}

IoResult TlsChannel::read(void* buffer, std::size_t length)
{
	ERR_clear_error();
	_readWantsWrite = false;
	std::size_t n = 0;
	const int rc = SSL_read_ex(_pSsl.get(), buffer, length, &n);
	if (rc == 1)
		return {IoResult::OK, n};
	const int error = SSL_get_error(_pSsl.get(), rc);
	if (error == SSL_ERROR_WANT_READ)
		return {IoResult::WOULD_BLOCK, 0};
	if (error == SSL_ERROR_WANT_WRITE)
	{
		_readWantsWrite = true;
		return {IoResult::WOULD_BLOCK, 0};
	}
	return fail(error, rc);
}

IoResult TlsChannel::write(const void* buffer, std::size_t length)
{
	ERR_clear_error();
	std::size_t n = 0;
	const int rc = SSL_write_ex(_pSsl.get(), buffer, length, &n);
	if (rc == 1)
		return {IoResult::OK, n};
	const int error = SSL_get_error(_pSsl.get(), rc);
	if (error == SSL_ERROR_WANT_WRITE || error == SSL_ERROR_WANT_READ)
		return {IoResult::WOULD_BLOCK, 0};
	return fail(error, rc);
}

SslPtr TlsChannel::releaseSsl()
{
	return std::move(_pSsl);
}

} // namespace Transport
} // namespace PocoH2
