//
// StreamTable.h
//
// The open streams of one server connection, by id.
//

#ifndef PocoH2_Server_StreamTable_INCLUDED
#define PocoH2_Server_StreamTable_INCLUDED

#include "server/ServerStream.h"
#include "transport/SpareStorage.h"
#include <cstdint>
#include <vector>

namespace PocoH2 {
namespace Server {

class StreamTable
	/// A peer opens its streams in increasing id order (the codec enforces
	/// it), so the table is a vector sorted by id: opening a stream appends,
	/// finding one looks first where the id puts it when the peer skipped
	/// no ids (the usual case) and else is a binary search, and closing one
	/// leaves a hole that is dropped at once from the back and compacted
	/// away once holes outnumber the streams.
	/// Unlike a hash map, no allocation per stream once the vector has grown.
	///
	/// Threading: the connection's loop thread only.
{
public:
	ServerStream* find(std::int32_t id) const;
		/// The open stream with the given id, or null.

	void insert(ServerStream::Ptr pStream);
		/// Adds a stream whose id is greater than every open stream's, as
		/// the ids of new streams are: nghttp2 reports a new stream only
		/// with an id above all the peer used before (a lower one is a
		/// connection error), and the h2c upgrade's stream 1 is the first
		/// of its table. Throws Poco::AssertionViolationException, changing
		/// nothing, for an id not above them.

	ServerStream::Ptr erase(std::int32_t id);
		/// Removes the stream and returns it, or null if there is none.

	std::size_t size() const { return _count; }
	bool empty() const { return _count == 0; }

	template <typename Function>
	void forEach(Function function) const
		/// Calls function(ServerStream&) for every open stream, in id order.
		/// function must not change the table.
	{
		for (const Entry& entry : _entries)
		{
			if (entry.pStream)
				function(*entry.pStream);
		}
	}

	void clear();
		/// Removes every stream.

	void releaseMemory();
		/// Gives up the vector's storage if the table is empty: the loop
		/// thread keeps a few such (up to 1024 entries each) for the next
		/// tables that need one (Transport::SpareStorage).

private:
	struct Entry
	{
		std::int32_t id;
		ServerStream::Ptr pStream; ///< null: a hole left by a closed stream
	};

	std::vector<Entry>::const_iterator lowerBound(std::int32_t id) const;
	void dropHoles();

	using SpareEntries = Transport::SpareStorage<std::vector<Entry>, 1024>;

	std::vector<Entry> _entries; ///< sorted by id
	std::size_t _count = 0;		 ///< entries that are not holes
};

} // namespace Server
} // namespace PocoH2

#endif
