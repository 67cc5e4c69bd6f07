//
// HTTP2ServerResponse.h
//
// What a handler can do with a response beyond Poco's HTTPServerResponse
// when it goes out over HTTP/2.
//

#ifndef PocoH2_HTTP2ServerResponse_INCLUDED
#define PocoH2_HTTP2ServerResponse_INCLUDED

#include <Poco/Net/HTTPServerResponse.h>
#include <string>

namespace PocoH2 {

class HTTP2ServerResponse : public Poco::Net::HTTPServerResponse
	/// The class of every response an HTTP2Server hands to a handler over
	/// HTTP/2. Reach it with a cast, as for HTTP2ServerRequest:
	///
	///     auto* pH2 = dynamic_cast<PocoH2::HTTP2ServerResponse*>(&response);
	///     std::ostream& out = response.send();
	///     out << payload;
	///     if (pH2) pH2->addTrailer("grpc-status", "0");
{
public:
	virtual void addTrailer(const std::string& name, const std::string& value) = 0;
		/// Adds a trailer, sent in a HEADERS frame after the body once the
		/// handler returns. Names are sent lower-case; connection-specific
		/// and pseudo-header names are dropped. A response without a body
		/// (HEAD, 1xx, 204, 304) carries no trailers.
};

} // namespace PocoH2

#endif // PocoH2_HTTP2ServerResponse_INCLUDED
