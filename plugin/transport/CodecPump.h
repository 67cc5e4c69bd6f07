//
// CodecPump.h
//
// The byte pump between a connection's Channel and its Http2Codec, shared by
// the server's and the client's connections.
//

#ifndef PocoH2_Transport_CodecPump_INCLUDED
#define PocoH2_Transport_CodecPump_INCLUDED

#include "codec/Http2Codec.h"
#include "transport/Channel.h"
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace PocoH2 {
namespace Transport {

class CodecPump
	/// Reads from the channel into the codec until the socket would block, and
	/// writes what the codec has to send in as few writes as the socket takes:
	/// one per loop turn when it keeps up. Owns the output buffer; knows
	/// nothing of streams, states or why a connection closes.
	/// Threading: the connection's loop thread only.
{
public:
	enum class Status
	{
		OK,			 ///< the socket would block (or the codec wants no more input)
		STOPPED,	 ///< the chunk inspector stopped reading
		CLOSED,		 ///< the peer closed the connection
		FAILED,		 ///< an I/O error: Channel::lastError()
		CODEC_ERROR	 ///< a connection error: Http2Codec::lastError(); its GOAWAY is queued
	};

	using ChunkInspector = std::function<bool(const std::uint8_t* data, std::size_t length)>;
		///< Sees each chunk read before the codec does; returns false to stop.

	Status read(Channel& channel, Codec::Http2Codec& codec, const ChunkInspector& inspect = ChunkInspector(),
		std::size_t budget = SIZE_MAX);
		/// Reads and feeds the codec while it wants input; returns STOPPED
		/// once budget bytes were fed (more may wait: the caller reads again
		/// later, so that one busy peer cannot hold the loop thread).

	Status write(Channel& channel, Codec::Http2Codec& codec);
		/// Writes what is pending, then what the codec produces, until both are
		/// written (OK, !pending(channel)) or the socket would block (OK, pending(channel)).

	bool pending(const Channel& channel) const { return _offset < _out.size() || channel.holdsUnsentData(); }
		/// True when bytes wait for the socket to become writable, in the
		/// pump's buffer or inside the channel (sealed TLS records).

	std::uint64_t bytesWritten() const { return _written; }
		/// All bytes written to the channel so far.

	std::uint32_t interest(const Channel& channel, const Codec::Http2Codec& codec) const;
		/// The epoll events the connection should wait for now.

	void prepend(const std::string& bytes);
		/// Bytes to send before anything the codec produces (h2c's 101 response).

	void trim(std::size_t keepCapacity);
		/// Frees the output buffer if nothing is pending and it holds more than
		/// keepCapacity bytes of capacity (0: always), so idle connections stay
		/// small. The loop thread keeps a few such buffers (up to 4 MiB in
		/// all) for the next write() of any of its connections (SpareStorage).

private:
	std::string _out;
	std::size_t _offset = 0;
	std::uint64_t _written = 0;
};

} // namespace Transport
} // namespace PocoH2

#endif
