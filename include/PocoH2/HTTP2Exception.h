//
// HTTP2Exception.h
//
// Exceptions thrown by the poco-h2 public API.
//

#ifndef PocoH2_HTTP2Exception_INCLUDED
#define PocoH2_HTTP2Exception_INCLUDED

#include <Poco/Exception.h>

namespace PocoH2 {

POCO_DECLARE_EXCEPTION(, HTTP2Exception, Poco::IOException)
	/// Base class of all HTTP/2 errors: a protocol error, a reset stream,
	/// a connection that went away.

POCO_DECLARE_EXCEPTION(, HTTP2StreamResetException, HTTP2Exception)
	/// The stream was reset (RST_STREAM) by the peer or locally; the
	/// exception's code() is the HTTP/2 error code.

POCO_DECLARE_EXCEPTION(, HTTP2ConnectionClosedException, HTTP2Exception)
	/// The connection carrying the stream closed before the exchange finished.

} // namespace PocoH2

#endif // PocoH2_HTTP2Exception_INCLUDED
