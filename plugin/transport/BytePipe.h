//
// BytePipe.h
//
// The body bytes one side of a stream writes and the other reads, in one
// buffer.
//

#ifndef PocoH2_Transport_BytePipe_INCLUDED
#define PocoH2_Transport_BytePipe_INCLUDED

#include "transport/SpareStorage.h"
#include <algorithm>
#include <cstddef>
#include <cstring>
#include <string>

namespace PocoH2 {
namespace Transport {

// Large buffers that pipes let go of (release()) wait, per thread, for the
// next empty pipe that must grow to a size they have: a loop thread that
// answers large responses inline would otherwise free each response's
// buffer, malloc would hand the pages back to the system, and the next
// response would fault them in again page by page. Up to 4 MiB per thread.
using SparePipeStorage = SpareStorage<std::string, 2 * 1024 * 1024, 4, 4 * 1024 * 1024>;

class BytePipe
	/// Bytes appended at the back and read from the front of one buffer.
	/// What was read is dropped when the reader catches up with the writer,
	/// or moved out of the way when an append would otherwise grow the
	/// buffer: a reader that keeps up but never quite empties the pipe must
	/// not keep everything it read, and bytes are only moved when that
	/// saves a reallocation (a 1 MiB response read frame by frame is not
	/// moved at all).
	///
	/// Threading: none of its own; the stream that owns it guards it.
{
public:
	std::size_t size() const { return _bytes.size() - _offset; }
		/// The bytes not read yet.

	bool empty() const { return _offset == _bytes.size(); }

	std::size_t capacity() const { return _bytes.capacity(); }
		/// The bytes the buffer has room for.

	void append(const char* data, std::size_t length)
	{
		if (_offset > 0 && _bytes.size() + length > _bytes.capacity())
		{
			_bytes.erase(0, _offset);
			_offset = 0;
		}
		if (_bytes.size() + length > _bytes.capacity() && _bytes.size() + length > SPARE_MIN)
			adoptSpare(_bytes.size() + length);
		_bytes.append(data, length);
	}

	std::size_t read(void* buffer, std::size_t length)
		/// Copies up to length unread bytes into buffer; returns their count.
	{
		const std::size_t n = std::min(length, size());
		std::memcpy(buffer, _bytes.data() + _offset, n);
		consume(n);
		return n;
	}

	std::size_t readInto(std::string& out, std::size_t length)
		/// Appends up to length unread bytes to out; returns their count.
	{
		const std::size_t n = std::min(length, size());
		out.append(_bytes, _offset, n);
		consume(n);
		return n;
	}

	std::size_t clear()
		/// Drops the unread bytes, keeping the buffer; returns their count.
	{
		const std::size_t n = size();
		_bytes.clear();
		_offset = 0;
		return n;
	}

	std::size_t release()
		/// Drops the unread bytes and gives up the buffer (a large one to
		/// this thread's spares); returns their count.
	{
		const std::size_t n = clear();
		if (_bytes.capacity() > SPARE_MIN)
			SparePipeStorage::give(_bytes);
		else
			std::string().swap(_bytes);
		return n;
	}

	std::string& collected()
		/// The buffer itself, for an owner that collects the bytes whole
		/// and never reads them: then it holds exactly what was appended.
	{
		return _bytes;
	}

private:
	static constexpr std::size_t SPARE_MIN = 64 * 1024; ///< smaller buffers are not worth keeping as spares

	void adoptSpare(std::size_t needed)
		/// Moves the bytes (all unread: _offset is 0 here) into this
		/// thread's last spare if it has room for needed bytes, and gives up
		/// the buffer they were in instead.
	{
		std::string spare;
		SparePipeStorage::take(spare);
		if (spare.capacity() >= needed)
		{
			spare.append(_bytes);
			_bytes.swap(spare);
		}
		if (spare.capacity() > SPARE_MIN)
			SparePipeStorage::give(spare);
	}

	void consume(std::size_t n)
		/// Drops n bytes from the front (they were read).
	{
		_offset += n;
		if (_offset == _bytes.size())
			clear();
	}

	std::string _bytes;
	std::size_t _offset = 0; ///< bytes of _bytes already read
};

} // namespace Transport
} // namespace PocoH2

#endif
