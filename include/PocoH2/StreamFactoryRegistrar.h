//
// StreamFactoryRegistrar.h
//
// The interface of poco-h2's Poco ClassLoader module (libPocoH2Plugin.so).
//

#ifndef PocoH2_StreamFactoryRegistrar_INCLUDED
#define PocoH2_StreamFactoryRegistrar_INCLUDED

#include <Poco/Net/Context.h>

namespace PocoH2 {

class StreamFactoryRegistrar
	/// The base class the ClassLoader module libPocoH2Plugin.so exports, as
	/// PocoH2::HTTP2StreamFactoryRegistrar. Header-only, so an application
	/// loading the module needs neither to link libPocoH2 nor to know it:
	///
	///     Poco::ClassLoader<PocoH2::StreamFactoryRegistrar> loader;
	///     loader.loadLibrary("/usr/lib/x86_64-linux-gnu/pocoh2/libPocoH2Plugin.so");
	///
	/// Loading the module makes Poco::URIStreamOpener::defaultOpener() open
	/// https:// URIs over HTTP/2 (ALPN h2, falling back to HTTP/1.1 when the
	/// server does not offer h2), with a TLS client context that verifies
	/// certificates against the system's CAs. Unloading it removes the
	/// factories it registered. A registrar changes that configuration:
	///
	///     std::unique_ptr<PocoH2::StreamFactoryRegistrar> pRegistrar(
	///         loader.create("PocoH2::HTTP2StreamFactoryRegistrar"));
	///     pRegistrar->registerFactories(pClientContext, true); // http:// over h2c too
{
public:
	virtual ~StreamFactoryRegistrar() = default;

	virtual void registerFactories(Poco::Net::Context::Ptr pContext, bool cleartextToo) = 0;
		/// Makes URIStreamOpener::defaultOpener() open https:// URIs over
		/// HTTP/2 with the TLS client context pContext (nullptr: verify
		/// against the system's CAs), with HTTP/1.1 fallback. If cleartextToo,
		/// http:// URIs also go over HTTP/2, cleartext with prior knowledge
		/// (h2c), which only servers speaking h2c answer; otherwise an http://
		/// factory registered earlier by poco-h2 is removed.

	virtual void unregisterFactories() = 0;
		/// Removes the factories poco-h2 registered. Poco's own
		/// HTTPStreamFactory/HTTPSStreamFactory are not put back.
};

} // namespace PocoH2

#endif // PocoH2_StreamFactoryRegistrar_INCLUDED
