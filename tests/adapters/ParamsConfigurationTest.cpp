//
// ParamsConfigurationTest.cpp
//
// HTTP2ServerParams and HTTP2ClientParams read from a Poco::Util
// configuration: every key, defaults kept, typos and bad values rejected
// with the key named.
//

#include "PocoH2/HTTP2ClientParams.h"
#include "PocoH2/HTTP2ServerParams.h"

#include <Poco/AutoPtr.h>
#include <Poco/Exception.h>
#include <Poco/Thread.h>
#include <Poco/Util/LayeredConfiguration.h>
#include <Poco/Util/MapConfiguration.h>
#include <fstream>
#include <functional>
#include <regex>
#include <set>
#include <sstream>
#include <gtest/gtest.h>
#include <cctype>
#include <string>

using Poco::AutoPtr;
using Poco::Util::LayeredConfiguration;
using Poco::Util::MapConfiguration;
using PocoH2::HTTP2ClientParams;
using PocoH2::HTTP2ServerParams;

namespace {

std::string errorOf(const std::function<void()>& read)
{
	try
	{
		read();
	}
	catch (const Poco::InvalidArgumentException& exc)
	{
		return exc.displayText();
	}
	return "(no exception)";
}

TEST(ParamsConfigurationTest, EmptyConfigurationKeepsServerDefaults)
{
	AutoPtr<MapConfiguration> pConfig = new MapConfiguration;
	HTTP2ServerParams::Ptr pParams = HTTP2ServerParams::fromConfiguration(*pConfig);
	HTTP2ServerParams::Ptr pDefaults = new HTTP2ServerParams;
	EXPECT_EQ(pParams->getMaxConcurrentStreams(), pDefaults->getMaxConcurrentStreams());
	EXPECT_EQ(pParams->getIdleTimeout(), pDefaults->getIdleTimeout());
	EXPECT_EQ(pParams->getTimeout(), pDefaults->getTimeout());
	EXPECT_EQ(pParams->getMaxThreads(), pDefaults->getMaxThreads());
}

TEST(ParamsConfigurationTest, ReadsEveryServerKey)
{
	AutoPtr<MapConfiguration> pConfig = new MapConfiguration;
	pConfig->setString("h2.server.serverName", "example.org");
	pConfig->setString("h2.server.softwareVersion", "demo/1.0");
	pConfig->setString("h2.server.timeout", "12");
	pConfig->setString("h2.server.keepAlive", "false");
	pConfig->setString("h2.server.maxKeepAliveRequests", "7");
	pConfig->setString("h2.server.keepAliveTimeout", "3.5");
	pConfig->setString("h2.server.maxThreads", "5");
	pConfig->setString("h2.server.maxQueued", "9");
	pConfig->setString("h2.server.threadIdleTime", "2");
	pConfig->setString("h2.server.threadPriority", "High");
	pConfig->setString("h2.server.ioThreads", "2");
	pConfig->setString("h2.server.maxConcurrentStreams", "256");
	pConfig->setString("h2.server.initialWindowSize", "64K");
	pConfig->setString("h2.server.connectionWindowSize", "2M");
	pConfig->setString("h2.server.maxFrameSize", "32768");
	pConfig->setString("h2.server.maxHeaderListSize", "16384");
	pConfig->setString("h2.server.streamBufferSize", "128K");
	pConfig->setString("h2.server.maxRequestBodySize", "1G");
	pConfig->setString("h2.server.idleTimeout", "0.25");
	pConfig->setString("h2.server.pingInterval", "0");
	pConfig->setString("h2.server.pingTimeout", "2");
	pConfig->setString("h2.server.maxConnections", "100");
	pConfig->setString("h2.server.shutdownGracePeriod", "1.5");
	pConfig->setString("h2.server.inlineHandlers", "true");
	pConfig->setString("h2.client.maxConnections", "9"); // another prefix: ignored

	HTTP2ServerParams::Ptr pParams = HTTP2ServerParams::fromConfiguration(*pConfig);
	EXPECT_EQ(pParams->getServerName(), "example.org");
	EXPECT_EQ(pParams->getSoftwareVersion(), "demo/1.0");
	EXPECT_EQ(pParams->getTimeout(), Poco::Timespan(12, 0));
	EXPECT_FALSE(pParams->getKeepAlive());
	EXPECT_EQ(pParams->getMaxKeepAliveRequests(), 7);
	EXPECT_EQ(pParams->getKeepAliveTimeout(), Poco::Timespan(3, 500000));
	EXPECT_EQ(pParams->getMaxThreads(), 5);
	EXPECT_EQ(pParams->getMaxQueued(), 9);
	EXPECT_EQ(pParams->getThreadIdleTime(), Poco::Timespan(2, 0));
	EXPECT_EQ(pParams->getThreadPriority(), Poco::Thread::PRIO_HIGH);
	EXPECT_EQ(pParams->getIOThreads(), 2);
	EXPECT_EQ(pParams->getMaxConcurrentStreams(), 256u);
	EXPECT_EQ(pParams->getInitialWindowSize(), 65536u);
	EXPECT_EQ(pParams->getConnectionWindowSize(), 2u << 20);
	EXPECT_EQ(pParams->getMaxFrameSize(), 32768u);
	EXPECT_EQ(pParams->getMaxHeaderListSize(), 16384u);
	EXPECT_EQ(pParams->getStreamBufferSize(), 128u * 1024);
	EXPECT_EQ(pParams->getMaxRequestBodySize(), Poco::UInt64(1) << 30);
	EXPECT_EQ(pParams->getIdleTimeout(), Poco::Timespan(0, 250000));
	EXPECT_EQ(pParams->getPingInterval(), Poco::Timespan(0));
	EXPECT_EQ(pParams->getPingTimeout(), Poco::Timespan(2, 0));
	EXPECT_EQ(pParams->getMaxConnections(), 100);
	EXPECT_EQ(pParams->getShutdownGracePeriod(), Poco::Timespan(1, 500000));
	EXPECT_TRUE(pParams->getInlineHandlers());
}

TEST(ParamsConfigurationTest, ReadsFromLayeredConfigurationWithOtherPrefix)
{
	AutoPtr<MapConfiguration> pDefaults = new MapConfiguration;
	pDefaults->setString("app.http.maxConcurrentStreams", "10");
	pDefaults->setString("app.http.ioThreads", "3");
	AutoPtr<MapConfiguration> pOverrides = new MapConfiguration;
	pOverrides->setString("app.http.maxConcurrentStreams", "20");
	AutoPtr<LayeredConfiguration> pConfig = new LayeredConfiguration;
	pConfig->add(pDefaults, 10);
	pConfig->add(pOverrides, 0);

	HTTP2ServerParams::Ptr pParams = HTTP2ServerParams::fromConfiguration(*pConfig, "app.http");
	EXPECT_EQ(pParams->getMaxConcurrentStreams(), 20u);
	EXPECT_EQ(pParams->getIOThreads(), 3);
}

TEST(ParamsConfigurationTest, UnknownServerKeyIsNamed)
{
	AutoPtr<MapConfiguration> pConfig = new MapConfiguration;
	pConfig->setString("h2.server.maxConcurentStreams", "10");
	std::string error = errorOf([&] { HTTP2ServerParams::fromConfiguration(*pConfig); });
	EXPECT_NE(error.find("unknown configuration key h2.server.maxConcurentStreams"), std::string::npos) << error;
	EXPECT_NE(error.find("maxConcurrentStreams"), std::string::npos) << error;
}

TEST(ParamsConfigurationTest, BadServerValuesAreNamed)
{
	const std::pair<const char*, const char*> cases[] = {
		{"maxConcurrentStreams", "many"},
		{"maxConcurrentStreams", "0"},
		{"maxConcurrentStreams", "-1"},
		{"maxConcurrentStreams", "4294967296"},
		{"maxFrameSize", "1000"},
		{"initialWindowSize", "3G"},
		{"maxRequestBodySize", "99999999999999999999"},
		{"idleTimeout", "-1"},
		{"idleTimeout", "10s"},
		{"idleTimeout", "nan"},
		{"pingTimeout", "0"},
		{"keepAlive", "maybe"},
		{"ioThreads", "0"},
		{"maxConnections", ""},
		{"maxQueued", "0"},
		{"threadPriority", "urgent"},
	};
	for (const auto& badCase : cases)
	{
		AutoPtr<MapConfiguration> pConfig = new MapConfiguration;
		pConfig->setString(std::string("h2.server.") + badCase.first, badCase.second);
		std::string error = errorOf([&] { HTTP2ServerParams::fromConfiguration(*pConfig); });
		EXPECT_NE(error.find(std::string("configuration key h2.server.") + badCase.first + " wants"), std::string::npos)
			<< badCase.first << "=" << badCase.second << ": " << error;
	}
}

TEST(ParamsConfigurationTest, ReadsEveryClientKey)
{
	AutoPtr<MapConfiguration> pConfig = new MapConfiguration;
	pConfig->setString("h2.client.maxConnections", "2");
	pConfig->setString("h2.client.timeout", "5");
	pConfig->setString("h2.client.connectTimeout", "0.5");
	pConfig->setString("h2.client.keepAliveInterval", "0");
	pConfig->setString("h2.client.priorKnowledge", "no");
	pConfig->setString("h2.client.verifyHostName", "off");
	pConfig->setString("h2.client.http11Fallback", "true");
	pConfig->setString("h2.client.maxAttempts", "3");
	pConfig->setString("h2.client.initialWindowSize", "256K");
	pConfig->setString("h2.client.connectionWindowSize", "4M");
	pConfig->setString("h2.client.streamBufferSize", "64K");

	HTTP2ClientParams params = HTTP2ClientParams::fromConfiguration(*pConfig);
	EXPECT_EQ(params.getMaxConnections(), 2);
	EXPECT_EQ(params.getTimeout(), Poco::Timespan(5, 0));
	EXPECT_EQ(params.getConnectTimeout(), Poco::Timespan(0, 500000));
	EXPECT_EQ(params.getKeepAliveInterval(), Poco::Timespan(0));
	EXPECT_FALSE(params.getPriorKnowledge());
	EXPECT_FALSE(params.getVerifyHostName());
	EXPECT_TRUE(params.getHTTP11Fallback());
	EXPECT_EQ(params.getMaxAttempts(), 3);
	EXPECT_EQ(params.getInitialWindowSize(), 256u * 1024);
	EXPECT_EQ(params.getConnectionWindowSize(), 4u << 20);
	EXPECT_EQ(params.getStreamBufferSize(), 64u * 1024);
}

TEST(ParamsConfigurationTest, ClientTyposAndBadValuesAreNamed)
{
	AutoPtr<MapConfiguration> pConfig = new MapConfiguration;
	pConfig->setString("h2.client.maxConnection", "2");
	std::string error = errorOf([&] { HTTP2ClientParams::fromConfiguration(*pConfig); });
	EXPECT_NE(error.find("unknown configuration key h2.client.maxConnection "), std::string::npos) << error;

	pConfig = new MapConfiguration;
	pConfig->setString("h2.client.connectTimeout", "0");
	error = errorOf([&] { HTTP2ClientParams::fromConfiguration(*pConfig); });
	EXPECT_NE(error.find("configuration key h2.client.connectTimeout wants"), std::string::npos) << error;
}

std::string readFile(const std::string& path)
{
	std::ifstream in(path);
	std::ostringstream text;
	text << in.rdbuf();
	return text.str();
}

std::set<std::string> settersOf(const std::string& header)
	/// Returns the configuration keys of the setters a params header declares
	/// (setMaxFrameSize -> maxFrameSize, setHTTP11Fallback -> http11Fallback).
{
	std::set<std::string> keys;
	const std::string text = readFile(std::string(POCOH2_SOURCE_DIR) + "/include/PocoH2/" + header);
	const std::regex setter(R"(\bvoid set([A-Z][A-Za-z0-9]*)\()");
	for (std::sregex_iterator it(text.begin(), text.end(), setter), end; it != end; ++it)
	{
		std::string name = (*it)[1];
		// Lower-case the leading capitals, but not the one that starts the
		// next word: IOThreads -> ioThreads, HTTP11Fallback -> http11Fallback.
		std::size_t capitals = 0;
		while (capitals < name.size() && std::isupper(static_cast<unsigned char>(name[capitals])))
			++capitals;
		if (capitals > 1 && capitals < name.size() && std::islower(static_cast<unsigned char>(name[capitals])))
			--capitals;
		for (std::size_t i = 0; i < capitals; ++i)
			name[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(name[i])));
		keys.insert(name);
	}
	return keys;
}

template <class Read>
void expectEverySetterConfigurable(const std::string& header, const std::string& prefix, Read read)
	/// Every setter of the header has a key: a value no parameter accepts
	/// gets "wants ..." (the key is known), never "unknown configuration key";
	/// and docs/CONFIGURATION.md documents the key.
{
	const std::set<std::string> keys = settersOf(header);
	ASSERT_GE(keys.size(), 5u) << "no setters found in " << header;
	const std::string doc = readFile(std::string(POCOH2_SOURCE_DIR) + "/docs/CONFIGURATION.md");
	for (const auto& key : keys)
	{
		AutoPtr<MapConfiguration> pConfig = new MapConfiguration;
		pConfig->setString(prefix + "." + key, "not a value!");
		std::string error = errorOf([&] { read(*pConfig); });
		EXPECT_NE(error.find("configuration key " + prefix + "." + key + " wants"), std::string::npos)
			<< header << ": set" << key << "() has no configuration key " << prefix << "." << key << ": " << error;
		EXPECT_NE(doc.find("| `" + key + "` |"), std::string::npos)
			<< "docs/CONFIGURATION.md does not document " << prefix << "." << key;
	}
}

TEST(ParamsConfigurationTest, EveryServerSetterHasAKeyAndIsDocumented)
{
	expectEverySetterConfigurable("HTTP2ServerParams.h", "h2.server",
		[](const Poco::Util::AbstractConfiguration& config) { HTTP2ServerParams::fromConfiguration(config); });
}

TEST(ParamsConfigurationTest, EveryClientSetterHasAKeyAndIsDocumented)
{
	expectEverySetterConfigurable("HTTP2ClientParams.h", "h2.client",
		[](const Poco::Util::AbstractConfiguration& config) { HTTP2ClientParams::fromConfiguration(config); });
}

} // namespace
