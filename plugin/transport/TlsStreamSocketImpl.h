//
// TlsStreamSocketImpl.h
//
// A blocking Poco StreamSocketImpl over an established OpenSSL connection, so
// that Poco's own HTTP/1.1 server code can serve a TLS connection whose
// handshake (and ALPN) the event loop already did.
//

#ifndef PocoH2_Transport_TlsStreamSocketImpl_INCLUDED
#define PocoH2_Transport_TlsStreamSocketImpl_INCLUDED

#include "transport/TlsChannel.h"
#include <Poco/Net/StreamSocketImpl.h>
#include <mutex>

namespace PocoH2 {
namespace Transport {

class TlsStreamSocketImpl : public Poco::Net::StreamSocketImpl
	/// Takes ownership of a connected fd and its SSL object; switches the fd
	/// to blocking mode. Receive timeouts (SO_RCVTIMEO) throw
	/// Poco::TimeoutException as Poco's own sockets do.
	/// Threading: one thread at a time, like any Poco socket.
{
public:
	TlsStreamSocketImpl(int fd, SslPtr pSsl);

	int sendBytes(const void* buffer, int length, int flags = 0) override;
	int receiveBytes(void* buffer, int length, int flags = 0) override;
	int available() override;
	bool poll(const Poco::Timespan& timeout, int mode) override;
	void shutdown() override;
	void close() override;
	bool secure() const override { return true; }

protected:
	~TlsStreamSocketImpl() override;

private:
	// close() may run on two threads: Poco's HTTP/1.1 thread closes the
	// socket, and whichever thread drops the last reference destroys it. The
	// reference count that orders them lives in Poco; this lock makes the
	// order visible in our own code (and to ThreadSanitizer).
	std::mutex _closeMutex;
	SslPtr _pSsl;
};

} // namespace Transport
} // namespace PocoH2

#endif
