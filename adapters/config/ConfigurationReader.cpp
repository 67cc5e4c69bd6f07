#include "config/ConfigurationReader.h"

#include <Poco/Exception.h>
#include <Poco/NumberFormatter.h>
#include <Poco/NumberParser.h>
#include <Poco/String.h>
#include <Poco/Util/AbstractConfiguration.h>
#include <cmath>
#include <limits>

namespace PocoH2 {
namespace Adapters {

namespace {

const double MAX_SECONDS = 365.0 * 24 * 3600;

bool parseSize(const std::string& text, Poco::UInt64& value)
	/// Parses a decimal integer with an optional K, M or G suffix.
{
	if (text.empty())
		return false;
	Poco::UInt64 multiplier = 1;
	std::string digits = text;
	switch (text.back())
	{
	case 'K': case 'k': multiplier = Poco::UInt64(1) << 10; break;
	case 'M': case 'm': multiplier = Poco::UInt64(1) << 20; break;
	case 'G': case 'g': multiplier = Poco::UInt64(1) << 30; break;
	default: break;
	}
	if (multiplier != 1)
		digits.pop_back();
	if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos)
		return false;
	Poco::UInt64 number = 0;
	if (!Poco::NumberParser::tryParseUnsigned64(digits, number))
		return false;
	if (number > std::numeric_limits<Poco::UInt64>::max() / multiplier)
		return false;
	value = number * multiplier;
	return true;
}

} // namespace

ConfigurationReader::ConfigurationReader(const Poco::Util::AbstractConfiguration& config, const std::string& prefix):
	_config(config),
	_prefix(prefix)
{
}

std::string ConfigurationReader::fullKey(const std::string& name) const
{
	return _prefix.empty() ? name : _prefix + "." + name;
}

std::optional<std::string> ConfigurationReader::rawValue(const std::string& name)
{
	_known.insert(name);
	const std::string key = fullKey(name);
	if (!_config.hasProperty(key))
		return std::nullopt;
	return Poco::trim(_config.getString(key));
}

void ConfigurationReader::fail(const std::string& name, const std::string& expected, const std::string& value) const
{
	throw Poco::InvalidArgumentException(
		"configuration key " + fullKey(name) + " wants " + expected + ", not \"" + value + "\"");
}

std::optional<Poco::UInt64> ConfigurationReader::getUnsigned(const std::string& name, Poco::UInt64 min, Poco::UInt64 max)
{
	std::optional<std::string> text = rawValue(name);
	if (!text)
		return std::nullopt;
	Poco::UInt64 value = 0;
	if (!parseSize(*text, value) || value < min || value > max)
		fail(name, "an integer from " + std::to_string(min) + " to " + std::to_string(max) + " (suffix K, M or G allowed)", *text);
	return value;
}

std::optional<bool> ConfigurationReader::getBool(const std::string& name)
{
	std::optional<std::string> text = rawValue(name);
	if (!text)
		return std::nullopt;
	bool value = false;
	if (!Poco::NumberParser::tryParseBool(*text, value))
		fail(name, "true/false, yes/no, on/off or 1/0", *text);
	return value;
}

std::optional<std::string> ConfigurationReader::getString(const std::string& name)
{
	return rawValue(name);
}

std::optional<std::size_t> ConfigurationReader::getChoice(
	const std::string& name, const std::vector<std::string>& choices)
{
	std::optional<std::string> text = rawValue(name);
	if (!text)
		return std::nullopt;
	std::string expected;
	for (std::size_t i = 0; i < choices.size(); ++i)
	{
		if (Poco::icompare(*text, choices[i]) == 0)
			return i;
		expected += (i == 0 ? "" : (i + 1 == choices.size() ? " or " : ", ")) + choices[i];
	}
	fail(name, "one of " + expected, *text);
}

std::optional<Poco::Timespan> ConfigurationReader::getSeconds(const std::string& name, double minSeconds)
{
	std::optional<std::string> text = rawValue(name);
	if (!text)
		return std::nullopt;
	double seconds = 0;
	if (text->empty() || text->find_first_not_of("0123456789.") != std::string::npos ||
		!Poco::NumberParser::tryParseFloat(*text, seconds) || !std::isfinite(seconds) || seconds < minSeconds ||
		seconds > MAX_SECONDS)
	{
		fail(name, "a number of seconds from " + Poco::NumberFormatter::format(minSeconds) + " to one year (e.g. 30 or 0.5)", *text);
	}
	return Poco::Timespan(static_cast<Poco::Timespan::TimeDiff>(std::llround(seconds * 1e6)));
}

void ConfigurationReader::checkNoUnknownKeys() const
{
	Poco::Util::AbstractConfiguration::Keys keys;
	_config.keys(_prefix, keys);
	for (const auto& key : keys)
	{
		if (_known.count(key) == 0)
		{
			std::string known;
			for (const auto& name : _known)
				known += (known.empty() ? "" : ", ") + name;
			throw Poco::InvalidArgumentException(
				"unknown configuration key " + fullKey(key) + " (known keys under " + _prefix + ": " + known + ")");
		}
	}
}

} // namespace Adapters
} // namespace PocoH2
