#include "codec/HeaderBlock.h"
#include <cstring>
#include <tuple>

namespace PocoH2 {
namespace Codec {

void HeaderBlock::add(std::string name, std::string value)
{
	_listSize += name.size() + value.size() + 32;
	_fields.emplace_back(std::move(name), std::move(value));
}

void HeaderBlock::add(const char* name, std::size_t nameLength, const char* value, std::size_t valueLength)
{
	_fields.emplace_back(std::piecewise_construct, std::forward_as_tuple(name, nameLength),
		std::forward_as_tuple(value, valueLength));
	_listSize += nameLength + valueLength + 32;
}

namespace {

void assignIfDifferent(std::string& target, const char* bytes, std::size_t length)
	// A reused head mostly repeats the previous one (names, Server, the
	// Date of the same second): comparing is cheaper than std::string's
	// assign.
{
	if (target.size() != length || std::memcmp(target.data(), bytes, length) != 0)
		target.assign(bytes, length);
}

} // namespace

void HeaderBlock::overwrite(
	std::size_t index, const char* name, std::size_t nameLength, const char* value, std::size_t valueLength)
{
	if (index >= _fields.size())
	{
		add(name, nameLength, value, valueLength);
		return;
	}
	Field& field = _fields[index];
	_listSize -= field.first.size() + field.second.size();
	assignIfDifferent(field.first, name, nameLength);
	assignIfDifferent(field.second, value, valueLength);
	_listSize += nameLength + valueLength;
}

const std::string* HeaderBlock::find(const std::string& name) const
{
	for (const auto& field : _fields)
	{
		if (field.first == name)
			return &field.second;
	}
	return nullptr;
}

void HeaderBlock::clear()
{
	_fields.clear();
	_listSize = 0;
}

void HeaderBlock::truncate(std::size_t count)
{
	if (count >= _fields.size())
		return;
	_fields.erase(_fields.begin() + static_cast<std::ptrdiff_t>(count), _fields.end());
	_listSize = 0;
	for (const auto& field : _fields)
		_listSize += field.first.size() + field.second.size() + 32;
}

} // namespace Codec
} // namespace PocoH2
