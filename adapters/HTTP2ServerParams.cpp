#include "PocoH2/HTTP2ServerParams.h"

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
	_maxConnections(0)
{
}

HTTP2ServerParams::~HTTP2ServerParams() = default;

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

} // namespace PocoH2
