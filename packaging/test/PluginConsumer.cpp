//
// PluginConsumer.cpp
//
// A program built against the installed poco-h2 with pkg-config, as a user
// would: g++ -std=c++17 PluginConsumer.cpp $(pkg-config --cflags --libs pocoh2).
// It loads the ClassLoader module, lets it route http:// over h2c, and prints
// what Poco::URIStreamOpener fetched from URL. Used by scripts/package-test.sh.
//
// Usage: PluginConsumer MODULE URL
//

#include "PocoH2/PocoH2.h"
#include "PocoH2/StreamFactoryRegistrar.h"
#include <Poco/ClassLoader.h>
#include <Poco/Exception.h>
#include <Poco/StreamCopier.h>
#include <Poco/URIStreamOpener.h>
#include <iostream>
#include <memory>

int main(int argc, char** argv)
{
	if (argc != 3)
	{
		std::cerr << "usage: PluginConsumer MODULE URL\n";
		return 2;
	}
	const std::string modulePath(argv[1]);
	try
	{
		PocoH2::HTTP2ClientParams params; // links libPocoH2 itself, not only the module
		params.setPriorKnowledge(true);

		Poco::ClassLoader<PocoH2::StreamFactoryRegistrar> loader;
		loader.loadLibrary(modulePath);
		if (!Poco::URIStreamOpener::defaultOpener().supportsScheme("https"))
		{
			std::cerr << "PluginConsumer: loading " << modulePath << " registered no https:// factory\n";
			return 1;
		}
		{
			std::unique_ptr<PocoH2::StreamFactoryRegistrar> pRegistrar(
				loader.create("PocoH2::HTTP2StreamFactoryRegistrar"));
			pRegistrar->registerFactories(nullptr, true);
			std::unique_ptr<std::istream> pBody(Poco::URIStreamOpener::defaultOpener().open(argv[2]));
			Poco::StreamCopier::copyStream(*pBody, std::cout);
		}
		loader.unloadLibrary(modulePath);
		if (Poco::URIStreamOpener::defaultOpener().supportsScheme("https"))
		{
			std::cerr << "PluginConsumer: the https:// factory outlived the module\n";
			return 1;
		}
	}
	catch (Poco::Exception& exc)
	{
		std::cerr << "PluginConsumer: " << exc.displayText() << "\n";
		return 1;
	}
	return 0;
}
