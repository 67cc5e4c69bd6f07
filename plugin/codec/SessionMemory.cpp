#include "codec/SessionMemory.h"
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <malloc.h>
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

SessionMemory::SessionMemory() = default;

SessionMemory::~SessionMemory()
{
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
	return std::malloc(size);
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
	return std::calloc(count, size);
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
	{
		if (size < MAP_THRESHOLD)
			return std::realloc(pBlock, size);
		void* pMoved = map(size, false);
		if (!pMoved)
			return std::realloc(pBlock, size);
		std::memcpy(pMoved, pBlock, std::min(::malloc_usable_size(pBlock), size));
		std::free(pBlock);
		return pMoved;
	}
	if (size < MAP_THRESHOLD)
	{
		void* pMoved = std::malloc(size);
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
		std::free(pBlock);
	else
		unmap(it);
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
