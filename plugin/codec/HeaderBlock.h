//
// HeaderBlock.h
//
// An ordered list of HTTP/2 header fields, as carried by one HEADERS frame
// (plus its CONTINUATIONs), pseudo-headers first.
//

#ifndef PocoH2_Codec_HeaderBlock_INCLUDED
#define PocoH2_Codec_HeaderBlock_INCLUDED

#include <string>
#include <utility>
#include <vector>

namespace PocoH2 {
namespace Codec {

class HeaderBlock
	/// Header fields in wire order. Names are lower case on the wire; this
	/// class does not enforce that (the adapters and nghttp2 do).
{
public:
	using Field = std::pair<std::string, std::string>;

	void add(std::string name, std::string value);
		/// Appends a field.

	void add(const char* name, std::size_t nameLength, const char* value, std::size_t valueLength);
		/// Appends a field copied from the given bytes (built in place: no
		/// string is moved).

	void overwrite(std::size_t index, const char* name, std::size_t nameLength, const char* value,
		std::size_t valueLength);
		/// Replaces field index with a copy of the given bytes, reusing the
		/// storage of its strings; an index of size() or more appends a field.

	const std::string* find(const std::string& name) const;
		/// Returns the value of the first field with the given (exact) name, or null.

	const std::vector<Field>& fields() const { return _fields; }
	std::vector<Field>& fields() { return _fields; }

	std::size_t size() const { return _fields.size(); }
	bool empty() const { return _fields.empty(); }
	void clear();

	void truncate(std::size_t count);
		/// Keeps the first count fields (all if there are fewer).

	std::size_t listSize() const { return _listSize; }
		/// RFC 9113 §6.5.2 size: sum of name + value + 32 per field.

private:
	std::vector<Field> _fields;
	std::size_t _listSize = 0;
};

} // namespace Codec
} // namespace PocoH2

#endif
