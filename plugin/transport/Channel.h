//
// Channel.h
//
// A non-blocking byte channel over a socket: plain TCP or TLS.
//

#ifndef PocoH2_Transport_Channel_INCLUDED
#define PocoH2_Transport_Channel_INCLUDED

#include <cstddef>
#include <string>

namespace PocoH2 {
namespace Transport {

struct IoResult
{
	enum Status
	{
		OK,			 ///< n bytes moved
		WOULD_BLOCK, ///< try again when the fd is ready
		CLOSED,		 ///< the peer closed the connection
		FAILED		 ///< an error; see Channel::lastError()
	};
	Status status;
	std::size_t n;
};

class Channel
	/// Owns a connected, non-blocking socket fd and moves bytes over it.
	/// Threading: used by one thread at a time (a connection's loop thread).
{
public:
	explicit Channel(int fd);
		/// Takes ownership of fd.

	virtual ~Channel();
		/// Closes the fd unless it was released.

	Channel(const Channel&) = delete;
	Channel& operator=(const Channel&) = delete;

	virtual IoResult read(void* buffer, std::size_t length);
	virtual IoResult write(const void* buffer, std::size_t length);

	virtual bool needsWritableToRead() const { return false; }
		/// True when the last read is waiting for the socket to be writable
		/// (TLS renegotiation/key update), so EPOLLOUT must be watched.

	virtual bool holdsUnreadData() const { return false; }
		/// True if bytes wait inside the channel, out of epoll's sight
		/// (OpenSSL's buffers), for the next read() to return. Bytes still in
		/// the socket need no such care: epoll is level-triggered.

	virtual bool holdsUnsentData() const { return false; }
		/// True if bytes that write() accepted still wait inside the channel
		/// for the socket (TLS records sealed but not yet sent); flush()
		/// sends them once the socket is writable.

	virtual IoResult flush() { return {IoResult::OK, 0}; }
		/// Sends what the channel holds of earlier writes: OK once nothing
		/// is left, WOULD_BLOCK while the socket takes no more.

	virtual std::size_t outputBatch() const { return 256 * 1024; }
		/// How many bytes the codec should frame before they are written.
		/// A plain socket takes each batch in one send; a receiver on the
		/// same machine spends less system time per byte on 256 KiB sends
		/// than on 1 MiB ones (one 100 MiB h2c stream to h2load: 0.98x
		/// nghttpd's rate against 0.79x, docs/PROFILE.md section 14).

	int fd() const { return _fd; }

	int releaseFd();
		/// Gives up ownership of the fd and returns it.

	const std::string& lastError() const { return _lastError; }

protected:
	int _fd;
	std::string _lastError;
};

} // namespace Transport
} // namespace PocoH2

#endif
