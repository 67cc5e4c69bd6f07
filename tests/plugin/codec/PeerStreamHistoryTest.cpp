#include "codec/PeerStreamHistory.h"
#include <gtest/gtest.h>

using PocoH2::Codec::PeerStreamHistory;
using Fate = PeerStreamHistory::Fate;

TEST(PeerStreamHistory, NothingOpenedIsNew)
{
	PeerStreamHistory history;
	EXPECT_EQ(history.highest(), 0);
	EXPECT_EQ(history.fate(1), Fate::NEW);
	history.peerEnded(1); // not opened: ignored
	EXPECT_EQ(history.fate(1), Fate::NEW);
}

TEST(PeerStreamHistory, SkippedIdsWereNeverOpened)
{
	PeerStreamHistory history;
	history.opened(1);
	history.opened(7);
	EXPECT_EQ(history.highest(), 7);
	EXPECT_EQ(history.fate(1), Fate::OPENED);
	EXPECT_EQ(history.fate(3), Fate::NEVER_OPENED);
	EXPECT_EQ(history.fate(5), Fate::NEVER_OPENED);
	EXPECT_EQ(history.fate(7), Fate::OPENED);
	EXPECT_EQ(history.fate(9), Fate::NEW);
	history.peerEnded(3); // never opened: stays so
	history.peerReset(5);
	EXPECT_EQ(history.fate(3), Fate::NEVER_OPENED);
	EXPECT_EQ(history.fate(5), Fate::NEVER_OPENED);
}

TEST(PeerStreamHistory, EndAndResetByThePeerAreKept)
{
	PeerStreamHistory history;
	for (std::int32_t id = 1; id <= 9; id += 2)
		history.opened(id);
	history.peerEnded(3);
	history.peerReset(5);
	history.peerEnded(7);
	history.peerReset(7); // reset after its end: reset
	history.peerReset(9);
	history.peerEnded(9); // an end after a reset changes nothing
	EXPECT_EQ(history.fate(1), Fate::OPENED);
	EXPECT_EQ(history.fate(3), Fate::PEER_ENDED);
	EXPECT_EQ(history.fate(5), Fate::PEER_RESET);
	EXPECT_EQ(history.fate(7), Fate::PEER_RESET);
	EXPECT_EQ(history.fate(9), Fate::PEER_RESET);
}

TEST(PeerStreamHistory, OldIdsAreForgottenAndSlotsReusedCleanly)
{
	PeerStreamHistory history;
	const std::int32_t window = PeerStreamHistory::WINDOW;
	history.opened(1);
	history.peerEnded(1);
	// One stream less than a window later, stream 1 is still remembered.
	for (std::int32_t n = 1; n < window; ++n)
		history.opened(1 + 2 * n);
	EXPECT_EQ(history.fate(1), Fate::PEER_ENDED);
	// The next one reuses stream 1's slot: 1 is forgotten, the new one is
	// only opened (not ended, as the slot was).
	const std::int32_t next = 1 + 2 * window;
	history.opened(next);
	EXPECT_EQ(history.fate(1), Fate::FORGOTTEN);
	EXPECT_EQ(history.fate(next), Fate::OPENED);
	EXPECT_EQ(history.fate(3), Fate::OPENED);
}

TEST(PeerStreamHistory, AJumpOverTheWindowSkipsEverything)
{
	PeerStreamHistory history;
	history.opened(1);
	history.peerEnded(1);
	history.opened(3);
	const std::int32_t far = 3 + 2 * (PeerStreamHistory::WINDOW + 10);
	history.opened(far);
	EXPECT_EQ(history.fate(far), Fate::OPENED);
	EXPECT_EQ(history.fate(far - 2), Fate::NEVER_OPENED);
	EXPECT_EQ(history.fate(far - 2 * (PeerStreamHistory::WINDOW - 1)), Fate::NEVER_OPENED);
	EXPECT_EQ(history.fate(3), Fate::FORGOTTEN);
	EXPECT_EQ(history.fate(1), Fate::FORGOTTEN);
}

TEST(PeerStreamHistory, TheLargestStreamId)
{
	PeerStreamHistory history;
	history.opened(0x7fffffff);
	history.peerEnded(0x7fffffff);
	EXPECT_EQ(history.fate(0x7fffffff), Fate::PEER_ENDED);
	EXPECT_EQ(history.fate(0x7fffffff - 2), Fate::NEVER_OPENED);
}
