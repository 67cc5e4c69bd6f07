#include "server/StreamTable.h"
#include <Poco/Bugcheck.h>
#include <algorithm>

namespace PocoH2 {
namespace Server {

namespace {

// A table that grows from nothing starts with room for this many streams.
constexpr std::size_t INITIAL_CAPACITY = 16;

} // namespace

std::vector<StreamTable::Entry>::const_iterator StreamTable::lowerBound(std::int32_t id) const
{
	if (_entries.empty())
		return _entries.end();
	// Peers number their streams 1, 3, 5, ... without gaps (h2load, curl,
	// browsers, our client), and holes keep their place until a compaction,
	// so the id usually tells the entry's index; a guess that misses (a
	// skipped id, or after a compaction until the front holes go) falls
	// back to the binary search.
	const std::int64_t guess = (static_cast<std::int64_t>(id) - _entries.front().id) / 2;
	if (guess >= 0 && static_cast<std::uint64_t>(guess) < _entries.size() && _entries[guess].id == id)
		return _entries.begin() + guess;
	return std::lower_bound(
		_entries.begin(), _entries.end(), id, [](const Entry& entry, std::int32_t key) { return entry.id < key; });
}

ServerStream* StreamTable::find(std::int32_t id) const
{
	const auto it = lowerBound(id);
	return it != _entries.end() && it->id == id ? it->pStream.get() : nullptr;
}

void StreamTable::insert(ServerStream::Ptr pStream)
{
	const std::int32_t id = pStream->id();
	if (_entries.capacity() == 0)
	{
		SpareEntries::take(_entries);
		if (_entries.capacity() == 0)
			_entries.reserve(INITIAL_CAPACITY);
	}
	// Holes never stay at the back, so back() is the newest open stream.
	poco_assert_msg(_entries.empty() || _entries.back().id < id, "stream ids must grow");
	_entries.push_back({id, std::move(pStream)});
	++_count;
}

ServerStream::Ptr StreamTable::erase(std::int32_t id)
{
	const auto found = lowerBound(id);
	if (found == _entries.end() || found->id != id || !found->pStream)
		return nullptr;
	auto it = _entries.begin() + (found - _entries.cbegin());
	ServerStream::Ptr pStream = std::move(it->pStream);
	it->pStream = nullptr;
	--_count;
	dropHoles();
	return pStream;
}

void StreamTable::dropHoles()
{
	while (!_entries.empty() && !_entries.back().pStream)
		_entries.pop_back();
	// Streams mostly close in the order they opened: holes gather at the
	// front and go in one move once they are as many as the streams.
	const std::size_t holes = _entries.size() - _count;
	if (holes > 0 && holes >= _count)
	{
		_entries.erase(std::remove_if(_entries.begin(), _entries.end(), [](const Entry& entry) { return !entry.pStream; }),
			_entries.end());
	}
}

void StreamTable::clear()
{
	_entries.clear();
	_count = 0;
}

void StreamTable::releaseMemory()
{
	if (_count != 0)
		return;
	SpareEntries::give(_entries);
}

} // namespace Server
} // namespace PocoH2
