//
// SpareStorage.h
//
// Per-thread spares of container storage (a std::string's or a
// std::vector's capacity) that owners give up when they empty and take back
// when they fill again.
//

#ifndef PocoH2_Transport_SpareStorage_INCLUDED
#define PocoH2_Transport_SpareStorage_INCLUDED

#include <cstddef>
#include <utility>
#include <vector>

namespace PocoH2 {
namespace Transport {

template <typename Container, std::size_t MaxCapacity, std::size_t MaxSpares = 16,
	std::size_t MaxTotalCapacity = MaxCapacity * MaxSpares>
class SpareStorage
	/// A connection that answers a batch of requests and falls silent each
	/// loop turn would free its buffers at the end of every turn (idle
	/// connections must stay small) and regrow them from nothing in the next.
	/// Instead it gives their storage to its loop thread's spares and takes
	/// one back when it needs it again: the connections of a loop then share
	/// a few buffers, at most MaxSpares per thread of at most MaxCapacity
	/// elements each and MaxTotalCapacity elements in all; anything beyond
	/// is freed.
	///
	/// Threading: each thread has its own spares; storage may move between
	/// threads (it is only memory).
{
public:
	static void take(Container& container)
		/// Gives container, if it has no storage, the spare storage used last.
	{
		std::vector<Container>& spares = t_spares;
		if (container.capacity() <= Container().capacity() && !spares.empty())
		{
			container.swap(spares.back());
			spares.pop_back();
			t_totalCapacity -= container.capacity();
		}
	}

	static void give(Container& container)
		/// Empties container and takes its storage, keeping it as a spare or
		/// freeing it.
	{
		container.clear();
		std::vector<Container>& spares = t_spares;
		const std::size_t capacity = container.capacity();
		if (capacity > Container().capacity() && capacity <= MaxCapacity && spares.size() < MaxSpares
			&& t_totalCapacity + capacity <= MaxTotalCapacity)
		{
			if (spares.capacity() == 0)
				spares.reserve(MaxSpares);
			spares.emplace_back(std::move(container));
			t_totalCapacity += capacity;
		}
		Container().swap(container);
	}

private:
	static thread_local std::vector<Container> t_spares;
	static thread_local std::size_t t_totalCapacity;
};

template <typename Container, std::size_t MaxCapacity, std::size_t MaxSpares, std::size_t MaxTotalCapacity>
thread_local std::vector<Container> SpareStorage<Container, MaxCapacity, MaxSpares, MaxTotalCapacity>::t_spares;

template <typename Container, std::size_t MaxCapacity, std::size_t MaxSpares, std::size_t MaxTotalCapacity>
thread_local std::size_t SpareStorage<Container, MaxCapacity, MaxSpares, MaxTotalCapacity>::t_totalCapacity = 0;

} // namespace Transport
} // namespace PocoH2

#endif
