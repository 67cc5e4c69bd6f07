// The codec with no socket: a client codec and a server codec back to back.
#include "codec/Http2Codec.h"
#include <gtest/gtest.h>
#include <cstring>
#include <stdexcept>
#include <map>
#include <nghttp2/nghttp2.h>
#include <vector>

using namespace PocoH2::Codec;

namespace {

struct Recorder : CodecListener
{
	struct Stream
	{
		HeaderBlock headers;
		HeaderBlock trailers;
		std::vector<HeaderBlock> informational;
		std::string body;
		bool ended = false;
		bool closed = false;
		bool tooLarge = false;
		std::uint32_t closeCode = 0;
	};
	std::map<std::int32_t, Stream> streams;
	bool refuse = false;
	std::int32_t goAwayLastStream = -1;
	std::uint32_t goAwayCode = 0;

	bool onStreamBegin(std::int32_t) override { return !refuse; }
	void onHeaders(std::int32_t id, HeadersKind kind, HeaderBlock& headers, bool, bool tooLarge) override
	{
		Stream& s = streams[id];
		s.tooLarge = tooLarge;
		if (kind == HeadersKind::Trailers)
			s.trailers = headers;
		else if (kind == HeadersKind::Informational)
			s.informational.push_back(headers);
		else
			s.headers = headers;
	}
	void onData(std::int32_t id, const std::uint8_t* data, std::size_t length) override
	{
		streams[id].body.append(reinterpret_cast<const char*>(data), length);
	}
	void onStreamEnd(std::int32_t id) override { streams[id].ended = true; }
	void onStreamClose(std::int32_t id, std::uint32_t code) override
	{
		order.push_back("closed " + std::to_string(id));
		streams[id].closed = true;
		streams[id].closeCode = code;
	}
	void onGoAway(std::int32_t last, std::uint32_t code) override
	{
		goAwayLastStream = last;
		goAwayCode = code;
	}
	std::vector<std::string> order; ///< closes and borrowed-field releases, in order
	void onBorrowedHeadersReleased(std::int32_t id) override { order.push_back("released " + std::to_string(id)); }
};

// A body served from a string, optionally held back until released.
struct StringBody : BodySource
{
	std::string data;
	std::size_t offset = 0;
	bool held = false;
	HeaderBlock trailers;

	explicit StringBody(std::string d): data(std::move(d)) {}
	long read(std::uint8_t* buffer, std::size_t length, bool& end) override
	{
		if (held)
			return DEFERRED;
		const std::size_t n = std::min(length, data.size() - offset);
		std::memcpy(buffer, data.data() + offset, n);
		offset += n;
		end = offset == data.size();
		return static_cast<long>(n);
	}
	bool takeTrailers(HeaderBlock& t) override
	{
		if (trailers.empty())
			return false;
		t = trailers;
		return true;
	}
};

// A StringBody whose frames of IN_PLACE_MIN bytes or more are written by
// the codec straight from the string (readFrame + appendTo).
struct InPlaceBody : StringBody
{
	using StringBody::StringBody;
	int framesInPlace = 0;
	int framesCopied = 0;
	std::size_t offered = 0;

	long readFrame(std::uint8_t* buffer, std::size_t length, bool& end, bool& inPlace) override
	{
		const std::size_t n = std::min(length, data.size() - offset);
		inPlace = n >= IN_PLACE_MIN;
		if (!inPlace)
		{
			++framesCopied;
			return read(buffer, length, end);
		}
		offered = n;
		end = offset + n == data.size();
		return static_cast<long>(n);
	}
	void appendTo(std::string& out, std::size_t length) override
	{
		EXPECT_EQ(offered, length);
		out.append(data, offset, length);
		offset += length;
		++framesInPlace;
	}
};

HeaderBlock request(const std::string& method, const std::string& path)
{
	HeaderBlock h;
	h.add(":method", method);
	h.add(":scheme", "http");
	h.add(":authority", "example.test");
	h.add(":path", path);
	return h;
}

HeaderBlock response(int status)
{
	HeaderBlock h;
	h.add(":status", std::to_string(status));
	return h;
}

// Moves bytes both ways until neither side has anything to say.
std::size_t pump(Http2Codec& a, Http2Codec& b)
{
	std::size_t total = 0;
	for (int round = 0; round < 1000; ++round)
	{
		std::string ab, ba;
		a.produce(ab);
		if (!ab.empty())
			b.receive(reinterpret_cast<const std::uint8_t*>(ab.data()), ab.size());
		b.produce(ba);
		if (!ba.empty())
			a.receive(reinterpret_cast<const std::uint8_t*>(ba.data()), ba.size());
		total += ab.size() + ba.size();
		if (ab.empty() && ba.empty())
			break;
	}
	return total;
}

struct Frame
{
	std::uint8_t type;
	std::uint8_t flags;
	std::uint32_t streamId;
	std::string payload;
};

std::vector<Frame> parseFrames(const std::string& bytes)
{
	std::vector<Frame> frames;
	std::size_t i = 0;
	while (i + 9 <= bytes.size())
	{
		const auto* p = reinterpret_cast<const std::uint8_t*>(bytes.data() + i);
		const std::size_t length = (p[0] << 16) | (p[1] << 8) | p[2];
		Frame f{p[3], p[4], ((p[5] & 0x7fu) << 24) | (p[6] << 16) | (p[7] << 8) | p[8], bytes.substr(i + 9, length)};
		frames.push_back(f);
		i += 9 + length;
	}
	return frames;
}

std::uint32_t be32(const std::string& s, std::size_t at)
{
	const auto* p = reinterpret_cast<const std::uint8_t*>(s.data() + at);
	return (std::uint32_t(p[0]) << 24) | (p[1] << 16) | (p[2] << 8) | p[3];
}

class CodecPair : public ::testing::Test
{
protected:
	CodecSettings settings;
	Recorder clientEvents, serverEvents;
	std::unique_ptr<Http2Codec> client, server;

	void create()
	{
		client = std::make_unique<Http2Codec>(Http2Codec::Role::Client, clientEvents, settings);
		server = std::make_unique<Http2Codec>(Http2Codec::Role::Server, serverEvents, settings);
	}
};

} // namespace

TEST_F(CodecPair, RequestAndResponseRoundTrip)
{
	settings.manualWindowUpdate = false;
	create();
	StringBody upload("hello server");
	const std::int32_t id = client->submitRequest(request("POST", "/upload"), &upload);
	ASSERT_EQ(id, 1);
	pump(*client, *server);

	const auto& req = serverEvents.streams[id];
	ASSERT_NE(req.headers.find(":path"), nullptr);
	EXPECT_EQ(*req.headers.find(":path"), "/upload");
	EXPECT_EQ(*req.headers.find(":method"), "POST");
	EXPECT_EQ(req.body, "hello server");
	EXPECT_TRUE(req.ended);

	StringBody download("hello client");
	HeaderBlock head = response(200);
	head.add("content-type", "text/plain");
	ASSERT_TRUE(server->submitResponse(id, head, &download));
	pump(*client, *server);

	const auto& res = clientEvents.streams[id];
	EXPECT_EQ(*res.headers.find(":status"), "200");
	EXPECT_EQ(*res.headers.find("content-type"), "text/plain");
	EXPECT_EQ(res.body, "hello client");
	EXPECT_TRUE(res.ended);
	EXPECT_TRUE(res.closed);
	EXPECT_EQ(res.closeCode, 0u);
	EXPECT_TRUE(serverEvents.streams[id].closed);
}

TEST_F(CodecPair, ManualWindowStopsThePeerUntilConsumed)
{
	settings.initialWindowSize = 16384;
	settings.connectionWindowSize = 65535;
	create();
	pump(*client, *server); // SETTINGS exchanged: the client knows the small window
	StringBody upload(std::string(100000, 'x'));
	const std::int32_t id = client->submitRequest(request("POST", "/"), &upload);
	pump(*client, *server);
	// Only the stream window's worth arrives while nothing is consumed.
	EXPECT_EQ(serverEvents.streams[id].body.size(), 16384u);
	EXPECT_FALSE(serverEvents.streams[id].ended);

	std::size_t consumed = 16384;
	server->consume(id, 16384);
	pump(*client, *server);
	EXPECT_EQ(serverEvents.streams[id].body.size(), 32768u);

	while (!serverEvents.streams[id].ended)
	{
		const std::size_t received = serverEvents.streams[id].body.size();
		server->consume(id, received - consumed);
		consumed = received;
		ASSERT_GT(pump(*client, *server), 0u);
	}
	EXPECT_EQ(serverEvents.streams[id].body, upload.data);
}

TEST_F(CodecPair, DeferredBodyResumes)
{
	create();
	client->submitRequest(request("GET", "/"), nullptr);
	pump(*client, *server);
	StringBody body("later");
	body.held = true;
	ASSERT_TRUE(server->submitResponse(1, response(200), &body));
	pump(*client, *server);
	EXPECT_FALSE(clientEvents.streams[1].ended);
	EXPECT_EQ(*clientEvents.streams[1].headers.find(":status"), "200");
	body.held = false;
	server->resumeBody(1);
	pump(*client, *server);
	EXPECT_EQ(clientEvents.streams[1].body, "later");
	EXPECT_TRUE(clientEvents.streams[1].ended);
}

TEST_F(CodecPair, TrailersFollowTheBody)
{
	create();
	client->submitRequest(request("GET", "/grpc"), nullptr);
	pump(*client, *server);
	StringBody body("payload");
	body.trailers.add("grpc-status", "0");
	body.trailers.add("grpc-message", "ok");
	ASSERT_TRUE(server->submitResponse(1, response(200), &body));
	pump(*client, *server);
	const auto& res = clientEvents.streams[1];
	EXPECT_EQ(res.body, "payload");
	ASSERT_NE(res.trailers.find("grpc-status"), nullptr);
	EXPECT_EQ(*res.trailers.find("grpc-status"), "0");
	EXPECT_EQ(*res.trailers.find("grpc-message"), "ok");
	EXPECT_TRUE(res.ended);
}

TEST_F(CodecPair, LargeFramesAreWrittenInPlaceWithTrailers)
{
	settings.manualWindowUpdate = false;
	create();
	client->submitRequest(request("GET", "/large"), nullptr);
	pump(*client, *server);
	std::string payload(100000, 'x');
	for (std::size_t i = 0; i < payload.size(); i += 7)
		payload[i] = static_cast<char>('a' + i % 26);
	InPlaceBody body(payload);
	body.trailers.add("checksum", "done");
	ASSERT_TRUE(server->submitResponse(1, response(200), &body));
	pump(*client, *server);
	const auto& res = clientEvents.streams[1];
	EXPECT_EQ(res.body, payload);
	ASSERT_NE(res.trailers.find("checksum"), nullptr);
	EXPECT_EQ(*res.trailers.find("checksum"), "done");
	EXPECT_TRUE(res.ended);
	EXPECT_EQ(res.closeCode, 0u);
	// 100000 bytes in 16 KiB frames: six in place, the last 1696 copied.
	EXPECT_EQ(body.framesInPlace, 6);
	EXPECT_EQ(body.framesCopied, 1);
}

TEST_F(CodecPair, AFailingInPlaceFrameLeavesNoHalfFrameAndFailsTheSession)
{
	settings.manualWindowUpdate = false;
	create();
	client->submitRequest(request("GET", "/large"), nullptr);
	pump(*client, *server);
	struct FailingBody : InPlaceBody
	{
		using InPlaceBody::InPlaceBody;
		void appendTo(std::string& out, std::size_t) override
		{
			out.append("partial");
			throw std::runtime_error("lost");
		}
	} body(std::string(50000, 'f'));
	ASSERT_TRUE(server->submitResponse(1, response(200), &body));
	std::string out;
	server->produce(out);
	// The HEADERS frame and nothing of the DATA frame: whole frames only.
	std::size_t at = 0;
	while (at + 9 <= out.size())
	{
		const std::size_t length = (std::size_t(std::uint8_t(out[at])) << 16) | (std::uint8_t(out[at + 1]) << 8)
			| std::uint8_t(out[at + 2]);
		EXPECT_NE(out[at + 3], 0) << "a DATA frame went out";
		at += 9 + length;
	}
	EXPECT_EQ(at, out.size()) << "half a frame in the output";
	EXPECT_TRUE(server->failed());
	EXPECT_TRUE(server->finished());
	EXPECT_FALSE(server->lastError().empty());
}

TEST_F(CodecPair, InformationalResponseBeforeFinal)
{
	create();
	client->submitRequest(request("POST", "/"), nullptr);
	pump(*client, *server);
	ASSERT_TRUE(server->submitInformational(1, response(100)));
	ASSERT_TRUE(server->submitResponse(1, response(204), nullptr));
	pump(*client, *server);
	ASSERT_EQ(clientEvents.streams[1].informational.size(), 1u);
	EXPECT_EQ(*clientEvents.streams[1].informational[0].find(":status"), "100");
	EXPECT_EQ(*clientEvents.streams[1].headers.find(":status"), "204");
}

TEST_F(CodecPair, OversizedHeaderListIsFlagged)
{
	settings.maxHeaderListSize = 4096;
	create();
	HeaderBlock head = request("GET", "/");
	head.add("x-big", std::string(8000, 'a'));
	client->submitRequest(head, nullptr);
	pump(*client, *server);
	EXPECT_TRUE(serverEvents.streams[1].tooLarge);
	EXPECT_TRUE(serverEvents.streams[1].headers.empty());
	// The connection is still fine: a normal request goes through.
	client->submitRequest(request("GET", "/ok"), nullptr);
	pump(*client, *server);
	EXPECT_FALSE(serverEvents.streams[3].tooLarge);
	EXPECT_EQ(*serverEvents.streams[3].headers.find(":path"), "/ok");
}

TEST_F(CodecPair, RefusedStreamGetsRefusedStreamReset)
{
	create();
	serverEvents.refuse = true;
	client->submitRequest(request("GET", "/"), nullptr);
	pump(*client, *server);
	EXPECT_TRUE(clientEvents.streams[1].closed);
	EXPECT_EQ(clientEvents.streams[1].closeCode, static_cast<std::uint32_t>(NGHTTP2_REFUSED_STREAM));
	EXPECT_TRUE(serverEvents.streams[1].headers.empty());
}

TEST_F(CodecPair, ResetByClientClosesServerStream)
{
	create();
	client->submitRequest(request("GET", "/"), nullptr);
	pump(*client, *server);
	client->resetStream(1, NGHTTP2_CANCEL);
	pump(*client, *server);
	EXPECT_TRUE(serverEvents.streams[1].closed);
	EXPECT_EQ(serverEvents.streams[1].closeCode, static_cast<std::uint32_t>(NGHTTP2_CANCEL));
}

TEST_F(CodecPair, GoAwayTellsTheLastStream)
{
	create();
	client->submitRequest(request("GET", "/"), nullptr);
	pump(*client, *server);
	server->goAway(NGHTTP2_NO_ERROR);
	pump(*client, *server);
	EXPECT_EQ(clientEvents.goAwayLastStream, 1);
	EXPECT_EQ(clientEvents.goAwayCode, 0u);
}

TEST_F(CodecPair, BadPrefaceIsAConnectionErrorWithGoAway)
{
	create();
	const std::string garbage = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
	EXPECT_FALSE(server->receive(reinterpret_cast<const std::uint8_t*>(garbage.data()), garbage.size()));
	std::string out;
	server->produce(out);
	const auto frames = parseFrames(out);
	ASSERT_FALSE(frames.empty());
	const Frame& last = frames.back();
	EXPECT_EQ(last.type, NGHTTP2_GOAWAY);
	EXPECT_EQ(be32(last.payload, 4), static_cast<std::uint32_t>(NGHTTP2_PROTOCOL_ERROR));
	EXPECT_TRUE(server->finished());
}

TEST_F(CodecPair, ServerAdvertisesItsSettings)
{
	settings.maxConcurrentStreams = 77;
	settings.initialWindowSize = 123456;
	create();
	std::string out;
	server->produce(out);
	const auto frames = parseFrames(out);
	ASSERT_FALSE(frames.empty());
	EXPECT_EQ(frames[0].type, NGHTTP2_SETTINGS);
	std::map<int, std::uint32_t> values;
	for (std::size_t i = 0; i + 6 <= frames[0].payload.size(); i += 6)
		values[(std::uint8_t(frames[0].payload[i]) << 8) | std::uint8_t(frames[0].payload[i + 1])] =
			be32(frames[0].payload, i + 2);
	EXPECT_EQ(values[NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS], 77u);
	EXPECT_EQ(values[NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE], 123456u);
	client->receive(reinterpret_cast<const std::uint8_t*>(out.data()), out.size());
	pump(*client, *server);
	EXPECT_EQ(client->remoteMaxConcurrentStreams(), 77u);
}

TEST(CodecNames, ErrorCodeNames)
{
	EXPECT_STREQ(http2ErrorCodeName(0), "NO_ERROR");
	EXPECT_STREQ(http2ErrorCodeName(7), "REFUSED_STREAM");
	EXPECT_STREQ(http2ErrorCodeName(13), "HTTP_1_1_REQUIRED");
	EXPECT_STREQ(http2ErrorCodeName(99), "UNKNOWN");
}

TEST_F(CodecPair, StreamsOpenedAfterGoAwayAreRefused)
{
	// nghttp2 would ignore them silently; REFUSED_STREAM tells the client it
	// may retry elsewhere (RFC 9113 §6.8).
	create();
	client->submitRequest(request("GET", "/"), nullptr);
	pump(*client, *server);
	server->goAway(NGHTTP2_NO_ERROR);
	std::string out;
	server->produce(out); // the GOAWAY left, the client has not read it yet
	const std::int32_t late = client->submitRequest(request("GET", "/late"), nullptr);
	ASSERT_EQ(late, 3);
	std::string fromClient;
	client->produce(fromClient);
	server->receive(reinterpret_cast<const std::uint8_t*>(fromClient.data()), fromClient.size());
	client->receive(reinterpret_cast<const std::uint8_t*>(out.data()), out.size());
	pump(*client, *server);
	EXPECT_TRUE(serverEvents.streams[late].headers.empty());
	EXPECT_TRUE(clientEvents.streams[late].closed);
	EXPECT_EQ(clientEvents.streams[late].closeCode, static_cast<std::uint32_t>(NGHTTP2_REFUSED_STREAM));
}

TEST_F(CodecPair, HeadersWithALowerStreamIdIsAConnectionError)
{
	// RFC 9113 §5.1.1; libnghttp2 1.52 alone would ignore the frame.
	create();
	std::string bytes = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
	bytes += std::string("\x00\x00\x00\x04\x00\x00\x00\x00\x00", 9); // empty SETTINGS
	auto headers = [](std::uint8_t streamId)
	{
		// :method GET, :scheme http, :path /, :authority a (HPACK static table)
		const char block[] = {'\x82', '\x86', '\x84', '\x41', '\x01', 'a'};
		std::string frame("\x00\x00\x06\x01\x05\x00\x00\x00", 8); // HEADERS, END_STREAM|END_HEADERS
		frame += static_cast<char>(streamId);
		frame.append(block, sizeof(block));
		return frame;
	};
	bytes += headers(5) + headers(3);
	server->receive(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
	EXPECT_FALSE(serverEvents.streams[5].headers.empty()); // stream 5 was a valid request
	EXPECT_TRUE(serverEvents.streams[3].headers.empty());
	std::string out;
	server->produce(out);
	const auto frames = parseFrames(out);
	ASSERT_FALSE(frames.empty());
	EXPECT_EQ(frames.back().type, NGHTTP2_GOAWAY);
	EXPECT_EQ(be32(frames.back().payload, 4), static_cast<std::uint32_t>(NGHTTP2_PROTOCOL_ERROR));
	EXPECT_TRUE(server->finished());
}

TEST_F(CodecPair, IdleMemoryReleaseKeepsTheSessionWorking)
{
	settings.manualWindowUpdate = false;
	create();
	pump(*client, *server);
	// The SETTINGS exchange before any stream released the buffer already:
	// at most small blocks cached since (the client's SETTINGS, decoded
	// after the last produce()) are left to free, and the stream map's
	// page where reading it made it resident (no shared zero page).
	EXPECT_LT(server->releaseIdleMemory(), 4096u + 4096u);
	EXPECT_EQ(server->releaseIdleMemory(), 0u);
	for (int round = 0; round < 3; ++round)
	{
		const std::int32_t id = client->submitRequest(request("GET", "/" + std::to_string(round)), nullptr);
		ASSERT_GT(id, 0);
		pump(*client, *server);
		std::string text(40000, 'a');
		for (std::size_t i = 0; i < text.size(); ++i)
			text[i] = static_cast<char>('a' + (i + round) % 26);
		StringBody body(text);
		ASSERT_TRUE(server->submitResponse(id, response(200), &body));
		pump(*client, *server);
		EXPECT_EQ(clientEvents.streams[id].body, text);
		EXPECT_TRUE(clientEvents.streams[id].closed);
		EXPECT_GT(server->releaseIdleMemory(), 0u);
		EXPECT_EQ(server->releaseIdleMemory(), 0u); // nothing written since
		EXPECT_GT(client->releaseIdleMemory(), 0u);
	}
}

TEST_F(CodecPair, ManyHeaderBlocksInOneReadKeepTheirOwnFields)
{
	// One header block is decoded at a time: each stream's fields, the
	// oversized one's flag and a refused one's fields stay apart.
	settings.maxHeaderListSize = 4096;
	create();
	for (int i = 0; i < 5; ++i)
	{
		HeaderBlock head = request("GET", "/" + std::to_string(i));
		if (i == 2)
			head.add("x-big", std::string(8000, 'a'));
		else
			head.add("x-index", std::to_string(i));
		client->submitRequest(head, nullptr);
	}
	pump(*client, *server);
	for (int i = 0; i < 5; ++i)
	{
		const auto& s = serverEvents.streams[2 * i + 1];
		EXPECT_EQ(s.tooLarge, i == 2) << i;
		if (i == 2)
		{
			EXPECT_TRUE(s.headers.empty());
			continue;
		}
		ASSERT_NE(s.headers.find(":path"), nullptr) << i;
		EXPECT_EQ(*s.headers.find(":path"), "/" + std::to_string(i));
		EXPECT_EQ(*s.headers.find("x-index"), std::to_string(i));
	}
	serverEvents.refuse = true;
	client->submitRequest(request("GET", "/refused"), nullptr);
	pump(*client, *server);
	EXPECT_TRUE(serverEvents.streams[11].headers.empty());
	serverEvents.refuse = false;
	client->submitRequest(request("GET", "/after"), nullptr);
	pump(*client, *server);
	EXPECT_EQ(*serverEvents.streams[13].headers.find(":path"), "/after");
}

TEST_F(CodecPair, ResponseWithManyFieldsRoundTrips)
{
	create();
	client->submitRequest(request("GET", "/"), nullptr);
	pump(*client, *server);
	HeaderBlock head = response(200);
	for (int i = 0; i < 40; ++i)
		head.add("x-field-" + std::to_string(i), "value " + std::to_string(i));
	ASSERT_TRUE(server->submitResponse(1, head, nullptr));
	pump(*client, *server);
	const auto& res = clientEvents.streams[1];
	ASSERT_EQ(res.headers.size(), head.size());
	for (std::size_t i = 0; i < head.size(); ++i)
		EXPECT_EQ(res.headers.fields()[i], head.fields()[i]);
}

TEST_F(CodecPair, ServerSessionKeepsNoClosedStreams)
{
	// On its own, nghttp2 keeps up to SETTINGS_MAX_CONCURRENT_STREAMS closed
	// streams per connection (RFC 7540 priorities): about 300 KiB once a
	// connection served 1024 requests, for as long as it stays open.
	settings.manualWindowUpdate = false;
	create();
	pump(*client, *server);
	server->releaseIdleMemory();
	const std::size_t fresh = server->sessionHeapBytes();
	for (int batch = 0; batch < 20; ++batch)
	{
		std::vector<std::int32_t> ids;
		for (int i = 0; i < 100; ++i)
			ids.push_back(client->submitRequest(request("GET", "/"), nullptr));
		pump(*client, *server);
		std::vector<std::unique_ptr<StringBody>> bodies;
		for (std::int32_t id : ids)
		{
			bodies.push_back(std::make_unique<StringBody>("Hello, world\n"));
			ASSERT_TRUE(server->submitResponse(id, response(200), bodies.back().get()));
		}
		pump(*client, *server);
		for (std::int32_t id : ids)
			ASSERT_TRUE(clientEvents.streams[id].closed);
	}
	server->releaseIdleMemory();
	// What grew is HPACK's dynamic tables (at most 4 KiB each way, plus
	// their entries' overhead), not 2000 or 1024 streams.
	EXPECT_LT(server->sessionHeapBytes(), fresh + 12 * 1024) << "fresh session: " << fresh;
}

namespace {

std::string clientPreface()
{
	std::string bytes = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
	bytes += std::string("\x00\x00\x00\x04\x00\x00\x00\x00\x00", 9); // empty SETTINGS
	return bytes;
}

std::string frameHeader(std::size_t length, std::uint8_t type, std::uint8_t flags, std::int32_t streamId)
{
	const char bytes[] = {static_cast<char>(length >> 16), static_cast<char>(length >> 8), static_cast<char>(length),
		static_cast<char>(type), static_cast<char>(flags), static_cast<char>(streamId >> 24),
		static_cast<char>(streamId >> 16), static_cast<char>(streamId >> 8), static_cast<char>(streamId)};
	return std::string(bytes, sizeof(bytes));
}

std::string getRequest(std::int32_t streamId, bool endStream)
{
	// :method GET, :scheme http, :path /, :authority a (HPACK static table)
	const std::string block("\x82\x86\x84\x41\x01\x61", 6);
	const std::uint8_t flags = NGHTTP2_FLAG_END_HEADERS | (endStream ? NGHTTP2_FLAG_END_STREAM : 0);
	return frameHeader(block.size(), NGHTTP2_HEADERS, flags, streamId) + block;
}

std::string trailers(std::int32_t streamId)
{
	const std::string block("\x00\x03x-t\x01\x31", 7); // x-t: 1, literal without indexing
	const std::uint8_t flags = NGHTTP2_FLAG_END_HEADERS | NGHTTP2_FLAG_END_STREAM;
	return frameHeader(block.size(), NGHTTP2_HEADERS, flags, streamId) + block;
}

std::string data(std::int32_t streamId, const std::string& payload, bool endStream)
{
	return frameHeader(payload.size(), NGHTTP2_DATA, endStream ? NGHTTP2_FLAG_END_STREAM : 0, streamId) + payload;
}

void feed(Http2Codec& codec, const std::string& bytes)
{
	codec.receive(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
}

// The last GOAWAY's error code the codec wants to send, or -1 for none.
long goAwayCode(Http2Codec& codec)
{
	std::string out;
	codec.produce(out);
	long code = -1;
	for (const Frame& f : parseFrames(out))
		if (f.type == NGHTTP2_GOAWAY)
			code = be32(f.payload, 4);
	return code;
}

} // namespace

TEST_F(CodecPair, TrailersOnAStreamTheServerResetAreIgnoredEvenAfterALaterStream)
{
	// RFC 9113 §5.1: frames on a stream closed by our RST_STREAM are ignored
	// (the peer may have sent them before it saw the reset).
	create();
	feed(*server, clientPreface() + getRequest(1, false));
	server->resetStream(1, NGHTTP2_CANCEL);
	ASSERT_EQ(goAwayCode(*server), -1);
	ASSERT_TRUE(serverEvents.streams[1].closed);
	feed(*server, getRequest(3, true) + data(1, "late body", false) + trailers(1));
	EXPECT_EQ(goAwayCode(*server), -1);
	EXPECT_FALSE(server->finished());
	EXPECT_FALSE(serverEvents.streams[3].headers.empty());
	EXPECT_TRUE(serverEvents.streams[1].body.empty());
}

TEST_F(CodecPair, DataOrHeadersOnAStreamThePeerClosedIsStreamClosed)
{
	// Each case closes stream 1 first (the server answers it, or the peer
	// resets it), so that nghttp2 no longer knows it, then sends on it.
	struct Case
	{
		const char* what;
		std::string opening;
		std::string offending;
	};
	const std::string rst1 = frameHeader(4, NGHTTP2_RST_STREAM, 0, 1) + std::string("\0\0\0\x08", 4);
	const std::string priority3 = frameHeader(5, NGHTTP2_PRIORITY, 0, 3) + std::string("\0\0\0\0\x0f", 5);
	const std::vector<Case> cases = {
		{"DATA after END_STREAM both ways", getRequest(1, true), data(1, "x", false)},
		{"HEADERS after END_STREAM both ways and a later stream", getRequest(1, true),
			getRequest(3, true) + trailers(1)},
		{"DATA after the peer's RST_STREAM, same read", "", getRequest(1, false) + rst1 + data(1, "x", false)},
		{"DATA on a skipped stream", "", getRequest(5, false) + data(3, "x", false)},
		{"DATA on a skipped stream a PRIORITY frame made idle", "", priority3 + getRequest(5, false) + data(3, "x", false)},
	};
	for (const Case& c : cases)
	{
		SCOPED_TRACE(c.what);
		create();
		feed(*server, clientPreface() + c.opening);
		if (!c.opening.empty())
		{
			ASSERT_TRUE(server->submitResponse(1, response(204), nullptr));
			ASSERT_EQ(goAwayCode(*server), -1);
			ASSERT_TRUE(serverEvents.streams[1].closed);
		}
		feed(*server, c.offending);
		EXPECT_EQ(goAwayCode(*server), static_cast<long>(NGHTTP2_STREAM_CLOSED));
	}
}

TEST_F(CodecPair, FramesRacingOurResetOfAStreamNamedByPriorityFirstAreIgnored)
{
	// nghttp2 makes an idle stream of one a PRIORITY frame names before
	// its HEADERS: that stream must still count as opened once it is.
	create();
	const std::string priority3 = frameHeader(5, NGHTTP2_PRIORITY, 0, 3) + std::string("\0\0\0\0\x0f", 5);
	feed(*server, clientPreface() + priority3 + getRequest(3, false) + getRequest(5, true));
	server->resetStream(3, NGHTTP2_NO_ERROR);
	ASSERT_EQ(goAwayCode(*server), -1);
	ASSERT_TRUE(serverEvents.streams[3].closed);
	feed(*server, data(3, "late", false) + trailers(3));
	EXPECT_EQ(goAwayCode(*server), -1);
	EXPECT_FALSE(server->finished());
}

TEST_F(CodecPair, TrailersOnAStreamTooOldToRememberAreIgnored)
{
	// A long upload on stream 1 outlives more than PeerStreamHistory::WINDOW
	// later streams; trailers the peer sent before it saw our reset of
	// stream 1 must not end the connection.
	create();
	feed(*server, clientPreface() + getRequest(1, false));
	const std::int32_t last = 3 + 2 * (PeerStreamHistory::WINDOW + 1);
	for (std::int32_t id = 3; id <= last; id += 2)
	{
		feed(*server, getRequest(id, true));
		server->resetStream(id, NGHTTP2_NO_ERROR); // closed, within the concurrency limit
		ASSERT_EQ(goAwayCode(*server), -1);
	}
	server->resetStream(1, NGHTTP2_NO_ERROR);
	ASSERT_EQ(goAwayCode(*server), -1);
	feed(*server, data(1, "late", false) + trailers(1));
	EXPECT_EQ(goAwayCode(*server), -1);
	EXPECT_FALSE(server->finished());
}

TEST_F(CodecPair, BorrowedFieldsAreReadWhenTheFrameIsSent)
{
	create();
	const std::int32_t id = client->submitRequest(request("GET", "/"), nullptr);
	pump(*client, *server);
	HeaderBlock head = response(200);
	head.add("x-value", "before");
	ASSERT_TRUE(server->submitResponse(id, head, nullptr, true));
	// Not copied: what the block holds when the frame leaves is what goes.
	head.fields()[1].second.replace(0, 6, "after!");
	EXPECT_TRUE(serverEvents.order.empty());
	pump(*client, *server);
	ASSERT_NE(clientEvents.streams[id].headers.find("x-value"), nullptr);
	EXPECT_EQ(*clientEvents.streams[id].headers.find("x-value"), "after!");
	// Released once sent, before the stream closes (END_STREAM on HEADERS).
	const std::vector<std::string> expected = {"released 1", "closed 1"};
	EXPECT_EQ(serverEvents.order, expected);

	// A copied block is not reported.
	const std::int32_t second = client->submitRequest(request("GET", "/"), nullptr);
	pump(*client, *server);
	serverEvents.order.clear();
	ASSERT_TRUE(server->submitResponse(second, response(204), nullptr));
	pump(*client, *server);
	const std::vector<std::string> closedOnly = {"closed 3"};
	EXPECT_EQ(serverEvents.order, closedOnly);
}

TEST_F(CodecPair, BorrowedHeadersOfAStreamResetFirstAreReleasedUnsent)
{
	create();
	const std::int32_t id = client->submitRequest(request("GET", "/"), nullptr);
	pump(*client, *server);
	HeaderBlock head = response(200);
	ASSERT_TRUE(server->submitResponse(id, head, nullptr, true));
	// The peer's RST_STREAM arrives before the response went out.
	std::string rst = frameHeader(4, NGHTTP2_RST_STREAM, 0, id) + std::string("\0\0\0\x08", 4);
	feed(*server, rst);
	std::string out;
	server->produce(out);
	for (const Frame& f : parseFrames(out))
		EXPECT_NE(f.type, NGHTTP2_HEADERS);
	const std::vector<std::string> expected = {"closed 1", "released 1"};
	EXPECT_EQ(serverEvents.order, expected);
}
