#include "PocoH2/HTTP2ClientParams.h"

#include "config/ConfigurationReader.h"

#include <limits>

namespace PocoH2 {

HTTP2ClientParams::HTTP2ClientParams():
	_maxConnections(4),
	_timeout(60, 0),
	_connectTimeout(10, 0),
	_keepAliveInterval(30, 0),
	_priorKnowledge(true),
	_verifyHostName(true),
	_http11Fallback(false),
	_maxAttempts(5),
	_initialWindowSize(1u << 20),
	_connectionWindowSize(16u << 20),
	_streamBufferSize(256u * 1024)
{
}

HTTP2ClientParams HTTP2ClientParams::fromConfiguration(
	const Poco::Util::AbstractConfiguration& config, const std::string& prefix)
{
	const Poco::UInt64 maxInt = static_cast<Poco::UInt64>(std::numeric_limits<int>::max());
	Adapters::ConfigurationReader reader(config, prefix);
	HTTP2ClientParams params;
	if (auto value = reader.getUnsigned("maxConnections", 1, 1024))
		params.setMaxConnections(static_cast<int>(*value));
	if (auto value = reader.getSeconds("timeout", 0))
		params.setTimeout(*value);
	if (auto value = reader.getSeconds("connectTimeout", 0.001))
		params.setConnectTimeout(*value);
	if (auto value = reader.getSeconds("keepAliveInterval", 0))
		params.setKeepAliveInterval(*value);
	if (auto value = reader.getBool("priorKnowledge"))
		params.setPriorKnowledge(*value);
	if (auto value = reader.getBool("verifyHostName"))
		params.setVerifyHostName(*value);
	if (auto value = reader.getBool("http11Fallback"))
		params.setHTTP11Fallback(*value);
	if (auto value = reader.getUnsigned("maxAttempts", 1, maxInt))
		params.setMaxAttempts(static_cast<int>(*value));
	if (auto value = reader.getUnsigned("initialWindowSize", 16384, 0x7fffffff))
		params.setInitialWindowSize(static_cast<Poco::UInt32>(*value));
	if (auto value = reader.getUnsigned("connectionWindowSize", 65535, 0x7fffffff))
		params.setConnectionWindowSize(static_cast<Poco::UInt32>(*value));
	if (auto value = reader.getUnsigned("streamBufferSize", 1024, std::numeric_limits<Poco::UInt32>::max()))
		params.setStreamBufferSize(static_cast<Poco::UInt32>(*value));
	reader.checkNoUnknownKeys();
	return params;
}

void HTTP2ClientParams::setMaxConnections(int connections)
{
	_maxConnections = connections < 1 ? 1 : connections;
}

int HTTP2ClientParams::getMaxConnections() const
{
	return _maxConnections;
}

void HTTP2ClientParams::setTimeout(const Poco::Timespan& timeout)
{
	_timeout = timeout;
}

const Poco::Timespan& HTTP2ClientParams::getTimeout() const
{
	return _timeout;
}

void HTTP2ClientParams::setConnectTimeout(const Poco::Timespan& timeout)
{
	_connectTimeout = timeout;
}

const Poco::Timespan& HTTP2ClientParams::getConnectTimeout() const
{
	return _connectTimeout;
}

void HTTP2ClientParams::setKeepAliveInterval(const Poco::Timespan& interval)
{
	_keepAliveInterval = interval;
}

const Poco::Timespan& HTTP2ClientParams::getKeepAliveInterval() const
{
	return _keepAliveInterval;
}

void HTTP2ClientParams::setPriorKnowledge(bool priorKnowledge)
{
	_priorKnowledge = priorKnowledge;
}

bool HTTP2ClientParams::getPriorKnowledge() const
{
	return _priorKnowledge;
}

void HTTP2ClientParams::setVerifyHostName(bool verify)
{
	_verifyHostName = verify;
}

bool HTTP2ClientParams::getVerifyHostName() const
{
	return _verifyHostName;
}

void HTTP2ClientParams::setHTTP11Fallback(bool fallback)
{
	_http11Fallback = fallback;
}

bool HTTP2ClientParams::getHTTP11Fallback() const
{
	return _http11Fallback;
}

void HTTP2ClientParams::setMaxAttempts(int attempts)
{
	_maxAttempts = attempts < 1 ? 1 : attempts;
}

int HTTP2ClientParams::getMaxAttempts() const
{
	return _maxAttempts;
}

void HTTP2ClientParams::setInitialWindowSize(Poco::UInt32 bytes)
{
	_initialWindowSize = bytes;
}

Poco::UInt32 HTTP2ClientParams::getInitialWindowSize() const
{
	return _initialWindowSize;
}

void HTTP2ClientParams::setConnectionWindowSize(Poco::UInt32 bytes)
{
	_connectionWindowSize = bytes;
}

Poco::UInt32 HTTP2ClientParams::getConnectionWindowSize() const
{
	return _connectionWindowSize;
}

void HTTP2ClientParams::setStreamBufferSize(Poco::UInt32 bytes)
{
	_streamBufferSize = bytes;
}

Poco::UInt32 HTTP2ClientParams::getStreamBufferSize() const
{
	return _streamBufferSize;
}

} // namespace PocoH2
