#include "codec/HeaderBlock.h"

namespace PocoH2 {
namespace Codec {

void HeaderBlock::add(std::string name, std::string value)
{
	_listSize += name.size() + value.size() + 32;
	_fields.emplace_back(std::move(name), std::move(value));
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

} // namespace Codec
} // namespace PocoH2
