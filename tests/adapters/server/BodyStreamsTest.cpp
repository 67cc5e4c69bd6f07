#include "server/BodyStreams.h"
#include <gtest/gtest.h>
#include <thread>

using namespace PocoH2;

namespace {

Server::ServerStream::Ptr makeStream(Transport::EventLoop& loop)
{
	return std::make_shared<Server::ServerStream>(
		1, std::make_shared<Server::ConnectionInfo>(), loop, std::weak_ptr<Server::ServerConnection>(), 1 << 20);
}

std::string drainAll(Server::ServerStream& stream)
{
	std::string out;
	std::uint8_t buffer[4096];
	bool end = false;
	while (!end)
	{
		const long n = stream.read(buffer, sizeof(buffer), end);
		if (n == Codec::BodySource::DEFERRED)
			break;
		out.append(reinterpret_cast<char*>(buffer), static_cast<std::size_t>(n));
	}
	EXPECT_TRUE(end);
	return out;
}

} // namespace

TEST(BodyStreams, ResponseStreamDeliversSmallAndLargeWrites)
{
	Transport::EventLoop loop;
	auto stream = makeStream(loop);
	Adapters::ResponseBodyStream out(*stream, false);
	const std::string big(100000, 'b');
	out << "small " << 42 << ' ';
	out.write(big.data(), static_cast<std::streamsize>(big.size()));
	out << " tail";
	out.flush();
	out.finish();
	EXPECT_TRUE(out.good());
	EXPECT_EQ(drainAll(*stream), "small 42 " + big + " tail");
}

TEST(BodyStreams, DiscardingResponseStreamSendsNothing)
{
	Transport::EventLoop loop;
	auto stream = makeStream(loop);
	Adapters::ResponseBodyStream out(*stream, true);
	out << std::string(50000, 'x');
	out.finish();
	EXPECT_EQ(drainAll(*stream), "");
}

TEST(BodyStreams, WritingToAResetStreamFailsTheStream)
{
	Transport::EventLoop loop;
	auto stream = makeStream(loop);
	Adapters::ResponseBodyStream out(*stream, false);
	stream->onClosed(8);
	out << std::string(40000, 'x');
	out.flush();
	EXPECT_TRUE(out.bad());
}

TEST(BodyStreams, RequestStreamReadsToTheEnd)
{
	Transport::EventLoop loop;
	auto stream = makeStream(loop);
	const std::string body = "name=value&other=thing";
	stream->onBodyData(reinterpret_cast<const std::uint8_t*>(body.data()), body.size());
	stream->onRequestEnd();
	Adapters::RequestBodyStream in(*stream);
	std::string read((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
	EXPECT_EQ(read, body);
}

TEST(BodyStreams, RequestStreamOfAResetStreamGoesBad)
{
	Transport::EventLoop loop;
	auto stream = makeStream(loop);
	stream->onClosed(8);
	Adapters::RequestBodyStream in(*stream);
	char c;
	in.get(c);
	EXPECT_TRUE(in.bad() || in.fail());
}
