#include "transport/TlsChannel.h"
#include "transport/SpareStorage.h"
#include <Poco/Exception.h>
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <poll.h>
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

// Plaintext sealed per write(): 16 records of 16 KiB, sent in one go.
constexpr std::size_t SEAL_BATCH = 256 * 1024;

// The sealed-record buffer of a channel that sent everything goes to its
// thread's spares (as CodecPump's output buffer does), so that idle
// connections keep none and busy ones do not fault fresh pages in per batch.
using SpareSealed = SpareStorage<std::string, 2 * SEAL_BATCH, 16, 2 * 1024 * 1024>;

} // namespace

BIO_METHOD* TlsChannel::sealedRecordsMethod()
{
	static BIO_METHOD* const pMethod = []
	{
		BIO_METHOD* pNew = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "poco-h2 sealed records");
		if (pNew)
		{
			BIO_meth_set_write_ex(pNew, &TlsChannel::appendSealed);
			BIO_meth_set_ctrl(pNew, &TlsChannel::controlSealed);
		}
		return pNew;
	}();
	return pMethod;
}

int TlsChannel::appendSealed(BIO* pBio, const char* data, std::size_t length, std::size_t* pWritten)
{
	auto* pChannel = static_cast<TlsChannel*>(BIO_get_data(pBio));
	BIO_clear_retry_flags(pBio);
	if (pChannel->_sealed.empty())
		SpareSealed::take(pChannel->_sealed);
	pChannel->_sealed.append(data, length);
	*pWritten = length;
	return 1;
}

long TlsChannel::controlSealed(BIO* pBio, int command, long, void*)
{
	auto* pChannel = static_cast<TlsChannel*>(BIO_get_data(pBio));
	switch (command)
	{
	case BIO_CTRL_FLUSH:
	{
		// OpenSSL flushes after a handshake flight, an alert and a
		// post-handshake message; a flush the socket cannot finish makes the
		// call that wrote them say WANT_WRITE.
		BIO_clear_retry_flags(pBio);
		const IoResult result = pChannel->flush();
		if (result.status == IoResult::OK)
			return 1;
		if (result.status == IoResult::WOULD_BLOCK)
			BIO_set_retry_write(pBio);
		return -1;
	}
	case BIO_CTRL_WPENDING:
		return static_cast<long>(pChannel->_sealed.size() - pChannel->_sealedOffset);
	case BIO_CTRL_PENDING:
		return 0;
	default:
		return 0;
	}
}

void TlsChannel::setUp()
{
	SSL* pSsl = _pSsl.get();
	// No SSL_MODE_ENABLE_PARTIAL_WRITE: a write seals all it is given, one
	// call for many records, since the records go to our buffer.
	SSL_set_mode(pSsl, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
	// One recv takes what the socket has (up to the record buffer), not a
	// record header and then its body: about two system calls fewer per
	// record. What it reads ahead stays in OpenSSL, where holdsUnreadData()
	// and TlsStreamSocketImpl::poll() look for it.
	SSL_set_read_ahead(pSsl, 1);
	// Reads come from the socket; records are written to our buffer.
	if (SSL_set_fd(pSsl, _fd) != 1)
		throw Poco::IOException("SSL_set_fd failed", openSslErrors());
	BIO_METHOD* pMethod = sealedRecordsMethod();
	BIO* pSealed = pMethod ? BIO_new(pMethod) : nullptr;
	if (!pSealed)
		throw Poco::IOException("cannot create the TLS record buffer", openSslErrors());
	BIO_set_data(pSealed, this);
	BIO_set_init(pSealed, 1);
	SSL_set0_wbio(pSsl, pSealed);
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
	setUp();
	SSL_set_accept_state(_pSsl.get());
}

TlsChannel::TlsChannel(int fd, SSL_CTX* pContext, const std::string& serverName, bool verifyHost):
	Channel(fd),
	_pSsl(SSL_new(pContext))
{
	if (!_pSsl)
		throw Poco::IOException("SSL_new failed", openSslErrors());
	SSL* pSsl = _pSsl.get();
	setUp();
	SSL_set_connect_state(pSsl);
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
	{
		SSL_shutdown(_pSsl.get()); // best effort close_notify; the socket is non-blocking
		flush();
	}
	ERR_clear_error();
	_pSsl.reset(); // before the buffer its write BIO appends to
	SpareSealed::give(_sealed);
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
	// Records still waiting for the socket go first; no more are sealed
	// behind them, so that the buffer stays one batch.
	const IoResult flushed = flush();
	if (flushed.status != IoResult::OK)
		return flushed;
	ERR_clear_error();
	std::size_t n = 0;
	const int rc = SSL_write_ex(_pSsl.get(), buffer, std::min(length, SEAL_BATCH), &n);
	if (rc != 1)
	{
		const int error = SSL_get_error(_pSsl.get(), rc);
		if (error == SSL_ERROR_WANT_WRITE || error == SSL_ERROR_WANT_READ)
			return {IoResult::WOULD_BLOCK, 0};
		return fail(error, rc);
	}
	const IoResult sent = flush();
	if (sent.status == IoResult::CLOSED || sent.status == IoResult::FAILED)
		return sent;
	return {IoResult::OK, n}; // sealed; what the socket did not take waits in _sealed
}

IoResult TlsChannel::flush()
{
	while (_sealedOffset < _sealed.size())
	{
		const IoResult result = Channel::write(_sealed.data() + _sealedOffset, _sealed.size() - _sealedOffset);
		if (result.status != IoResult::OK)
			return result;
		_sealedOffset += result.n;
	}
	if (!_sealed.empty())
	{
		_sealedOffset = 0;
		SpareSealed::give(_sealed);
	}
	return {IoResult::OK, 0};
}

SslPtr TlsChannel::releaseSsl()
{
	// The new owner writes with a blocking socket: hand it no half-sent
	// records, and no BIO that points at this channel.
	const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
	while (flush().status == IoResult::WOULD_BLOCK && std::chrono::steady_clock::now() < deadline)
	{
		pollfd writable{_fd, POLLOUT, 0};
		::poll(&writable, 1, 100);
	}
	if (_pSsl)
	{
		BIO* pSocket = SSL_get_rbio(_pSsl.get());
		BIO_up_ref(pSocket);
		SSL_set0_wbio(_pSsl.get(), pSocket);
	}
	return std::move(_pSsl);
}

} // namespace Transport
} // namespace PocoH2
