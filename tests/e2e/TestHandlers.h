//
// TestHandlers.h
//
// Ordinary Poco request handlers that the end-to-end tests serve over
// HTTP/2 and HTTP/1.1. Nothing in them knows about HTTP/2 (they are the
// kind of handlers an existing Poco application already has), except
// /trailers, which reaches the trailer extensions with a cast.
//

#ifndef PocoH2_Tests_TestHandlers_INCLUDED
#define PocoH2_Tests_TestHandlers_INCLUDED

#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <string>

namespace PocoH2Test {

class TestHandlerFactory : public Poco::Net::HTTPRequestHandlerFactory
	/// Routes by path:
	///   /            200 "Hello, world\n"
	///   /echo        streams the request body back (Content-Type copied)
	///   /slow?ms=N   sleeps N ms, then 200 "slow"
	///   /throw       throws std::runtime_error before sending (expect 500)
	///   /stream?bytes=N  N bytes of streamPattern(), chunked
	///   /buffer?bytes=N&ms=M  sleeps M ms (default 0), then sendBuffer() of
	///                N bytes of streamPattern()
	///   /headers     echoes method, URI, version, host, headers, cookies and
	///                credentials as text; adds Set-Cookie, Connection and
	///                Transfer-Encoding: chunked (the latter two must be dropped)
	///   /form        HTMLForm (urlencoded or multipart) as "name=value" lines
	///                and "part name=N filename=F size=S" lines
	///   /file        sendFile() of the file given to the constructor
	///   /redirect    redirect("/target")
	///   /auth        401 requireAuthentication("realm") unless Basic user:pass
	///   /head        "head body\n" with Content-Length (for HEAD requests)
	///   /nocontent   204
	///   /sink?delayMsPerMiB=N  reads and discards the body through request.stream(),
	///                sleeping N ms per MiB read, then 200 with the byte count as
	///                the body (decimal, no newline); with &throw=1 the stream
	///                throws instead of setting badbit (exceptions(badbit))
	///   /trailers    reads the body, then answers "bytes=N\nsha256=HEX\n" and a
	///                "trailer:name=value\n" line per request trailer, with
	///                response trailers grpc-status and grpc-message: "0"/"ok"
	///                when the x-checksum trailer is the body's SHA-256, else
	///                "3"/"checksum mismatch"
	///   /null        no handler (nullptr): the server answers 501
	///   anything else 404 "not found\n"
	///
	/// Thread-safe: createRequestHandler() may be called from any thread.
{
public:
	explicit TestHandlerFactory(const std::string& filePath);
		/// filePath is the file /file sends.

	Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest& request) override;

	static std::string streamPattern(std::size_t bytes);
		/// Returns what /stream?bytes=N sends.

	static const std::string HELLO;
		/// The body of "/".

	static const std::string HEAD_BODY;
		/// The body /head sends for GET.

	static const std::size_t STREAM_BLOCK;
		/// /stream writes in blocks of this size; streamPattern() repeats with it.

private:
	std::string _filePath;
};

} // namespace PocoH2Test

#endif // PocoH2_Tests_TestHandlers_INCLUDED
