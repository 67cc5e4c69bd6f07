// The session allocator's bookkeeping: which blocks are mapped, which are
// cached for reuse, and that contents survive realloc across the thresholds.
#include "codec/SessionMemory.h"
#include <gtest/gtest.h>
#include <cstdint>
#include <cstring>
#include <nghttp2/nghttp2.h>
#include <string>
#include <sys/mman.h>
#include <unistd.h>
#include <vector>

using namespace PocoH2::Codec;

namespace {

void fill(void* pBlock, std::size_t size, char seed)
{
	auto* p = static_cast<char*>(pBlock);
	for (std::size_t i = 0; i < size; ++i)
		p[i] = static_cast<char>(seed + i % 61);
}

bool holds(const void* pBlock, std::size_t size, char seed)
{
	const auto* p = static_cast<const char*>(pBlock);
	for (std::size_t i = 0; i < size; ++i)
	{
		if (p[i] != static_cast<char>(seed + i % 61))
			return false;
	}
	return true;
}

bool allZero(const void* pBlock, std::size_t size)
{
	const auto* p = static_cast<const unsigned char*>(pBlock);
	for (std::size_t i = 0; i < size; ++i)
	{
		if (p[i] != 0)
			return false;
	}
	return true;
}

nghttp2_session* newServerSession(SessionMemory& memory)
	// A server session without callbacks allocating through memory; null if
	// nghttp2 refuses.
{
	nghttp2_mem mem = {&memory, &SessionMemory::memMalloc, &SessionMemory::memFree, &SessionMemory::memCalloc,
		&SessionMemory::memRealloc};
	nghttp2_session_callbacks* pCallbacks = nullptr;
	if (nghttp2_session_callbacks_new(&pCallbacks) != 0)
		return nullptr;
	nghttp2_session* pSession = nullptr;
	// nghttp2 keeps a copy of mem.
	const int rc = nghttp2_session_server_new3(&pSession, pCallbacks, nullptr, nullptr, &mem);
	nghttp2_session_callbacks_del(pCallbacks);
	return rc == 0 ? pSession : nullptr;
}

} // namespace

TEST(SessionMemory, SmallBlocksComeFromMalloc)
{
	SessionMemory memory;
	void* pSmall = memory.allocate(SessionMemory::MAP_THRESHOLD - 1);
	void* pZeroed = memory.allocateZeroed(1, SessionMemory::ZEROED_MAP_THRESHOLD - 1);
	ASSERT_NE(pSmall, nullptr);
	ASSERT_NE(pZeroed, nullptr);
	EXPECT_EQ(memory.mappedBlocks(), 0u);
	EXPECT_TRUE(allZero(pZeroed, SessionMemory::ZEROED_MAP_THRESHOLD - 1));
	memory.release(pSmall);
	memory.release(pZeroed);
	memory.release(nullptr);
	EXPECT_EQ(memory.mappedBlocks(), 0u);
}

TEST(SessionMemory, LargeBlocksAreMappedAndUnmapped)
{
	SessionMemory memory;
	void* pLarge = memory.allocate(SessionMemory::MAP_THRESHOLD + 10);
	void* pZeroed = memory.allocateZeroed(256, 16); // the stream map's table
	ASSERT_NE(pLarge, nullptr);
	ASSERT_NE(pZeroed, nullptr);
	EXPECT_EQ(memory.mappedBlocks(), 2u);
	EXPECT_TRUE(memory.isMapped(pLarge));
	EXPECT_TRUE(memory.isMapped(pZeroed));
	EXPECT_TRUE(allZero(pZeroed, 4096));
	fill(pLarge, SessionMemory::MAP_THRESHOLD + 10, 'a');
	EXPECT_TRUE(holds(pLarge, SessionMemory::MAP_THRESHOLD + 10, 'a'));
	memory.release(pLarge);
	EXPECT_EQ(memory.mappedBlocks(), 1u);
	EXPECT_FALSE(memory.isMapped(pLarge));
	memory.release(pZeroed);
	EXPECT_EQ(memory.mappedBlocks(), 0u);
}

TEST(SessionMemory, CallocOverflowFails)
{
	SessionMemory memory;
	EXPECT_EQ(memory.allocateZeroed(SIZE_MAX / 2, 4), nullptr);
	EXPECT_EQ(memory.mappedBlocks(), 0u);
}

TEST(SessionMemory, ReallocMovesAcrossTheThresholdKeepingContents)
{
	SessionMemory memory;
	const std::size_t small = 1000;
	const std::size_t large = SessionMemory::MAP_THRESHOLD + 100;

	void* p = memory.reallocate(nullptr, small);
	ASSERT_NE(p, nullptr);
	EXPECT_FALSE(memory.isMapped(p));
	fill(p, small, 'x');

	p = memory.reallocate(p, large); // small -> mapped
	ASSERT_NE(p, nullptr);
	EXPECT_TRUE(memory.isMapped(p));
	EXPECT_TRUE(holds(p, small, 'x'));
	fill(p, large, 'y');

	p = memory.reallocate(p, 3 * large); // mapped -> bigger mapping
	ASSERT_NE(p, nullptr);
	EXPECT_EQ(memory.mappedBlocks(), 1u);
	EXPECT_TRUE(memory.isMapped(p));
	EXPECT_TRUE(holds(p, large, 'y'));
	fill(p, 3 * large, 'z');

	p = memory.reallocate(p, large); // shrinks in place
	ASSERT_NE(p, nullptr);
	EXPECT_TRUE(memory.isMapped(p));
	EXPECT_TRUE(holds(p, large, 'z'));

	p = memory.reallocate(p, small); // mapped -> malloc
	ASSERT_NE(p, nullptr);
	EXPECT_EQ(memory.mappedBlocks(), 0u);
	EXPECT_FALSE(memory.isMapped(p));
	EXPECT_TRUE(holds(p, small, 'z'));

	p = memory.reallocate(p, 2 * small); // malloc -> malloc
	ASSERT_NE(p, nullptr);
	EXPECT_EQ(memory.mappedBlocks(), 0u);
	EXPECT_TRUE(holds(p, small, 'z'));
	memory.release(p);
}

TEST(SessionMemory, ZeroedMappingReallocatedBelowTheThresholdMovesToMalloc)
{
	SessionMemory memory;
	void* p = memory.allocateZeroed(1, 8192);
	ASSERT_TRUE(memory.isMapped(p));
	fill(p, 8192, 'k');
	p = memory.reallocate(p, 10000);
	ASSERT_NE(p, nullptr);
	EXPECT_EQ(memory.mappedBlocks(), 0u);
	EXPECT_TRUE(holds(p, 8192, 'k'));
	EXPECT_EQ(memory.reallocate(p, 0), nullptr); // frees, as glibc's realloc does
}

TEST(SessionMemory, DestructorUnmapsWhatIsLeft)
{
	// Nothing to observe but that ASan and the kernel stay quiet.
	SessionMemory memory;
	memory.allocate(SessionMemory::MAP_THRESHOLD);
	memory.allocateZeroed(2, SessionMemory::ZEROED_MAP_THRESHOLD);
	EXPECT_EQ(memory.mappedBlocks(), 2u);
}

TEST(SessionMemory, ScratchNeedsExactlyOneBlockNotZeroed)
{
	SessionMemory none;
	void* pTable = none.allocateZeroed(1, 4096);
	EXPECT_FALSE(none.markScratch(4096));
	EXPECT_EQ(none.discardScratch(), 0u);
	none.release(pTable);

	SessionMemory two;
	void* pA = two.allocate(SessionMemory::MAP_THRESHOLD);
	void* pB = two.allocate(SessionMemory::MAP_THRESHOLD);
	EXPECT_FALSE(two.markScratch(SessionMemory::MAP_THRESHOLD));
	EXPECT_EQ(two.discardScratch(), 0u);
	two.release(pA);
	two.release(pB);
}

TEST(SessionMemory, DiscardScratchDropsOnlyTheScratchContents)
{
	SessionMemory memory;
	const std::size_t size = SessionMemory::MAP_THRESHOLD + 10;
	void* pBuffer = memory.reallocate(nullptr, size); // as nghttp2_bufs does
	void* pTable = memory.allocateZeroed(256, 16);
	EXPECT_FALSE(memory.markScratch(size + 4096)); // not the block expected
	ASSERT_TRUE(memory.markScratch(size));
	fill(pBuffer, size, 'b');
	fill(pTable, 4096, 't');
	EXPECT_GE(memory.discardScratch(), size);
	EXPECT_TRUE(allZero(pBuffer, size));
	EXPECT_TRUE(holds(pTable, 4096, 't'));
	fill(pBuffer, size, 'c'); // usable again
	EXPECT_TRUE(holds(pBuffer, size, 'c'));
	memory.release(pBuffer);
	memory.release(pTable);
}

TEST(SessionMemory, DiscardZeroPagesDropsOnlyResidentPagesOfZeroesInZeroedBlocks)
{
	const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
	SessionMemory memory;
	auto* pTable = static_cast<unsigned char*>(memory.allocateZeroed(4, page));
	auto* pBuffer = static_cast<unsigned char*>(memory.reallocate(nullptr, SessionMemory::MAP_THRESHOLD));
	ASSERT_TRUE(memory.isMapped(pTable));
	ASSERT_TRUE(memory.isMapped(pBuffer));
	const auto resident = [page](const unsigned char* pPage)
	{
		unsigned char flag = 0;
		return ::mincore(const_cast<unsigned char*>(pPage), page, &flag) == 0 && (flag & 1);
	};
	fill(pTable + page, page, 'n');		   // page 1: data
	fill(pTable + 2 * page, page, 'z');	   // page 2: written, then zeroes again
	std::memset(pTable + 2 * page, 0, page);
	std::memset(pBuffer, 0, SessionMemory::MAP_THRESHOLD); // zeroes, but not a zeroed block
	ASSERT_TRUE(resident(pTable + 2 * page));
	ASSERT_FALSE(resident(pTable + 3 * page)); // page 3: never touched

	const std::size_t discarded = memory.discardZeroPages();
	EXPECT_EQ(discarded, page);
	EXPECT_FALSE(resident(pTable + 2 * page));
	EXPECT_TRUE(resident(pTable + page));
	EXPECT_TRUE(resident(pBuffer));
	EXPECT_TRUE(allZero(pTable, page));
	EXPECT_TRUE(holds(pTable + page, page, 'n'));
	EXPECT_TRUE(allZero(pTable + 2 * page, 2 * page));
	memory.release(pTable);
	memory.release(pBuffer);
}

TEST(SessionMemory, ServesAnNghttp2Session)
{
	SessionMemory memory;
	nghttp2_session* pSession = newServerSession(memory);
	ASSERT_NE(pSession, nullptr);
	EXPECT_GE(memory.mappedBlocks(), 1u); // the frame buffer, at least
	// What Http2Codec relies on for nghttp2 1.52: the one block not zeroed
	// is the outbound frame buffer, NGHTTP2_FRAMEBUF_CHUNKLEN bytes.
	EXPECT_TRUE(memory.markScratch(9 + 1 + 16384));
	nghttp2_session_del(pSession);
	EXPECT_EQ(memory.mappedBlocks(), 0u);
}

TEST(SessionMemory, SmallBlocksAreReusedFromTheCache)
{
	SessionMemory memory;
	void* pA = memory.allocate(200);
	ASSERT_NE(pA, nullptr);
	EXPECT_EQ(reinterpret_cast<std::uintptr_t>(pA) % 16, 0u);
	memory.release(pA);
	EXPECT_GT(memory.cachedBytes(), 200u);
	void* pB = memory.allocate(190); // same size class
	EXPECT_EQ(pB, pA);
	EXPECT_EQ(memory.cachedBytes(), 0u);
	void* pC = memory.allocate(600); // another class: not from the cache
	EXPECT_NE(pC, pA);
	memory.release(pB);
	memory.release(pC);
	EXPECT_GT(memory.cachedBytes(), 800u);
	const std::size_t cached = memory.cachedBytes();
	EXPECT_EQ(memory.trimCache(), cached);
	EXPECT_EQ(memory.trimCache(), 0u);
	EXPECT_EQ(memory.cachedBytes(), 0u);
	EXPECT_EQ(memory.mappedBlocks(), 0u);
}

TEST(SessionMemory, ReusedBlocksAreZeroedForCalloc)
{
	SessionMemory memory;
	void* p = memory.allocate(300);
	fill(p, 300, 'q');
	memory.release(p);
	void* pZeroed = memory.allocateZeroed(10, 30);
	EXPECT_EQ(pZeroed, p);
	EXPECT_TRUE(allZero(pZeroed, 300));
	memory.release(pZeroed);
}

TEST(SessionMemory, BlocksLargerThanTheClassesAreNotCached)
{
	SessionMemory memory;
	void* p = memory.allocate(SessionMemory::MAX_POOLED_SIZE + 1);
	ASSERT_NE(p, nullptr);
	fill(p, SessionMemory::MAX_POOLED_SIZE + 1, 'm');
	memory.release(p);
	EXPECT_EQ(memory.cachedBytes(), 0u);
}

TEST(SessionMemory, TheCacheIsBounded)
{
	SessionMemory memory;
	std::vector<void*> blocks;
	for (std::size_t i = 0; i < 2 * SessionMemory::CACHE_LIMIT / 1024; ++i)
		blocks.push_back(memory.allocate(SessionMemory::MAX_POOLED_SIZE));
	for (void* p : blocks)
		memory.release(p);
	EXPECT_LE(memory.cachedBytes(), SessionMemory::CACHE_LIMIT);
	EXPECT_GE(memory.cachedBytes(), SessionMemory::CACHE_LIMIT - 1024);
}

TEST(SessionMemory, ReallocWithinAndAcrossSizeClassesKeepsContents)
{
	SessionMemory memory;
	void* p = memory.reallocate(nullptr, 40);
	fill(p, 40, 'r');
	void* pSame = memory.reallocate(p, 48); // still fits its class
	EXPECT_EQ(pSame, p);
	EXPECT_TRUE(holds(pSame, 40, 'r'));
	fill(pSame, 48, 's');
	void* pGrown = memory.reallocate(pSame, 700); // another class
	ASSERT_NE(pGrown, nullptr);
	EXPECT_TRUE(holds(pGrown, 48, 's'));
	fill(pGrown, 700, 't');
	void* pLarge = memory.reallocate(pGrown, 5000); // beyond the classes
	ASSERT_NE(pLarge, nullptr);
	EXPECT_TRUE(holds(pLarge, 700, 't'));
	fill(pLarge, 5000, 'u');
	void* pLarger = memory.reallocate(pLarge, 9000);
	ASSERT_NE(pLarger, nullptr);
	EXPECT_TRUE(holds(pLarger, 5000, 'u'));
	void* pShrunk = memory.reallocate(pLarger, 100); // stays a malloc block, shrunk
	ASSERT_NE(pShrunk, nullptr);
	EXPECT_TRUE(holds(pShrunk, 100, 'u'));
	void* pSmall = memory.reallocate(pShrunk, 60);
	EXPECT_TRUE(holds(pSmall, 60, 'u'));
	EXPECT_EQ(memory.reallocate(pSmall, 0), nullptr);
	EXPECT_EQ(memory.mappedBlocks(), 0u);
}

TEST(SessionMemory, AnIdleSessionKeepsNoCachedBlocks)
{
	SessionMemory memory;
	nghttp2_session* pSession = newServerSession(memory);
	ASSERT_NE(pSession, nullptr);
	// Queued frames are freed once serialised: their blocks go to the cache.
	nghttp2_submit_settings(pSession, NGHTTP2_FLAG_NONE, nullptr, 0);
	nghttp2_submit_ping(pSession, NGHTTP2_FLAG_NONE, nullptr);
	const std::uint8_t* pData = nullptr;
	while (nghttp2_session_mem_send(pSession, &pData) > 0)
	{
	}
	EXPECT_GT(memory.cachedBytes(), 0u);
	EXPECT_GT(memory.trimCache(), 0u);
	EXPECT_EQ(memory.cachedBytes(), 0u);
	nghttp2_session_del(pSession);
	EXPECT_EQ(memory.mappedBlocks(), 0u);
}

TEST(SessionMemory, SessionsHoldingCacheCountsCachesNotBlocks)
{
	const std::size_t before = SessionMemory::sessionsHoldingCache();
	{
		SessionMemory first;
		SessionMemory second;
		void* pA = first.allocate(100);
		void* pB = first.allocate(100);
		void* pC = second.allocate(500);
		first.release(pA);
		first.release(pB);
		EXPECT_EQ(SessionMemory::sessionsHoldingCache(), before + 1);
		second.release(pC);
		EXPECT_EQ(SessionMemory::sessionsHoldingCache(), before + 2);
		void* pD = second.allocate(500); // the cached block again: second's cache is empty
		EXPECT_EQ(second.cachedBytes(), 0u);
		EXPECT_EQ(SessionMemory::sessionsHoldingCache(), before + 1);
		first.trimCache();
		EXPECT_EQ(SessionMemory::sessionsHoldingCache(), before);
		first.trimCache(); // nothing left: no change
		EXPECT_EQ(SessionMemory::sessionsHoldingCache(), before);
		second.release(pD);
		EXPECT_EQ(SessionMemory::sessionsHoldingCache(), before + 1);
	} // the destructor trims
	EXPECT_EQ(SessionMemory::sessionsHoldingCache(), before);
}
