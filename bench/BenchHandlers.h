//
// BenchHandlers.h
//
// The request handlers the benchmarks run on every Poco server: the same
// routes and bodies as samples/HTTP2Server ("/" 13 bytes, "/1m" 1 MiB,
// "/echo" the request body back, "/stream?bytes=N"), written as ordinary
// Poco::Net::HTTPRequestHandler subclasses, so that PocoHttp1Server runs the
// very handler code that HTTP2Server runs over HTTP/2.
//
// The sample keeps its own copy (it is meant to be read on its own); these
// must answer byte for byte the same — bench/run.sh compares the bodies of
// every server before it measures.
//

#ifndef PocoH2_BenchHandlers_INCLUDED
#define PocoH2_BenchHandlers_INCLUDED

#include <Poco/NumberParser.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <algorithm>
#include <string>
#include <vector>

namespace PocoH2 {
namespace Bench {

class HelloHandler : public Poco::Net::HTTPRequestHandler
	/// Answers "Hello, world\n" (13 bytes) with sendBuffer().
{
public:
	void handleRequest(Poco::Net::HTTPServerRequest&, Poco::Net::HTTPServerResponse& response) override
	{
		static const std::string body("Hello, world\n");
		response.setContentType("text/plain");
		response.sendBuffer(body.data(), body.size());
	}
};

class OneMiBHandler : public Poco::Net::HTTPRequestHandler
	/// Answers a 1 MiB body of 'x' from a static buffer with sendBuffer().
{
public:
	void handleRequest(Poco::Net::HTTPServerRequest&, Poco::Net::HTTPServerResponse& response) override
	{
		static const std::vector<char> body(1024 * 1024, 'x');
		response.setContentType("application/octet-stream");
		response.sendBuffer(body.data(), body.size());
	}
};

class EchoHandler : public Poco::Net::HTTPRequestHandler
	/// Streams the request body back as the response body, as it arrives.
{
public:
	void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override
	{
		response.setContentType(request.has("Content-Type") ? request.getContentType() : "application/octet-stream");
		if (request.hasContentLength())
			response.setContentLength64(request.getContentLength64());
		else
			response.setChunkedTransferEncoding(true);
		std::ostream& out = response.send();
		Poco::StreamCopier::copyStream(request.stream(), out);
	}
};

class StreamHandler : public Poco::Net::HTTPRequestHandler
	/// Sends /stream?bytes=N (default 1 MiB, at most 64 GiB) bytes of
	/// "abc…z" in 16 KiB writes, never holding more than one chunk.
{
public:
	void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override
	{
		Poco::UInt64 bytes = 1024 * 1024;
		for (const auto& parameter : Poco::URI(request.getURI()).getQueryParameters())
		{
			if (parameter.first == "bytes" && !Poco::NumberParser::tryParseUnsigned64(parameter.second, bytes))
				bytes = ~Poco::UInt64(0);
		}
		if (bytes > (Poco::UInt64(64) << 30))
		{
			response.setStatusAndReason(Poco::Net::HTTPResponse::HTTP_BAD_REQUEST);
			response.send() << "bytes must be a number from 0 to 64 GiB\n";
			return;
		}
		static const std::vector<char> chunk = makeChunk();
		response.setContentType("application/octet-stream");
		response.setContentLength64(bytes);
		std::ostream& out = response.send();
		while (bytes > 0 && out.good())
		{
			std::size_t n = static_cast<std::size_t>(std::min<Poco::UInt64>(bytes, chunk.size()));
			out.write(chunk.data(), static_cast<std::streamsize>(n));
			bytes -= n;
		}
	}

private:
	static std::vector<char> makeChunk()
	{
		std::vector<char> chunk(16 * 1024);
		for (std::size_t i = 0; i < chunk.size(); ++i)
			chunk[i] = static_cast<char>('a' + i % 26);
		return chunk;
	}
};

class NotFoundHandler : public Poco::Net::HTTPRequestHandler
	/// Answers 404.
{
public:
	void handleRequest(Poco::Net::HTTPServerRequest&, Poco::Net::HTTPServerResponse& response) override
	{
		response.setStatusAndReason(Poco::Net::HTTPResponse::HTTP_NOT_FOUND);
		response.setContentType("text/plain");
		response.send() << "not found; try /, /1m, /echo or /stream?bytes=N\n";
	}
};

class HandlerFactory : public Poco::Net::HTTPRequestHandlerFactory
	/// Routes on the path of the request URI; keeps no state, so any number
	/// of threads may call it.
{
public:
	Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest& request) override
	{
		const std::string& uri = request.getURI();
		std::string path = uri.substr(0, uri.find('?'));
		if (path == "/")
			return new HelloHandler;
		if (path == "/1m")
			return new OneMiBHandler;
		if (path == "/echo")
			return new EchoHandler;
		if (path == "/stream")
			return new StreamHandler;
		return new NotFoundHandler;
	}
};

} // namespace Bench
} // namespace PocoH2

#endif // PocoH2_BenchHandlers_INCLUDED
