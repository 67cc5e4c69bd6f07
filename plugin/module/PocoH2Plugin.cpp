//
// PocoH2Plugin.cpp
//
// The Poco ClassLoader module libPocoH2Plugin.so. Loading it registers
// HTTP2StreamFactory with Poco::URIStreamOpener::defaultOpener() for https://
// (h2 by ALPN, HTTP/1.1 fallback); its manifest exports
// PocoH2::HTTP2StreamFactoryRegistrar to reconfigure that (TLS context, http://
// over h2c). Unloading it removes the factories.
//

#include "PocoH2/HTTP2ClientParams.h"
#include "PocoH2/HTTP2StreamFactory.h"
#include "PocoH2/StreamFactoryRegistrar.h"
#include <Poco/ClassLibrary.h>
#include <Poco/URIStreamOpener.h>
#include <atomic>

namespace PocoH2 {

namespace {

std::atomic<bool> factoriesRegistered{false};

HTTP2ClientParams moduleParams()
	/// The client parameters of the module's factories: HTTP/1.1 fallback on,
	/// as Poco's own https:// factory would have served such servers.
{
	HTTP2ClientParams params;
	params.setHTTP11Fallback(true);
	return params;
}

void registerFactories(Poco::Net::Context::Ptr pContext, bool cleartextToo)
{
	HTTP2StreamFactory::registerFactory(std::move(pContext), cleartextToo, moduleParams());
	factoriesRegistered = true;
}

void unregisterFactories()
{
	if (factoriesRegistered.exchange(false))
		HTTP2StreamFactory::unregisterFactory();
}

struct UnloadGuard
	/// Poco::ClassLoader unloads a module whose manifest does not match
	/// without calling pocoUninitializeLibrary(): the factories registered by
	/// pocoInitializeLibrary() are removed when the module's statics are
	/// destroyed, before libPocoH2 (which holds their code) can go.
{
	UnloadGuard()
	{
		// Creates the default opener first, so that at exit it is destroyed
		// after this guard.
		Poco::URIStreamOpener::defaultOpener();
	}

	~UnloadGuard()
	{
		unregisterFactories();
	}
} unloadGuard;

} // namespace

class HTTP2StreamFactoryRegistrar : public StreamFactoryRegistrar
	/// The StreamFactoryRegistrar the module exports.
{
public:
	void registerFactories(Poco::Net::Context::Ptr pContext, bool cleartextToo) override
	{
		PocoH2::registerFactories(std::move(pContext), cleartextToo);
	}

	void unregisterFactories() override
	{
		PocoH2::unregisterFactories();
	}
};

} // namespace PocoH2

POCO_BEGIN_MANIFEST(PocoH2::StreamFactoryRegistrar)
	POCO_EXPORT_CLASS(PocoH2::HTTP2StreamFactoryRegistrar)
POCO_END_MANIFEST

void pocoInitializeLibrary()
{
	PocoH2::registerFactories(nullptr, false);
}

void pocoUninitializeLibrary()
{
	PocoH2::unregisterFactories();
}
