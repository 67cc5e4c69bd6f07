//
// SessionMemory.h
//
// The allocator one nghttp2 session uses: large blocks in their own
// anonymous mappings, so the pages nghttp2 never writes cost no resident
// memory; small blocks recycled through per-session free lists; the rest
// from malloc.
//

#ifndef PocoH2_Codec_SessionMemory_INCLUDED
#define PocoH2_Codec_SessionMemory_INCLUDED

#include <atomic>
#include <cstddef>
#include <vector>

namespace PocoH2 {
namespace Codec {

class SessionMemory
	/// Allocates for one nghttp2 session (nghttp2_session_*_new3).
	///
	/// A fresh session allocates a 16 KiB outbound frame buffer and a 4 KiB
	/// zeroed stream-map table; an idle connection writes only the start of
	/// the one and nothing of the other. From malloc both would sit among
	/// small blocks whose writes make their pages resident (and calloc
	/// writes its zeroes); from mmap only the pages actually written count.
	/// Blocks of at least MAP_THRESHOLD bytes (ZEROED_MAP_THRESHOLD for
	/// zeroed ones) get their own mapping; the mappings are listed here, so
	/// free() and realloc() tell them apart from malloc's blocks without a
	/// header on every block. If mmap fails, malloc serves the block.
	///
	/// Every block not mapped carries a 16-byte header saying its size
	/// class. nghttp2 allocates and frees a few small blocks per stream (the
	/// stream, its outbound items, the copied response fields); with many
	/// streams in flight they overflow glibc's per-thread cache and every
	/// one costs a trip through malloc's bins. Blocks of up to
	/// MAX_POOLED_SIZE bytes therefore go, when freed, to a free list of
	/// their size class (up to CACHE_LIMIT bytes in all, the rest to free())
	/// and serve the next allocation of that class; trimCache() hands them
	/// back to malloc when the connection goes idle.
	///
	/// Threading: not thread-safe, like the session it serves.
{
public:
	static constexpr std::size_t MAP_THRESHOLD = 16384;
		///< malloc/realloc requests at least this large are mapped
	static constexpr std::size_t ZEROED_MAP_THRESHOLD = 4096;
		///< calloc requests at least this large are mapped (mmap's pages
		///< are zero already, so calloc need not touch them)
	static constexpr std::size_t MAX_POOLED_SIZE = 1024 - 16;
		///< blocks up to this size are recycled through the free lists
	static constexpr std::size_t CACHE_LIMIT = 256 * 1024;
		///< bytes the free lists may hold (header included)

	SessionMemory();
	~SessionMemory();
		/// Unmaps whatever the session left mapped (nothing, normally:
		/// nghttp2_session_del frees all).

	SessionMemory(const SessionMemory&) = delete;
	SessionMemory& operator=(const SessionMemory&) = delete;

	void* allocate(std::size_t size);
	void* allocateZeroed(std::size_t count, std::size_t size);
	void* reallocate(void* pBlock, std::size_t size);
	void release(void* pBlock);
		/// malloc, calloc, realloc and free for the session. A block moves
		/// between malloc and its own mapping when realloc crosses
		/// MAP_THRESHOLD.

	bool markScratch(std::size_t expectedSize);
		/// Marks the one mapped block allocated without zeroing so far as
		/// scratch space, whose contents discardScratch() may drop. Returns
		/// false, marking nothing, unless there is exactly one such block
		/// and it spans the pages of expectedSize bytes.

	std::size_t discardScratch();
		/// Gives the pages of the scratch block back to the OS (they read as
		/// zeroes afterwards; memory comes back on the next write). Returns
		/// the bytes given back.

	std::size_t discardZeroPages();
		/// Gives back the resident pages of zeroed (calloc'd) mapped blocks
		/// that hold nothing but zeroes, such as the stream-map table of a
		/// session without streams: the session sees no difference (they
		/// still read as zeroes), but where the kernel has no shared zero
		/// page, reading such a page made it resident like writing would.
		/// Pages not resident are not read (mincore). Returns the bytes
		/// given back.

	std::size_t trimCache();
		/// Frees the blocks the free lists hold; returns their bytes.

	std::size_t cachedBytes() const { return _cachedBytes; }
		/// Bytes held by the free lists (headers included).

	static std::size_t sessionsHoldingCache();
		/// How many SessionMemory objects in the process hold blocks in their
		/// free lists now: 0 once every connection trimmed its cache (what
		/// the idle-memory tests look at; counted only when a cache turns
		/// empty or stops being so, not per block).

	std::size_t mappedBlocks() const { return _mapped.size(); }
		/// How many blocks live in their own mapping now.

	std::size_t heldBytes() const { return _heldBytes; }
		/// Bytes of the blocks from malloc the session holds now (headers
		/// included; the free lists' blocks not counted, mappings neither).

	bool isMapped(const void* pBlock) const;
		/// True if pBlock is one of the mapped blocks.

	// The nghttp2_mem functions, with the SessionMemory as mem_user_data;
	// nghttp2 copies the nghttp2_mem struct, but the SessionMemory must
	// outlive the session.
	static void* memMalloc(std::size_t size, void* pMemory);
	static void memFree(void* pBlock, void* pMemory);
	static void* memCalloc(std::size_t count, std::size_t size, void* pMemory);
	static void* memRealloc(void* pBlock, std::size_t size, void* pMemory);

private:
	struct Mapping
	{
		void* pAddress;
		std::size_t length; ///< page-rounded
		bool zeroed;		///< allocated by allocateZeroed()
		bool scratch;		///< see markScratch()
	};

	struct Header
		/// Precedes every block not mapped; keeps the payload 16-aligned.
	{
		std::size_t sizeClass; ///< index of the free list, or UNPOOLED
		std::size_t size;	   ///< usable bytes after the header
	};
	struct FreeBlock
	{
		FreeBlock* pNext;
	};
	static constexpr std::size_t HEADER_SIZE = 16;
	static constexpr std::size_t CLASS_STEP = 64; ///< class c holds blocks of (c + 1) * CLASS_STEP bytes with the header
	static constexpr std::size_t CLASS_COUNT = (MAX_POOLED_SIZE + HEADER_SIZE) / CLASS_STEP;
	static constexpr std::size_t UNPOOLED = CLASS_COUNT;

	static Header* headerOf(void* pBlock);
	void* allocateSmall(std::size_t size);
		///< a block with a header, from a free list or malloc; null if malloc fails
	void releaseSmall(void* pBlock);
	void* reallocateSmall(void* pBlock, std::size_t size);

	void* map(std::size_t size, bool zeroed);
		///< a new mapping recorded in _mapped, or null
	std::vector<Mapping>::iterator find(const void* pBlock);
	void unmap(std::vector<Mapping>::iterator it);

	std::vector<Mapping> _mapped; ///< a session has a few; searched linearly
	FreeBlock* _free[CLASS_COUNT] = {};
	std::size_t _cachedBytes = 0;
	std::size_t _heldBytes = 0; ///< see heldBytes()
	static std::atomic<std::size_t> _sessionsHoldingCache;
};

} // namespace Codec
} // namespace PocoH2

#endif
