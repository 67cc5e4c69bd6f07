#include "codec/FrameScanner.h"
#include <algorithm>
#include <cstring>

namespace PocoH2 {
namespace Codec {

namespace {

constexpr std::size_t HEADER_LENGTH = 9;

void decode(const std::uint8_t* p, FrameScanner::FrameHeader& header)
{
	header.length = (std::uint32_t(p[0]) << 16) | (std::uint32_t(p[1]) << 8) | p[2];
	header.type = p[3];
	header.flags = p[4];
	header.streamId = static_cast<std::int32_t>(
		((std::uint32_t(p[5]) << 24) | (std::uint32_t(p[6]) << 16) | (std::uint32_t(p[7]) << 8) | p[8]) & 0x7fffffffu);
}

} // namespace

bool FrameScanner::next(const std::uint8_t* data, std::size_t length, std::size_t& pos, std::uint8_t type,
	FrameHeader& header)
{
	while (pos < length)
	{
		if (_skip > 0)
		{
			const std::size_t n = std::min(_skip, length - pos);
			pos += n;
			_skip -= n;
			continue;
		}
		if (_partialLength == 0 && length - pos >= HEADER_LENGTH)
		{
			decode(data + pos, header); // the usual case: the whole header in this piece
			header.start = pos;
			pos += HEADER_LENGTH;
		}
		else
		{
			const std::size_t n = std::min(HEADER_LENGTH - _partialLength, length - pos);
			std::memcpy(_partial + _partialLength, data + pos, n);
			header.start = _partialLength == 0 ? pos : 0;
			_partialLength += n;
			pos += n;
			if (_partialLength < HEADER_LENGTH)
				return false;
			_partialLength = 0;
			decode(_partial, header);
		}
		_skip = header.length;
		if (header.type == type)
			return true;
	}
	return false;
}

} // namespace Codec
} // namespace PocoH2
