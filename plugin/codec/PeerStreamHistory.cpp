#include "codec/PeerStreamHistory.h"

namespace PocoH2 {
namespace Codec {

void PeerStreamHistory::opened(std::int32_t id)
{
	if (id <= _highest)
		return;
	// Streams of the same parity step by 2: (id >> 1) numbers them.
	const std::int32_t skipped = (id >> 1) - (_highest >> 1) - 1;
	if (_highest == 0 || skipped >= WINDOW)
		_bits.fill(0); // all of it is now skipped or older: NEVER_OPENED
	else
	{
		for (std::int32_t n = 1; n <= skipped; ++n)
			set(_highest + 2 * n, BITS_NEVER_OPENED);
	}
	_highest = id;
	set(id, BITS_OPENED);
}

void PeerStreamHistory::peerEnded(std::int32_t id)
{
	if (remembered(id) && get(id) == BITS_OPENED)
		set(id, BITS_PEER_ENDED);
}

void PeerStreamHistory::peerReset(std::int32_t id)
{
	if (remembered(id) && get(id) != BITS_NEVER_OPENED)
		set(id, BITS_PEER_RESET);
}

PeerStreamHistory::Fate PeerStreamHistory::fate(std::int32_t id) const
{
	if (id > _highest)
		return Fate::NEW;
	if (!remembered(id))
		return Fate::FORGOTTEN;
	switch (get(id))
	{
	case BITS_OPENED:
		return Fate::OPENED;
	case BITS_PEER_ENDED:
		return Fate::PEER_ENDED;
	case BITS_PEER_RESET:
		return Fate::PEER_RESET;
	default:
		return Fate::NEVER_OPENED;
	}
}

bool PeerStreamHistory::remembered(std::int32_t id) const
{
	return id > 0 && id <= _highest && (_highest >> 1) - (id >> 1) < WINDOW;
}

void PeerStreamHistory::set(std::int32_t id, std::uint8_t bits)
{
	const std::int32_t bit = 2 * slotOf(id);
	std::uint64_t& word = _bits[static_cast<std::size_t>(bit / 64)];
	word = (word & ~(std::uint64_t(3) << (bit % 64))) | (std::uint64_t(bits) << (bit % 64));
}

std::uint8_t PeerStreamHistory::get(std::int32_t id) const
{
	const std::int32_t bit = 2 * slotOf(id);
	return static_cast<std::uint8_t>((_bits[static_cast<std::size_t>(bit / 64)] >> (bit % 64)) & 3);
}

} // namespace Codec
} // namespace PocoH2
