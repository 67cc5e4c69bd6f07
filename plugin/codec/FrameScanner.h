//
// FrameScanner.h
//
// Follows frame boundaries in the bytes a session receives, without
// parsing more than frame headers, so that the codec can stop feeding
// nghttp2 right before a given frame and look at the session's state as
// that frame will find it.
//

#ifndef PocoH2_Codec_FrameScanner_INCLUDED
#define PocoH2_Codec_FrameScanner_INCLUDED

#include <cstddef>
#include <cstdint>

namespace PocoH2 {
namespace Codec {

class FrameScanner
	/// Frame headers (RFC 9113 §4.1) in a byte stream fed in pieces of any
	/// size. nghttp2 does the real parsing; this only counts lengths.
{
public:
	struct FrameHeader
	{
		std::size_t start;	   ///< offset of its first byte in the piece scanned (0 if it began in an earlier piece)
		std::uint32_t length;  ///< payload length
		std::uint8_t type;
		std::uint8_t flags;
		std::int32_t streamId;
	};

	explicit FrameScanner(std::size_t prefaceLength): _skip(prefaceLength) {}
		/// prefaceLength bytes come before the first frame (a server's
		/// 24-byte client connection preface).

	bool next(const std::uint8_t* data, std::size_t length, std::size_t& pos, std::uint8_t type, FrameHeader& header);
		/// Scans data from pos for the next complete header of a frame of the
		/// given type; returns true with pos just past it, or false with pos
		/// at length once the piece holds no more such header (a header cut
		/// at the end of the piece is completed by the next call).

private:
	std::size_t _skip;			///< bytes until the next frame header starts
	std::uint8_t _partial[9];	///< a header cut by the end of a piece
	std::size_t _partialLength = 0;
};

} // namespace Codec
} // namespace PocoH2

#endif
