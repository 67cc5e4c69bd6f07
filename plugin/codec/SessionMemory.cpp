#include "codec/SessionMemory.h"
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <sys/mman.h>
#include <unistd.h>

namespace PocoH2 {
namespace Codec {

namespace {

std::size_t pageSize()
{
	static const std::size_t size = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
	return size;
}

std::size_t roundToPages(std::size_t size)
{
	const std::size_t page = pageSize();
	return (size + page - 1) / page * page;
}

} // namespace

std::atomic<std::size_t> SessionMemory::_sessionsHoldingCache{0};

SessionMemory::SessionMemory() = default;

SessionMemory::~SessionMemory()
{
	trimCache();
	for (const Mapping& mapping : _mapped)
		::munmap(mapping.pAddress, mapping.length);
}

void* SessionMemory::memMalloc(std::size_t size, void* pMemory)
{
	return static_cast<SessionMemory*>(pMemory)->allocate(size);
}

void SessionMemory::memFree(void* pBlock, void* pMemory)
{
	static_cast<SessionMemory*>(pMemory)->release(pBlock);
}

void* SessionMemory::memCalloc(std::size_t count, std::size_t size, void* pMemory)
{
	return static_cast<SessionMemory*>(pMemory)->allocateZeroed(count, size);
}

void* SessionMemory::memRealloc(void* pBlock, std::size_t size, void* pMemory)
{
	return static_cast<SessionMemory*>(pMemory)->reallocate(pBlock, size);
}

void* SessionMemory::allocate(std::size_t size)
{
	if (size >= MAP_THRESHOLD)
	{
		if (void* pBlock = map(size, false))
			return pBlock;
	}
	return allocateSmall(size);
}

void* SessionMemory::allocateZeroed(std::size_t count, std::size_t size)
{
	if (size != 0 && count > SIZE_MAX / size)
		return nullptr;
	if (count * size >= ZEROED_MAP_THRESHOLD)
	{
		if (void* pBlock = map(count * size, true))
			return pBlock;
	}
	void* pBlock = allocateSmall(count * size);
	if (pBlock)
		std::memset(pBlock, 0, count * size);
	return pBlock;
}

void* SessionMemory::reallocate(void* pBlock, std::size_t size)
{
	if (!pBlock)
		return allocate(size);
	if (size == 0)
	{
		release(pBlock);
		return nullptr;
	}
	const auto it = find(pBlock);
	if (it == _mapped.end())
		return reallocateSmall(pBlock, size);
	if (size < MAP_THRESHOLD)
	{
		void* pMoved = allocateSmall(size);
		if (!pMoved)
			return nullptr;
		// A zeroed block may be mapped below MAP_THRESHOLD, and grow here.
		std::memcpy(pMoved, pBlock, std::min(size, it->length));
		unmap(it);
		return pMoved;
	}
	const std::size_t length = roundToPages(size);
	if (length == it->length)
		return pBlock;
	void* pMoved = ::mremap(it->pAddress, it->length, length, MREMAP_MAYMOVE);
	if (pMoved == MAP_FAILED)
		return nullptr; // the old block stays valid, as realloc promises
	it->pAddress = pMoved;
	it->length = length;
	return pMoved;
}

void SessionMemory::release(void* pBlock)
{
	if (!pBlock)
		return;
	const auto it = find(pBlock);
	if (it == _mapped.end())
		releaseSmall(pBlock);
	else
		unmap(it);
}

SessionMemory::Header* SessionMemory::headerOf(void* pBlock)
{
	static_assert(sizeof(Header) <= HEADER_SIZE, "the header fits before the payload");
	return reinterpret_cast<Header*>(static_cast<char*>(pBlock) - HEADER_SIZE);
}

void* SessionMemory::allocateSmall(std::size_t size)
{
	if (size <= MAX_POOLED_SIZE)
	{
		const std::size_t sizeClass = (size + HEADER_SIZE - 1) / CLASS_STEP;
		_heldBytes += (sizeClass + 1) * CLASS_STEP;
		if (FreeBlock* pFree = _free[sizeClass])
		{
			_free[sizeClass] = pFree->pNext;
			_cachedBytes -= (sizeClass + 1) * CLASS_STEP;
			if (_cachedBytes == 0)
				_sessionsHoldingCache.fetch_sub(1, std::memory_order_relaxed);
			return pFree;
		}
		void* pBase = std::malloc((sizeClass + 1) * CLASS_STEP);
		if (!pBase)
		{
			_heldBytes -= (sizeClass + 1) * CLASS_STEP;
			return nullptr;
		}
		auto* pHeader = static_cast<Header*>(pBase);
		pHeader->sizeClass = sizeClass;
		pHeader->size = (sizeClass + 1) * CLASS_STEP - HEADER_SIZE;
		return static_cast<char*>(pBase) + HEADER_SIZE;
	}
	if (size > SIZE_MAX - HEADER_SIZE)
		return nullptr;
	void* pBase = std::malloc(size + HEADER_SIZE);
	if (!pBase)
		return nullptr;
	auto* pHeader = static_cast<Header*>(pBase);
	pHeader->sizeClass = UNPOOLED;
	pHeader->size = size;
	_heldBytes += size + HEADER_SIZE;
	return static_cast<char*>(pBase) + HEADER_SIZE;
}

void SessionMemory::releaseSmall(void* pBlock)
{
	Header* pHeader = headerOf(pBlock);
	const std::size_t sizeClass = pHeader->sizeClass;
	if (sizeClass != UNPOOLED)
	{
		const std::size_t bytes = (sizeClass + 1) * CLASS_STEP;
		_heldBytes -= bytes;
		if (_cachedBytes + bytes <= CACHE_LIMIT)
		{
			auto* pFree = static_cast<FreeBlock*>(pBlock);
			pFree->pNext = _free[sizeClass];
			_free[sizeClass] = pFree;
			if (_cachedBytes == 0)
				_sessionsHoldingCache.fetch_add(1, std::memory_order_relaxed);
			_cachedBytes += bytes;
			return;
		}
	}
	else
		_heldBytes -= pHeader->size + HEADER_SIZE;
	std::free(pHeader);
}

void* SessionMemory::reallocateSmall(void* pBlock, std::size_t size)
{
	Header* pHeader = headerOf(pBlock);
	const std::size_t capacity = pHeader->size;
	if (pHeader->sizeClass == UNPOOLED && size < MAP_THRESHOLD)
	{
		if (size > SIZE_MAX - HEADER_SIZE)
			return nullptr;
		auto* pMoved = static_cast<Header*>(std::realloc(pHeader, size + HEADER_SIZE));
		if (!pMoved)
			return nullptr;
		pMoved->size = size;
		_heldBytes = _heldBytes - capacity + size;
		return reinterpret_cast<char*>(pMoved) + HEADER_SIZE;
	}
	if (size <= capacity && pHeader->sizeClass != UNPOOLED)
		return pBlock; // a pooled block keeps its class when it shrinks
	// Into another class, or into a mapping.
	void* pMoved = allocate(size);
	if (!pMoved)
		return nullptr; // the old block stays valid, as realloc promises
	std::memcpy(pMoved, pBlock, std::min(capacity, size));
	releaseSmall(pBlock);
	return pMoved;
}

std::size_t SessionMemory::sessionsHoldingCache()
{
	return _sessionsHoldingCache.load(std::memory_order_relaxed);
}

std::size_t SessionMemory::trimCache()
{
	const std::size_t trimmed = _cachedBytes;
	for (FreeBlock*& pList : _free)
	{
		while (FreeBlock* pFree = pList)
		{
			pList = pFree->pNext;
			std::free(headerOf(pFree));
		}
	}
	if (trimmed > 0)
		_sessionsHoldingCache.fetch_sub(1, std::memory_order_relaxed);
	_cachedBytes = 0;
	return trimmed;
}

bool SessionMemory::isMapped(const void* pBlock) const
{
	return std::any_of(
		_mapped.begin(), _mapped.end(), [pBlock](const Mapping& mapping) { return mapping.pAddress == pBlock; });
}

bool SessionMemory::markScratch(std::size_t expectedSize)
{
	auto scratch = _mapped.end();
	for (auto it = _mapped.begin(); it != _mapped.end(); ++it)
	{
		if (it->zeroed)
			continue;
		if (scratch != _mapped.end())
			return false;
		scratch = it;
	}
	if (scratch == _mapped.end() || scratch->length != roundToPages(expectedSize))
		return false;
	scratch->scratch = true;
	return true;
}

std::size_t SessionMemory::discardScratch()
{
	std::size_t discarded = 0;
	for (const Mapping& mapping : _mapped)
	{
		if (mapping.scratch && ::madvise(mapping.pAddress, mapping.length, MADV_DONTNEED) == 0)
			discarded += mapping.length;
	}
	return discarded;
}

std::size_t SessionMemory::discardZeroPages()
{
	const std::size_t page = pageSize();
	constexpr std::size_t PAGES_PER_CALL = 64;
	std::size_t discarded = 0;
	for (const Mapping& mapping : _mapped)
	{
		if (!mapping.zeroed)
			continue;
		auto* pBase = static_cast<unsigned char*>(mapping.pAddress);
		for (std::size_t offset = 0; offset < mapping.length; offset += PAGES_PER_CALL * page)
		{
			const std::size_t length = std::min(mapping.length - offset, PAGES_PER_CALL * page);
			unsigned char resident[PAGES_PER_CALL];
			if (::mincore(pBase + offset, length, resident) != 0)
				break;
			for (std::size_t i = 0; i < length / page; ++i)
			{
				unsigned char* pPage = pBase + offset + i * page;
				// The page is all zeroes if its first byte is and every byte
				// equals the next.
				if ((resident[i] & 1) && pPage[0] == 0 && std::memcmp(pPage, pPage + 1, page - 1) == 0
					&& ::madvise(pPage, page, MADV_DONTNEED) == 0)
					discarded += page;
			}
		}
	}
	return discarded;
}

void* SessionMemory::map(std::size_t size, bool zeroed)
{
	const std::size_t length = roundToPages(size);
	void* pAddress = ::mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (pAddress == MAP_FAILED)
		return nullptr;
	try
	{
		_mapped.push_back({pAddress, length, zeroed, false});
	}
	catch (...)
	{
		::munmap(pAddress, length);
		return nullptr;
	}
	return pAddress;
}

std::vector<SessionMemory::Mapping>::iterator SessionMemory::find(const void* pBlock)
{
	// Mappings start on a page; most malloc blocks do not, and skip the search.
	if (reinterpret_cast<std::uintptr_t>(pBlock) % pageSize() != 0)
		return _mapped.end();
	return std::find_if(
		_mapped.begin(), _mapped.end(), [pBlock](const Mapping& mapping) { return mapping.pAddress == pBlock; });
}

void SessionMemory::unmap(std::vector<Mapping>::iterator it)
{
	::munmap(it->pAddress, it->length);
	*it = _mapped.back();
	_mapped.pop_back();
}

} // namespace Codec
} // namespace PocoH2
