#include "PocoH2/HTTP2Exception.h"
#include <typeinfo>

namespace PocoH2 {

POCO_IMPLEMENT_EXCEPTION(HTTP2Exception, Poco::IOException, "HTTP/2 error")
POCO_IMPLEMENT_EXCEPTION(HTTP2StreamResetException, HTTP2Exception, "HTTP/2 stream reset")
POCO_IMPLEMENT_EXCEPTION(HTTP2ConnectionClosedException, HTTP2Exception, "HTTP/2 connection closed")

} // namespace PocoH2
