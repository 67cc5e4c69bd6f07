#include "server/FloodGuard.h"
#include <algorithm>

namespace PocoH2 {
namespace Server {

namespace {

// Frame types and flags of RFC 9113 §6.
constexpr std::uint8_t DATA = 0x0;
constexpr std::uint8_t HEADERS = 0x1;
constexpr std::uint8_t RST_STREAM = 0x3;
constexpr std::uint8_t SETTINGS = 0x4;
constexpr std::uint8_t PING = 0x6;
constexpr std::uint8_t CONTINUATION = 0x9;
constexpr std::uint8_t FLAG_END_STREAM = 0x1;
constexpr std::uint8_t FLAG_ACK = 0x1;

} // namespace

FloodGuard::Bucket::Bucket(double burst, double perSecond, Clock::time_point now):
	_burst(burst),
	_perSecond(perSecond),
	_tokens(burst),
	_last(now)
{
}

bool FloodGuard::Bucket::take(Clock::time_point now)
{
	if (now > _last)
	{
		_tokens = std::min(_burst, _tokens + std::chrono::duration<double>(now - _last).count() * _perSecond);
		_last = now;
	}
	if (_tokens < 1)
		return false;
	_tokens -= 1;
	return true;
}

std::string FloodGuard::Bucket::describe(const char* what) const
{
	return std::string(what) + ": more than " + std::to_string(static_cast<long>(_burst)) + " at once or " +
	       std::to_string(static_cast<long>(_perSecond)) + " a second";
}

FloodGuard::FloodGuard(Clock::time_point now):
	_resets(500, 33, now),
	_emptyFrames(100, 10, now),
	_controlFrames(200, 50, now)
{
}

bool FloodGuard::take(Bucket& bucket, const char* what, Clock::time_point now)
{
	if (bucket.take(now) || tripped())
		return true;
	_reason = bucket.describe(what);
	return false;
}

bool FloodGuard::admit(std::uint8_t type, std::uint8_t flags, std::size_t length, Clock::time_point now)
{
	switch (type)
	{
	case RST_STREAM:
		return take(_resets, "RST_STREAM", now);
	case DATA:
	case HEADERS:
		if (length == 0 && !(flags & FLAG_END_STREAM))
			return take(_emptyFrames, "empty DATA/HEADERS/CONTINUATION frames", now);
		return true;
	case CONTINUATION:
		if (length == 0)
			return take(_emptyFrames, "empty DATA/HEADERS/CONTINUATION frames", now);
		return true;
	case PING:
	case SETTINGS:
		if (!(flags & FLAG_ACK))
			return take(_controlFrames, "PING/SETTINGS", now);
		return true;
	default:
		return true;
	}
}

} // namespace Server
} // namespace PocoH2
