#include "codec/SpareHeaderBlock.h"

namespace PocoH2 {
namespace Codec {

namespace {

constexpr std::size_t MAX_SPARE_FIELDS = 32;
constexpr std::size_t MAX_SPARE_LIST_SIZE = 8 * 1024;

thread_local HeaderBlock t_spare;

} // namespace

HeaderBlock takeSpareHeaderBlock()
{
	HeaderBlock block = std::move(t_spare);
	t_spare.clear();
	return block;
}

void keepSpareHeaderBlock(HeaderBlock&& block)
{
	if (block.size() <= MAX_SPARE_FIELDS && block.listSize() <= MAX_SPARE_LIST_SIZE)
		t_spare = std::move(block);
}

} // namespace Codec
} // namespace PocoH2
