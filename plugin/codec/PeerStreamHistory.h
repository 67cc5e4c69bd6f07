//
// PeerStreamHistory.h
//
// What became of the peer's most recent streams after they closed. nghttp2
// is told to forget closed streams (nghttp2_option_set_no_closed_streams):
// on its own it keeps up to SETTINGS_MAX_CONCURRENT_STREAMS of them per
// connection for RFC 7540 priorities, about 300 KiB for a connection that
// served 1024 requests and then stays open. Two bits per stream id here let
// the codec still answer frames on closed streams as RFC 9113 asks.
//

#ifndef PocoH2_Codec_PeerStreamHistory_INCLUDED
#define PocoH2_Codec_PeerStreamHistory_INCLUDED

#include <array>
#include <cstdint>

namespace PocoH2 {
namespace Codec {

class PeerStreamHistory
	/// The fate of the last WINDOW stream ids the peer could have opened
	/// (odd ids on a server): never opened (skipped, so implicitly closed,
	/// RFC 9113 §5.1.1), opened, ended by the peer (END_STREAM received) or
	/// reset by the peer (RST_STREAM received). Older ids are forgotten.
{
public:
	enum class Fate
	{
		NEW,		  ///< above every id opened so far: a new stream
		NEVER_OPENED, ///< skipped by the peer
		OPENED,		  ///< opened; the peer neither ended nor reset it
		PEER_ENDED,	  ///< the peer sent END_STREAM on it
		PEER_RESET,	  ///< the peer sent RST_STREAM on it
		FORGOTTEN	  ///< too old to tell
	};

	static constexpr std::int32_t WINDOW = 512; ///< streams remembered (2 bits each)

	void opened(std::int32_t id);
		/// The peer opened stream id, which is above every id before it: the
		/// ids it skipped become NEVER_OPENED.

	void peerEnded(std::int32_t id);
	void peerReset(std::int32_t id);
		/// Ignored for ids not opened or forgotten.

	Fate fate(std::int32_t id) const;

	std::int32_t highest() const { return _highest; }
		/// The highest id opened, 0 before the first.

private:
	enum : std::uint8_t
	{
		BITS_NEVER_OPENED = 0,
		BITS_OPENED = 1,
		BITS_PEER_ENDED = 2,
		BITS_PEER_RESET = 3
	};

	static std::int32_t slotOf(std::int32_t id) { return (id >> 1) % WINDOW; }
	bool remembered(std::int32_t id) const;
	void set(std::int32_t id, std::uint8_t bits);
	std::uint8_t get(std::int32_t id) const;

	std::array<std::uint64_t, 2 * WINDOW / 64> _bits{};
	std::int32_t _highest = 0;
};

} // namespace Codec
} // namespace PocoH2

#endif
