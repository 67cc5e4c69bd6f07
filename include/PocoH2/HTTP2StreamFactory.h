//
// HTTP2StreamFactory.h
//
// Fetching http(s):// URLs with Poco::URIStreamOpener over HTTP/2.
//

#ifndef PocoH2_HTTP2StreamFactory_INCLUDED
#define PocoH2_HTTP2StreamFactory_INCLUDED

#include "PocoH2/HTTP2ClientParams.h"
#include <Poco/Net/Context.h>
#include <Poco/URIStreamFactory.h>
#include <istream>

namespace PocoH2 {

class HTTP2StreamFactory : public Poco::URIStreamFactory
	/// A URIStreamFactory that GETs https:// (and, with prior knowledge,
	/// http://) URIs over HTTP/2. Poco's HTTPStreamFactory never consults
	/// HTTPSessionFactory, so routing Poco::URIStreamOpener over HTTP/2 means
	/// replacing the stream factories of the schemes: registerFactory().
	///
	/// Each open() uses its own connection, as Poco's HTTPStreamFactory does.
	/// Redirects (301, 302, 303, 307, 308) are handed to URIStreamOpener,
	/// which follows them; other statuses of 400 and above throw
	/// Poco::Net::HTTPException with the status as code.
{
public:
	explicit HTTP2StreamFactory(Poco::Net::Context::Ptr pContext = nullptr,
		const HTTP2ClientParams& params = HTTP2ClientParams());
		/// pContext is the TLS context for https (default: relaxed
		/// verification with the system's CA certificates).

	~HTTP2StreamFactory() override;

	std::istream* open(const Poco::URI& uri) override;
		/// Sends GET uri and returns the response body stream, which owns the
		/// connection. Throws Poco::URIRedirection for a redirect, and the
		/// HTTP2Client errors.

	static void registerFactory(Poco::Net::Context::Ptr pContext = nullptr, bool cleartextToo = false,
		const HTTP2ClientParams& params = HTTP2ClientParams());
		/// Makes Poco::URIStreamOpener::defaultOpener() open https:// URIs
		/// with an HTTP2StreamFactory (and http:// too, with h2c prior
		/// knowledge, if cleartextToo), replacing what was registered. Without
		/// cleartextToo, an http:// factory an earlier call registered is
		/// removed. params configure the factories' sessions (e.g.
		/// setHTTP11Fallback(true)).

	static void unregisterFactory();
		/// Removes the factories registerFactory() installed (Poco's own are
		/// not restored: register them again if needed).

private:
	Poco::Net::Context::Ptr _pContext;
	HTTP2ClientParams _params;
};

} // namespace PocoH2

#endif // PocoH2_HTTP2StreamFactory_INCLUDED
