//
// SpareHeaderBlock.h
//
// One header block per thread kept with its fields' storage, so that the
// next response head built on that thread fills strings it already has
// instead of allocating them again.
//

#ifndef PocoH2_Codec_SpareHeaderBlock_INCLUDED
#define PocoH2_Codec_SpareHeaderBlock_INCLUDED

#include "codec/HeaderBlock.h"

namespace PocoH2 {
namespace Codec {

HeaderBlock takeSpareHeaderBlock();
	/// Returns this thread's spare block (see keepSpareHeaderBlock()), or an
	/// empty block if there is none. Its fields are those of the block that
	/// was kept: the caller overwrites them (HeaderBlock::overwrite()) and
	/// drops the rest (HeaderBlock::truncate()).

void keepSpareHeaderBlock(HeaderBlock&& block);
	/// Keeps block's storage as this thread's spare, replacing the previous
	/// one, unless it is large (more than 32 fields or 8 KiB of fields):
	/// then it is freed. Used for the heads of inline handlers, which are
	/// built and submitted on the same (loop) thread; a pool thread's head
	/// would only pile up on the loop thread.

} // namespace Codec
} // namespace PocoH2

#endif
