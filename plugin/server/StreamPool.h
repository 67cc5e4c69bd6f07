//
// StreamPool.h
//
// ServerStreams whose exchange is over, kept per loop thread for the next
// streams that thread opens.
//

#ifndef PocoH2_Server_StreamPool_INCLUDED
#define PocoH2_Server_StreamPool_INCLUDED

#include "server/ServerStream.h"
#include <cstddef>

namespace PocoH2 {
namespace Server {

class StreamPool
	/// Opening a stream used to cost an allocation of the ServerStream with
	/// its shared_ptr control block, its request header vector and pipes, and
	/// closing it as many frees. A loop thread instead keeps up to MAX_STREAMS
	/// closed streams (with their control blocks and their buffers' capacity,
	/// see ServerStream::recycle()) and hands them out again.
	///
	/// A stream goes back only if the caller holds its last reference: one a
	/// handler thread or a queued loop task still holds is freed by whoever
	/// drops that reference last, as before.
	///
	/// Threading: each thread has its own streams; the functions work on the
	/// calling thread's (the loop thread's, for a connection's streams).
{
public:
	static constexpr std::size_t MAX_STREAMS = 1024;

	static ServerStream::Ptr acquire(std::int32_t id, std::shared_ptr<const ConnectionInfo> pInfo,
		Transport::EventLoop& loop, std::weak_ptr<ServerConnection> pConnection, std::size_t responseBufferSize,
		std::chrono::milliseconds readTimeout);
		/// A stream in the state of a newly constructed one with the given
		/// arguments: a pooled one if the thread has one, else a new one.

	static void release(ServerStream::Ptr pStream);
		/// Keeps the stream for reuse (ServerStream::recycle()) if pStream is
		/// its last reference and the pool has room; otherwise just drops
		/// the reference. Null is ignored.

	static void trim(std::size_t keep);
		/// Frees the calling thread's streams beyond keep: a burst of many
		/// concurrent streams must not stay in memory once its connections
		/// are idle.

	static std::size_t size();
		/// Streams the calling thread keeps.

	static void clear();
		/// Frees the streams the calling thread keeps.
};

} // namespace Server
} // namespace PocoH2

#endif
