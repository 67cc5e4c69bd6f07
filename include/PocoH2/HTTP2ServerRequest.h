//
// HTTP2ServerRequest.h
//
// What a handler can learn about a request beyond Poco's HTTPServerRequest
// when it came over HTTP/2.
//

#ifndef PocoH2_HTTP2ServerRequest_INCLUDED
#define PocoH2_HTTP2ServerRequest_INCLUDED

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/NameValueCollection.h>
#include <Poco/Types.h>

namespace PocoH2 {

class HTTP2ServerRequest : public Poco::Net::HTTPServerRequest
	/// The class of every request an HTTP2Server hands to a handler over
	/// HTTP/2 (requests over HTTP/1.1 are Poco's own). Handlers stay plain
	/// HTTPRequestHandlers and reach the extensions with a cast:
	///
	///     if (auto* pH2 = dynamic_cast<PocoH2::HTTP2ServerRequest*>(&request))
	///         status = pH2->trailers().get("grpc-status", "");
{
public:
	virtual Poco::Net::NameValueCollection trailers() const = 0;
		/// Returns the request's trailers (lower-case names). They are known
		/// once stream() reached its end; before that, or without trailers,
		/// the collection is empty.

	virtual Poco::UInt32 streamId() const = 0;
		/// Returns the HTTP/2 stream id of the request.
};

} // namespace PocoH2

#endif // PocoH2_HTTP2ServerRequest_INCLUDED
