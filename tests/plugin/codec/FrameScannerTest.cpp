#include "codec/FrameScanner.h"
#include <gtest/gtest.h>
#include <string>
#include <vector>

using PocoH2::Codec::FrameScanner;

namespace {

std::string frame(std::uint8_t type, std::int32_t streamId, const std::string& payload)
{
	std::string bytes;
	bytes += static_cast<char>((payload.size() >> 16) & 0xff);
	bytes += static_cast<char>((payload.size() >> 8) & 0xff);
	bytes += static_cast<char>(payload.size() & 0xff);
	bytes += static_cast<char>(type);
	bytes += '\x01';
	bytes += static_cast<char>((streamId >> 24) & 0x7f);
	bytes += static_cast<char>((streamId >> 16) & 0xff);
	bytes += static_cast<char>((streamId >> 8) & 0xff);
	bytes += static_cast<char>(streamId & 0xff);
	return bytes + payload;
}

struct Found
{
	std::size_t offset; ///< of the header's first byte in the whole stream
	std::int32_t streamId;
	std::uint32_t length;
};

std::vector<Found> scanInPieces(const std::string& bytes, std::size_t preface, std::size_t pieceSize)
{
	FrameScanner scanner(preface);
	std::vector<Found> found;
	for (std::size_t base = 0; base < bytes.size(); base += pieceSize)
	{
		const std::size_t length = std::min(pieceSize, bytes.size() - base);
		const auto* data = reinterpret_cast<const std::uint8_t*>(bytes.data() + base);
		std::size_t pos = 0;
		FrameScanner::FrameHeader header;
		while (scanner.next(data, length, pos, 0 /* DATA */, header))
		{
			// A header cut by a piece's end says start 0: it began earlier.
			const std::size_t end = base + pos;
			EXPECT_TRUE(header.start == 0 || base + header.start == end - 9);
			found.push_back({end - 9, header.streamId, header.length});
		}
		EXPECT_EQ(pos, length);
	}
	return found;
}

} // namespace

TEST(FrameScanner, FindsEveryDataHeaderWhateverThePieces)
{
	const std::string preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
	std::string bytes = preface;
	bytes += frame(4, 0, std::string(6, 's')); // SETTINGS
	const std::size_t first = bytes.size();
	bytes += frame(0, 1, std::string(100, 'a')); // DATA on 1
	bytes += frame(1, 3, std::string(20, '\0')); // HEADERS on 3 (its payload holds no header)
	const std::size_t second = bytes.size();
	bytes += frame(0, 3, std::string());        // empty DATA on 3
	bytes += frame(8, 3, std::string(4, '\0')); // WINDOW_UPDATE
	const std::size_t third = bytes.size();
	bytes += frame(0, 0x7fffffff, std::string(70000, 'b')); // a large DATA (3-byte length)
	bytes += frame(6, 0, std::string(8, '\0'));             // PING
	const std::size_t pieces[] = {1, 2, 8, 9, 10, 33, 4096, bytes.size()};
	for (std::size_t piece : pieces)
	{
		SCOPED_TRACE("pieces of " + std::to_string(piece));
		const auto found = scanInPieces(bytes, preface.size(), piece);
		ASSERT_EQ(found.size(), 3u);
		EXPECT_EQ(found[0].offset, first);
		EXPECT_EQ(found[0].streamId, 1);
		EXPECT_EQ(found[0].length, 100u);
		EXPECT_EQ(found[1].offset, second);
		EXPECT_EQ(found[1].streamId, 3);
		EXPECT_EQ(found[1].length, 0u);
		EXPECT_EQ(found[2].offset, third);
		EXPECT_EQ(found[2].streamId, 0x7fffffff);
		EXPECT_EQ(found[2].length, 70000u);
	}
}

TEST(FrameScanner, TheReservedBitIsNotPartOfTheStreamId)
{
	std::string bytes = frame(0, 5, "x");
	bytes[5] = static_cast<char>(0x80); // R bit set
	FrameScanner scanner(0);
	std::size_t pos = 0;
	FrameScanner::FrameHeader header;
	ASSERT_TRUE(scanner.next(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size(), pos, 0, header));
	EXPECT_EQ(header.streamId, 5);
	EXPECT_EQ(header.start, 0u);
}
