//
// TlsChannel.h
//
// A non-blocking TLS channel driven with OpenSSL directly (Poco's
// SecureStreamSocket hides its SSL* and blocks), using a Poco Context's SSL_CTX.
//

#ifndef PocoH2_Transport_TlsChannel_INCLUDED
#define PocoH2_Transport_TlsChannel_INCLUDED

#include "transport/Channel.h"
#include <memory>
#include <string>
#include <openssl/ssl.h>

namespace PocoH2 {
namespace Transport {

struct SslDeleter
{
	void operator()(SSL* pSsl) const { SSL_free(pSsl); }
};
using SslPtr = std::unique_ptr<SSL, SslDeleter>;

class TlsChannel : public Channel
	/// A TLS connection, server or client side. Reads always drain OpenSSL's
	/// buffer (until WOULD_BLOCK), so bytes OpenSSL holds never wait for an
	/// epoll event that will not come.
	///
	/// Writes are sealed into records in a buffer of the channel's own (a
	/// BIO of ours is OpenSSL's write side) and go to the socket in one
	/// send, not one send per 16 KiB record as OpenSSL's socket BIO would
	/// make it; what the socket does not take waits there (holdsUnsentData())
	/// for flush(). Handshake and post-handshake messages take the same way:
	/// OpenSSL flushes them itself, and a flush the socket cannot finish is
	/// WANT_WRITE, as with a socket BIO.
{
public:
	enum class Handshake
	{
		DONE,
		WANT_READ,
		WANT_WRITE,
		FAILED
	};

	TlsChannel(int fd, SSL_CTX* pContext);
		/// Server side: takes ownership of fd; creates the SSL object in
		/// accept state. Throws Poco::IOException if OpenSSL cannot create it.

	TlsChannel(int fd, SSL_CTX* pContext, const std::string& serverName, bool verifyHost);
		/// Client side: takes ownership of a connected fd; creates the SSL
		/// object in connect state, offers ALPN "h2" and "http/1.1", sends
		/// serverName as SNI (unless it is an IP address) and, with
		/// verifyHost, makes the handshake fail unless the certificate is
		/// for serverName (DNS name or IP address). Whether the chain is
		/// verified at all is the context's verification mode.
		/// Throws Poco::IOException if OpenSSL cannot create the object.

	~TlsChannel() override;

	Handshake handshake();
		/// Advances the handshake; lastError() says why it FAILED.

	std::string alpnProtocol() const;
		/// The protocol chosen by ALPN ("h2", "http/1.1") or empty.

	long verifyResult() const;
		/// The peer certificate verification result (X509_V_OK when it
		/// passed or was not checked).

	std::string verifyError() const;
		/// The verification result as text, or empty when it passed.

	IoResult read(void* buffer, std::size_t length) override;
	IoResult write(const void* buffer, std::size_t length) override;
		/// Seals up to 256 KiB of buffer into records and sends them; OK with
		/// the bytes sealed even if the socket took only part of the records.
	bool needsWritableToRead() const override { return _readWantsWrite; }
	bool holdsUnreadData() const override;
	bool holdsUnsentData() const override { return _sealedOffset < _sealed.size(); }
	IoResult flush() override;
	std::size_t outputBatch() const override { return 1024 * 1024; }
		/// write() already sends every 256 KiB it seals, so the codec may
		/// frame more at once (fewer turns between it and the channel).

	SslPtr releaseSsl();
		/// Gives up the SSL object (for the HTTP/1.1 hand-off); use with
		/// releaseFd(). Sends the sealed records still held first (waiting
		/// up to a second for the socket), and makes the object write to
		/// the socket directly from then on.

	static void installAlpnSelector(SSL_CTX* pContext);
		/// Makes a server context choose "h2", else "http/1.1", by ALPN.

private:
	void setUp();
	IoResult fail(int sslError, int rc);
	static BIO_METHOD* sealedRecordsMethod();
	static int appendSealed(BIO* pBio, const char* data, std::size_t length, std::size_t* pWritten);
	static long controlSealed(BIO* pBio, int command, long number, void* pointer);

	SslPtr _pSsl;
	bool _readWantsWrite = false;
	std::string _sealed; ///< records OpenSSL wrote, from _sealedOffset on not yet sent
	std::size_t _sealedOffset = 0;
};

std::string openSslErrors();
	/// Drains and formats OpenSSL's error queue.

bool holdsUnreadBytes(const SSL* pSsl);
	/// True if OpenSSL holds bytes of the peer's (decrypted, or read ahead
	/// and not yet decrypted) that poll(2) and epoll cannot see.

} // namespace Transport
} // namespace PocoH2

#endif
