//
// AdaptersFuzzer.cpp
//
// libFuzzer target "adapters": the pure mappings between bytes, HTTP/2
// header blocks and Poco messages, without sockets or threads.
//
// Input: the first byte chooses what the rest is.
//   even: the first bytes of a cleartext connection for H2cUpgradeRequest;
//         an upgrade it accepts goes on as the server would take it (the
//         decoded HTTP2-Settings into a server codec, the request into a
//         Poco request).
//   odd:  a header block as fields "<name length><name><value length><value>"
//         (one length byte each), taken as (a) a request the server received
//         (pseudo-headers into a RequestHead, then fillRequest), (b) a
//         response the client received (fillResponse), and the Poco messages
//         mapped back to header blocks (toRequestHeaders, toResponseHeaders).
// Mappings may reject input with a Poco::Exception; nothing else may escape.
//

#include "client/RequestMapping.h"
#include "codec/Http2Codec.h"
#include "server/H2cUpgrade.h"
#include "server/HeaderMapping.h"
#include <Poco/Exception.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <cstdint>
#include <string>

namespace {

using PocoH2::Codec::HeaderBlock;

class IgnoringListener : public PocoH2::Codec::CodecListener
{
public:
	void onHeaders(std::int32_t, PocoH2::Codec::HeadersKind, HeaderBlock&, bool, bool) override {}
	void onData(std::int32_t, const std::uint8_t*, std::size_t) override {}
	void onStreamEnd(std::int32_t) override {}
	void onStreamClose(std::int32_t, std::uint32_t) override {}
};

HeaderBlock decodeFields(const std::uint8_t* data, std::size_t size)
{
	HeaderBlock block;
	std::size_t i = 0;
	while (i < size)
	{
		const std::size_t nameLength = std::min<std::size_t>(data[i], size - i - 1);
		++i;
		std::string name(reinterpret_cast<const char*>(data + i), nameLength);
		i += nameLength;
		std::string value;
		if (i < size)
		{
			const std::size_t valueLength = std::min<std::size_t>(data[i], size - i - 1);
			++i;
			value.assign(reinterpret_cast<const char*>(data + i), valueLength);
			i += valueLength;
		}
		block.add(std::move(name), std::move(value));
	}
	return block;
}

PocoH2::Server::RequestHead toRequestHead(const HeaderBlock& block)
	// As ServerConnection::onHeaders splits a request's block.
{
	PocoH2::Server::RequestHead head;
	for (const auto& field : block.fields())
	{
		const std::string& name = field.first;
		if (name.empty() || name[0] != ':')
			head.headers.add(field.first, field.second);
		else if (name == ":method")
			head.method = field.second;
		else if (name == ":path")
			head.path = field.second;
		else if (name == ":authority")
			head.authority = field.second;
		else if (name == ":scheme")
			head.scheme = field.second;
	}
	return head;
}

void mapRequest(const PocoH2::Server::RequestHead& head)
{
	Poco::Net::HTTPRequest request;
	try
	{
		PocoH2::Adapters::fillRequest(request, head);
		(void) request.getURI();
		(void) request.getHost();
		(void) request.getContentLength64();
		(void) request.getChunkedTransferEncoding();
		Poco::Net::NameValueCollection cookies;
		request.getCookies(cookies);
		HeaderBlock back = PocoH2::Adapters::toRequestHeaders(request, "http", "fuzz.example");
		(void) PocoH2::Adapters::requestHasBody(request);
		(void) back.listSize();
	}
	catch (const Poco::Exception&)
	{
	}
}

void mapResponse(const HeaderBlock& block)
{
	Poco::Net::HTTPResponse response;
	try
	{
		PocoH2::Adapters::fillResponse(response, block);
		(void) response.getStatus();
		(void) response.getReason();
		(void) response.getContentLength64();
		HeaderBlock back = PocoH2::Adapters::toResponseHeaders(response, true);
		for (const auto& field : back.fields())
			(void) PocoH2::Adapters::isConnectionSpecificHeader(field.first, field.second);
	}
	catch (const Poco::Exception&)
	{
	}
}

void upgrade(const std::uint8_t* data, std::size_t size)
{
	const auto result = PocoH2::Server::H2cUpgradeRequest::parse(reinterpret_cast<const char*>(data), size);
	if (result.verdict != PocoH2::Server::H2cUpgradeRequest::Verdict::UPGRADE)
		return;
	if (result.headLength > size)
		__builtin_trap(); // the server would consume more bytes than it peeked at
	IgnoringListener listener;
	PocoH2::Codec::Http2Codec codec(PocoH2::Codec::Http2Codec::Role::Server, listener, PocoH2::Codec::CodecSettings());
	if (codec.upgrade(result.settings, result.request.method == "HEAD"))
	{
		std::string out;
		codec.produce(out);
	}
	mapRequest(result.request);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
	if (size == 0)
		return 0;
	const std::uint8_t mode = data[0];
	++data;
	--size;
	if ((mode & 1) == 0)
		return upgrade(data, size), 0;
	const HeaderBlock block = decodeFields(data, size);
	mapRequest(toRequestHead(block));
	mapResponse(block);
	return 0;
}
