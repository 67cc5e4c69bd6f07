#include "transport/CodecPump.h"
#include "transport/SpareStorage.h"
#include <algorithm>
#include <sys/epoll.h>

namespace PocoH2 {
namespace Transport {

namespace {

// The largest batch a channel asks for (Channel::outputBatch()): the codec
// produces that much before it is written; the rest of what the codec has
// follows in further writes of the same call.
constexpr std::size_t OUTPUT_BATCH = 1024 * 1024;

// Output buffers given up by trim() wait for the next write() of a
// connection on the same loop thread (see SpareStorage), large ones too: a
// batch of large responses would otherwise free its buffer at the end of each
// turn, have malloc hand the pages back to the system, and fault them in
// again (zeroed) in the next turn, which costs more than the copy into them.
// Up to 4 MiB per loop thread; a batch's last frame can take a buffer past
// OUTPUT_BATCH, and its capacity to twice that.
using SpareOutput = SpareStorage<std::string, 2 * OUTPUT_BATCH, 16, 4 * 1024 * 1024>;

} // namespace

CodecPump::Status CodecPump::read(
	Channel& channel, Codec::Http2Codec& codec, const ChunkInspector& inspect, std::size_t budget)
{
	// One buffer per loop thread; connections keep none while idle.
	static thread_local std::uint8_t buffer[64 * 1024];
	std::size_t fed = 0;
	while (codec.wantsRead())
	{
		if (fed >= budget)
			return Status::STOPPED;
		const IoResult result = channel.read(buffer, sizeof(buffer));
		switch (result.status)
		{
		case IoResult::OK:
			if (inspect && !inspect(buffer, result.n))
				return Status::STOPPED;
			if (!codec.receive(buffer, result.n))
				return Status::CODEC_ERROR;
			fed += result.n;
			// The socket is drained, or epoll reports what it still has
			// (level-triggered): no read that would only say EAGAIN. A
			// channel's own buffer (TLS) must be emptied first.
			if (result.n < sizeof(buffer) && !channel.holdsUnreadData())
				return Status::OK;
			break;
		case IoResult::WOULD_BLOCK:
			return Status::OK;
		case IoResult::CLOSED:
			return Status::CLOSED;
		case IoResult::FAILED:
			return Status::FAILED;
		}
	}
	return Status::OK;
}

CodecPump::Status CodecPump::write(Channel& channel, Codec::Http2Codec& codec)
{
	for (;;)
	{
		if (channel.holdsUnsentData())
		{
			// What the channel accepted but the socket has not taken yet
			// (sealed TLS records) goes before anything new.
			const IoResult flushed = channel.flush();
			if (flushed.status == IoResult::CLOSED)
				return Status::CLOSED;
			if (flushed.status == IoResult::FAILED)
				return Status::FAILED;
			if (flushed.status == IoResult::WOULD_BLOCK)
				return Status::OK;
		}
		if (_offset == _out.size())
		{
			_out.clear();
			_offset = 0;
			SpareOutput::take(_out);
			codec.produce(_out, std::min(channel.outputBatch(), OUTPUT_BATCH));
			if (_out.empty())
				return Status::OK;
		}
		const IoResult result = channel.write(_out.data() + _offset, _out.size() - _offset);
		switch (result.status)
		{
		case IoResult::OK:
			_offset += result.n;
			_written += result.n;
			break;
		case IoResult::WOULD_BLOCK:
			return Status::OK;
		case IoResult::CLOSED:
			return Status::CLOSED;
		case IoResult::FAILED:
			return Status::FAILED;
		}
	}
}

std::uint32_t CodecPump::interest(const Channel& channel, const Codec::Http2Codec& codec) const
{
	std::uint32_t events = codec.wantsRead() ? std::uint32_t(EPOLLIN) : 0u;
	if (pending(channel) || channel.needsWritableToRead())
		events |= EPOLLOUT;
	return events;
}

void CodecPump::prepend(const std::string& bytes)
{
	_out.insert(_offset, bytes);
}

void CodecPump::trim(std::size_t keepCapacity)
{
	if (_offset == _out.size() && _out.capacity() > keepCapacity)
	{
		SpareOutput::give(_out);
		_offset = 0;
	}
}

} // namespace Transport
} // namespace PocoH2
