#include "PocoH2/HTTP2ServerParams.h"

#include "config/ConfigurationReader.h"

#include <Poco/Thread.h>

#include <limits>

namespace PocoH2 {

HTTP2ServerParams::HTTP2ServerParams():
	_ioThreads(1),
	_maxConcurrentStreams(1024),
	_initialWindowSize(1u << 20),
	_connectionWindowSize(16u << 20),
	_maxFrameSize(16384),
	_maxHeaderListSize(1u << 20),
	_streamBufferSize(256u * 1024),
	_shutdownGracePeriod(10, 0),
	_maxRequestBodySize(0),
	_idleTimeout(60, 0),
	_pingInterval(30, 0),
	_pingTimeout(10, 0),
	_maxConnections(0),
	_maxConnectionHandlers(0),
	_inlineHandlers(false)
{
}

HTTP2ServerParams::~HTTP2ServerParams() = default;

HTTP2ServerParams::Ptr HTTP2ServerParams::fromConfiguration(
	const Poco::Util::AbstractConfiguration& config, const std::string& prefix)
{
	const Poco::UInt64 maxUInt32 = std::numeric_limits<Poco::UInt32>::max();
	const Poco::UInt64 maxInt = static_cast<Poco::UInt64>(std::numeric_limits<int>::max());
	Adapters::ConfigurationReader reader(config, prefix);
	Ptr pParams = new HTTP2ServerParams;

	// Poco's HTTPServerParams, as used by the HTTP/1.1 side and the handlers.
	if (auto value = reader.getString("serverName"))
		pParams->setServerName(*value);
	if (auto value = reader.getString("softwareVersion"))
		pParams->setSoftwareVersion(*value);
	if (auto value = reader.getSeconds("timeout", 0.001))
		pParams->setTimeout(*value);
	if (auto value = reader.getBool("keepAlive"))
		pParams->setKeepAlive(*value);
	if (auto value = reader.getUnsigned("maxKeepAliveRequests", 0, maxInt))
		pParams->setMaxKeepAliveRequests(static_cast<int>(*value));
	if (auto value = reader.getSeconds("keepAliveTimeout", 0))
		pParams->setKeepAliveTimeout(*value);
	if (auto value = reader.getUnsigned("maxThreads", 0, 4096))
		pParams->setMaxThreads(static_cast<int>(*value));
	if (auto value = reader.getUnsigned("maxQueued", 1, maxInt))
		pParams->setMaxQueued(static_cast<int>(*value));
	if (auto value = reader.getSeconds("threadIdleTime", 0))
		pParams->setThreadIdleTime(*value);
	if (auto value = reader.getChoice("threadPriority", {"lowest", "low", "normal", "high", "highest"}))
	{
		static const Poco::Thread::Priority priorities[] = {Poco::Thread::PRIO_LOWEST, Poco::Thread::PRIO_LOW,
			Poco::Thread::PRIO_NORMAL, Poco::Thread::PRIO_HIGH, Poco::Thread::PRIO_HIGHEST};
		pParams->setThreadPriority(priorities[*value]);
	}

	// HTTP/2.
	if (auto value = reader.getUnsigned("ioThreads", 1, 1024))
		pParams->setIOThreads(static_cast<int>(*value));
	if (auto value = reader.getUnsigned("maxConcurrentStreams", 1, maxUInt32))
		pParams->setMaxConcurrentStreams(static_cast<Poco::UInt32>(*value));
	if (auto value = reader.getUnsigned("initialWindowSize", 0, 0x7fffffff))
		pParams->setInitialWindowSize(static_cast<Poco::UInt32>(*value));
	if (auto value = reader.getUnsigned("connectionWindowSize", 65535, 0x7fffffff))
		pParams->setConnectionWindowSize(static_cast<Poco::UInt32>(*value));
	if (auto value = reader.getUnsigned("maxFrameSize", 16384, 16777215))
		pParams->setMaxFrameSize(static_cast<Poco::UInt32>(*value));
	if (auto value = reader.getUnsigned("maxHeaderListSize", 0, maxUInt32))
		pParams->setMaxHeaderListSize(static_cast<Poco::UInt32>(*value));
	if (auto value = reader.getUnsigned("streamBufferSize", 1024, maxUInt32))
		pParams->setStreamBufferSize(static_cast<Poco::UInt32>(*value));
	if (auto value = reader.getUnsigned("maxRequestBodySize", 0, std::numeric_limits<Poco::UInt64>::max()))
		pParams->setMaxRequestBodySize(*value);
	if (auto value = reader.getSeconds("idleTimeout", 0))
		pParams->setIdleTimeout(*value);
	if (auto value = reader.getSeconds("pingInterval", 0))
		pParams->setPingInterval(*value);
	if (auto value = reader.getSeconds("pingTimeout", 0.001))
		pParams->setPingTimeout(*value);
	if (auto value = reader.getUnsigned("maxConnections", 0, maxInt))
		pParams->setMaxConnections(static_cast<int>(*value));
	if (auto value = reader.getUnsigned("maxConnectionHandlers", 0, maxInt))
		pParams->setMaxConnectionHandlers(static_cast<int>(*value));
	if (auto value = reader.getSeconds("shutdownGracePeriod", 0))
		pParams->setShutdownGracePeriod(*value);
	if (auto value = reader.getBool("inlineHandlers"))
		pParams->setInlineHandlers(*value);

	reader.checkNoUnknownKeys();
	return pParams;
}

void HTTP2ServerParams::setIOThreads(int threads)
{
	poco_assert(threads > 0);
	_ioThreads = threads;
}

int HTTP2ServerParams::getIOThreads() const
{
	return _ioThreads;
}

void HTTP2ServerParams::setMaxConcurrentStreams(Poco::UInt32 streams)
{
	poco_assert(streams > 0);
	_maxConcurrentStreams = streams;
}

Poco::UInt32 HTTP2ServerParams::getMaxConcurrentStreams() const
{
	return _maxConcurrentStreams;
}

void HTTP2ServerParams::setInitialWindowSize(Poco::UInt32 bytes)
{
	poco_assert(bytes <= 0x7fffffffu);
	_initialWindowSize = bytes;
}

Poco::UInt32 HTTP2ServerParams::getInitialWindowSize() const
{
	return _initialWindowSize;
}

void HTTP2ServerParams::setConnectionWindowSize(Poco::UInt32 bytes)
{
	poco_assert(bytes >= 65535 && bytes <= 0x7fffffffu);
	_connectionWindowSize = bytes;
}

Poco::UInt32 HTTP2ServerParams::getConnectionWindowSize() const
{
	return _connectionWindowSize;
}

void HTTP2ServerParams::setMaxFrameSize(Poco::UInt32 bytes)
{
	poco_assert(bytes >= 16384 && bytes <= 16777215);
	_maxFrameSize = bytes;
}

Poco::UInt32 HTTP2ServerParams::getMaxFrameSize() const
{
	return _maxFrameSize;
}

void HTTP2ServerParams::setMaxHeaderListSize(Poco::UInt32 bytes)
{
	_maxHeaderListSize = bytes;
}

Poco::UInt32 HTTP2ServerParams::getMaxHeaderListSize() const
{
	return _maxHeaderListSize;
}

void HTTP2ServerParams::setStreamBufferSize(Poco::UInt32 bytes)
{
	poco_assert(bytes >= 1024);
	_streamBufferSize = bytes;
}

Poco::UInt32 HTTP2ServerParams::getStreamBufferSize() const
{
	return _streamBufferSize;
}

void HTTP2ServerParams::setShutdownGracePeriod(const Poco::Timespan& period)
{
	_shutdownGracePeriod = period;
}

const Poco::Timespan& HTTP2ServerParams::getShutdownGracePeriod() const
{
	return _shutdownGracePeriod;
}

void HTTP2ServerParams::setMaxRequestBodySize(Poco::UInt64 bytes)
{
	_maxRequestBodySize = bytes;
}

Poco::UInt64 HTTP2ServerParams::getMaxRequestBodySize() const
{
	return _maxRequestBodySize;
}

void HTTP2ServerParams::setIdleTimeout(const Poco::Timespan& timeout)
{
	_idleTimeout = timeout;
}

const Poco::Timespan& HTTP2ServerParams::getIdleTimeout() const
{
	return _idleTimeout;
}

void HTTP2ServerParams::setPingInterval(const Poco::Timespan& interval)
{
	_pingInterval = interval;
}

const Poco::Timespan& HTTP2ServerParams::getPingInterval() const
{
	return _pingInterval;
}

void HTTP2ServerParams::setPingTimeout(const Poco::Timespan& timeout)
{
	poco_assert(timeout.totalMicroseconds() > 0);
	_pingTimeout = timeout;
}

const Poco::Timespan& HTTP2ServerParams::getPingTimeout() const
{
	return _pingTimeout;
}

void HTTP2ServerParams::setMaxConnections(int connections)
{
	poco_assert(connections >= 0);
	_maxConnections = connections;
}

int HTTP2ServerParams::getMaxConnections() const
{
	return _maxConnections;
}

void HTTP2ServerParams::setMaxConnectionHandlers(int handlers)
{
	poco_assert(handlers >= 0);
	_maxConnectionHandlers = handlers;
}

int HTTP2ServerParams::getMaxConnectionHandlers() const
{
	return _maxConnectionHandlers;
}

void HTTP2ServerParams::setInlineHandlers(bool inlineHandlers)
{
	_inlineHandlers = inlineHandlers;
}

bool HTTP2ServerParams::getInlineHandlers() const
{
	return _inlineHandlers;
}

} // namespace PocoH2
