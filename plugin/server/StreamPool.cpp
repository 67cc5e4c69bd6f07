#include "server/StreamPool.h"
#include <atomic>
#include <new>
#include <vector>

namespace PocoH2 {
namespace Server {

namespace {

thread_local std::vector<ServerStream::Ptr> t_streams;

} // namespace

ServerStream::Ptr StreamPool::acquire(std::int32_t id, std::shared_ptr<const ConnectionInfo> pInfo,
	Transport::EventLoop& loop, std::weak_ptr<ServerConnection> pConnection, std::size_t responseBufferSize,
	std::chrono::milliseconds readTimeout)
{
	std::vector<ServerStream::Ptr>& streams = t_streams;
	if (streams.empty())
		return std::make_shared<ServerStream>(
			id, std::move(pInfo), loop, std::move(pConnection), responseBufferSize, readTimeout);
	ServerStream::Ptr pStream = std::move(streams.back());
	streams.pop_back();
	pStream->reuse(id, std::move(pInfo), loop, std::move(pConnection), responseBufferSize, readTimeout);
	return pStream;
}

void StreamPool::release(ServerStream::Ptr pStream)
{
	// use_count() is exact when it is 1: no other thread holds a reference
	// it could copy (nobody keeps a weak_ptr to a stream).
	if (!pStream || pStream.use_count() != 1)
		return;
	// Another thread may just have dropped its reference: what it wrote
	// before happens before what recycle() does (recycle() also takes the
	// stream's mutex, which every handler-side write is under or before).
	std::atomic_thread_fence(std::memory_order_acquire);
	std::vector<ServerStream::Ptr>& streams = t_streams;
	if (streams.size() >= MAX_STREAMS)
		return;
	if (streams.capacity() == 0)
	{
		try
		{
			streams.reserve(MAX_STREAMS);
		}
		catch (const std::bad_alloc&)
		{
			return; // called from nghttp2's stream close: the stream is simply freed
		}
	}
	pStream->recycle();
	streams.push_back(std::move(pStream));
}

void StreamPool::trim(std::size_t keep)
{
	std::vector<ServerStream::Ptr>& streams = t_streams;
	if (streams.size() > keep)
		streams.resize(keep);
	if (streams.empty())
		std::vector<ServerStream::Ptr>().swap(streams);
}

std::size_t StreamPool::size()
{
	return t_streams.size();
}

void StreamPool::clear()
{
	std::vector<ServerStream::Ptr>().swap(t_streams);
}

} // namespace Server
} // namespace PocoH2
