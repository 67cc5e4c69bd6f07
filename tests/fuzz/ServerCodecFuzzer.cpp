//
// ServerCodecFuzzer.cpp
//
// libFuzzer target "server_codec": the server side of Http2Codec in memory,
// single-threaded and deterministic, thousands of inputs a second. The
// listener answers the way ServerConnection does (refuses streams above a
// limit, 431 for an oversized header list, 405 for CONNECT, otherwise a
// response whose body source echoes the request body, first deferring once),
// so the codec's whole receive/produce cycle runs, including bodies,
// trailers, flow-control credit and resets. server_connection covers the
// same bytes through the real sockets and threads, more slowly.
//
// Input: the first byte chooses the framing.
//   bit 0 clear: the client preface and an empty SETTINGS frame go first
//   bits 1-6:    the bytes are fed in chunks of 1 + (bits) bytes, the
//                codec's output is produced after each chunk
//

#include "FuzzSupport.h"

#include "codec/Http2Codec.h"
#include <cstdint>
#include <map>
#include <string>

namespace {

using namespace PocoH2::Codec;

class EchoBody : public BodySource
{
public:
	std::string bytes;
	std::size_t offset = 0;
	bool deferredOnce = false;
	bool deferred = false;

	long read(std::uint8_t* buffer, std::size_t length, bool& endOfBody) override
	{
		if (!deferredOnce)
		{
			deferredOnce = deferred = true;
			return DEFERRED;
		}
		const std::size_t n = std::min(length, bytes.size() - offset);
		std::copy(bytes.data() + offset, bytes.data() + offset + n, buffer);
		offset += n;
		endOfBody = offset == bytes.size();
		return static_cast<long>(n);
	}

	bool takeTrailers(HeaderBlock& trailers) override
	{
		if (bytes.size() % 2 == 0)
			return false;
		trailers.add("x-trailer", "odd");
		return true;
	}
};

class ServerLikeListener : public CodecListener
{
public:
	struct Stream
	{
		std::string body;
		bool answered = false;
		EchoBody source;
	};

	Http2Codec* pCodec = nullptr;
	std::map<std::int32_t, Stream> streams;

	bool onStreamBegin(std::int32_t streamId) override
	{
		if (streams.size() >= 8)
			return false;
		streams[streamId];
		return true;
	}

	void onHeaders(std::int32_t streamId, HeadersKind kind, HeaderBlock& headers, bool endStream,
		bool headerListTooLarge) override
	{
		auto it = streams.find(streamId);
		if (it == streams.end() || kind != HeadersKind::Request)
			return;
		if (headerListTooLarge)
			return respond(it->second, streamId, "431", false);
		const std::string* pMethod = headers.find(":method");
		if (pMethod && *pMethod == "CONNECT")
			return respond(it->second, streamId, "405", false);
		const std::string* pExpect = headers.find("expect");
		if (pExpect && !endStream)
		{
			HeaderBlock informational;
			informational.add(":status", "100");
			pCodec->submitInformational(streamId, informational);
		}
		if (endStream)
			respond(it->second, streamId, "200", true);
	}

	void onData(std::int32_t streamId, const std::uint8_t* data, std::size_t length) override
	{
		auto it = streams.find(streamId);
		if (it != streams.end() && it->second.body.size() < 65536)
			it->second.body.append(reinterpret_cast<const char*>(data), length);
		pCodec->consume(streamId, length);
	}

	void onStreamEnd(std::int32_t streamId) override
	{
		auto it = streams.find(streamId);
		if (it != streams.end())
			respond(it->second, streamId, "200", true);
	}

	void onStreamClose(std::int32_t streamId, std::uint32_t) override { streams.erase(streamId); }

	void resumeDeferred()
	{
		for (auto& entry : streams)
		{
			if (entry.second.source.deferred)
			{
				entry.second.source.deferred = false;
				pCodec->resumeBody(entry.first);
			}
		}
	}

private:
	void respond(Stream& stream, std::int32_t streamId, const char* status, bool withBody)
	{
		if (stream.answered)
			return;
		stream.answered = true;
		HeaderBlock headers;
		headers.add(":status", status);
		headers.add("content-type", "application/octet-stream");
		stream.source.bytes = stream.body;
		if (!pCodec->submitResponse(streamId, headers, withBody ? &stream.source : nullptr))
			pCodec->resetStream(streamId, 2);
	}
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
	const std::uint8_t mode = size > 0 ? data[0] : 0;
	if (size > 0)
	{
		++data;
		--size;
	}
	CodecSettings settings;
	settings.maxConcurrentStreams = 8;
	settings.initialWindowSize = 65535;
	settings.maxHeaderListSize = 4096;
	ServerLikeListener listener;
	Http2Codec codec(Http2Codec::Role::Server, listener, settings);
	listener.pCodec = &codec;

	std::string input;
	if ((mode & 1) == 0)
		input = PocoH2Fuzz::CLIENT_PREFACE + PocoH2Fuzz::emptySettings();
	input.append(reinterpret_cast<const char*>(data), size);
	const std::size_t chunk = 1 + ((mode >> 1) & 0x3f);
	std::string out;
	for (std::size_t offset = 0; offset < input.size() && codec.wantsRead(); offset += chunk)
	{
		const std::size_t n = std::min(chunk, input.size() - offset);
		const bool ok = codec.receive(reinterpret_cast<const std::uint8_t*>(input.data()) + offset, n);
		listener.resumeDeferred();
		out.clear();
		codec.produce(out);
		if (!ok)
			break;
	}
	// Whatever is still open: the output drains as it would to a reading peer.
	for (int round = 0; round < 4 && codec.wantsWrite(); ++round)
	{
		listener.resumeDeferred();
		out.clear();
		codec.produce(out);
	}
	return 0;
}
