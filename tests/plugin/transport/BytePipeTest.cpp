#include "transport/BytePipe.h"
#include <gtest/gtest.h>
#include <string>

using PocoH2::Transport::BytePipe;

TEST(BytePipe, ReadsInOrderAcrossAppends)
{
	BytePipe pipe;
	pipe.append("hello ", 6);
	pipe.append("world", 5);
	char buffer[4];
	std::string out;
	while (!pipe.empty())
		out.append(buffer, pipe.read(buffer, sizeof(buffer)));
	EXPECT_EQ("hello world", out);
	EXPECT_EQ(0u, pipe.read(buffer, sizeof(buffer)));
}

TEST(BytePipe, DropsWhatWasReadWhenTheReaderCatchesUp)
{
	BytePipe pipe;
	pipe.append("abc", 3);
	char buffer[8];
	ASSERT_EQ(3u, pipe.read(buffer, sizeof(buffer)));
	EXPECT_TRUE(pipe.collected().empty());
}

TEST(BytePipe, AReaderThatNeverCatchesUpDoesNotKeepWhatItRead)
{
	// The writer stays 1 KiB ahead of a reader taking 4 KiB at a time: the
	// buffer must stay within a few appends' worth, not grow with everything
	// that went through.
	BytePipe pipe;
	const std::string chunk(4096, 'x');
	char buffer[4096];
	pipe.append(chunk.data(), 1024);
	std::size_t largest = 0;
	for (int i = 0; i < 10000; ++i)
	{
		pipe.append(chunk.data(), chunk.size());
		ASSERT_EQ(chunk.size(), pipe.read(buffer, sizeof(buffer)));
		largest = std::max(largest, pipe.collected().size());
		ASSERT_EQ(1024u, pipe.size());
	}
	EXPECT_LE(largest, 4 * (chunk.size() + 1024));
	EXPECT_LE(pipe.collected().capacity(), 4 * (chunk.size() + 1024));
}

TEST(BytePipe, BytesReadFrameByFrameAreNotMoved)
{
	// A body appended whole and then read a frame at a time (an inline
	// handler's response) stays where it is until the reader is done.
	BytePipe pipe;
	const std::string body(1 << 20, 'b');
	pipe.append(body.data(), body.size());
	char frame[16384];
	std::string out;
	while (pipe.size() > sizeof(frame))
	{
		out.append(frame, pipe.read(frame, sizeof(frame)));
		ASSERT_EQ(body.size(), pipe.collected().size()) << "the unread bytes were moved to the front";
	}
	pipe.readInto(out, pipe.size());
	EXPECT_EQ(body, out);
	EXPECT_TRUE(pipe.empty());
}

TEST(BytePipe, ClearAndReleaseReportTheUnreadBytes)
{
	BytePipe pipe;
	pipe.append("abcdef", 6);
	char buffer[2];
	pipe.read(buffer, sizeof(buffer));
	EXPECT_EQ(4u, pipe.clear());
	EXPECT_TRUE(pipe.empty());
	pipe.append("xyz", 3);
	EXPECT_EQ(3u, pipe.release());
	EXPECT_LE(pipe.collected().capacity(), std::string().capacity()); // no heap storage left
}

TEST(BytePipe, ALargeReleasedBufferServesTheNextPipeThatGrows)
{
	// An inline handler's 1 MiB response, then the next one on the same
	// thread: the second pipe grows into the first one's buffer instead of
	// a fresh allocation (whose pages would be faulted in anew).
	const std::string body(1 << 20, 'r');
	std::size_t firstCapacity = 0;
	{
		BytePipe first;
		first.append(body.data(), body.size());
		firstCapacity = first.capacity();
		EXPECT_EQ(body.size(), first.release());
	}
	BytePipe second;
	second.append("head", 4); // small: its own buffer
	second.append(body.data(), 200 * 1024);
	EXPECT_EQ(firstCapacity, second.capacity()) << "the released buffer was not reused";
	std::string out;
	second.readInto(out, second.size());
	EXPECT_EQ("head" + body.substr(0, 200 * 1024), out);
	second.release(); // back to the spares for the tests after this one
}
