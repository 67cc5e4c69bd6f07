//
// ConfigurationReader.h
//
// Reads and checks the keys under one prefix of a Poco configuration.
//

#ifndef PocoH2_Adapters_ConfigurationReader_INCLUDED
#define PocoH2_Adapters_ConfigurationReader_INCLUDED

#include <Poco/Timespan.h>
#include <Poco/Types.h>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace Poco {
namespace Util {
class AbstractConfiguration;
}
} // namespace Poco

namespace PocoH2 {
namespace Adapters {

class ConfigurationReader
	/// Reads the parameters under one prefix of a Poco::Util
	/// AbstractConfiguration (e.g. "h2.server"), checking each value, and
	/// finally that no key under the prefix went unread, so that a typo in a
	/// key name does not go unnoticed.
	///
	/// Every getter returns an empty optional when the key is absent and
	/// throws Poco::InvalidArgumentException naming the full key when its
	/// value is malformed or out of range.
	///
	/// Not thread-safe; the configuration must outlive the reader.
{
public:
	ConfigurationReader(const Poco::Util::AbstractConfiguration& config, const std::string& prefix);

	std::optional<Poco::UInt64> getUnsigned(const std::string& name, Poco::UInt64 min, Poco::UInt64 max);
		/// Reads a non-negative integer, optionally with a binary size suffix
		/// K, M or G (1024, 1024², 1024³), from min to max.

	std::optional<bool> getBool(const std::string& name);
		/// Reads true/false, yes/no, on/off or 1/0.

	std::optional<std::string> getString(const std::string& name);
		/// Reads a string (Poco's ${...} references are expanded).

	std::optional<std::size_t> getChoice(const std::string& name, const std::vector<std::string>& choices);
		/// Reads one of choices (case-insensitive) and returns its index.

	std::optional<Poco::Timespan> getSeconds(const std::string& name, double minSeconds);
		/// Reads a duration in seconds, fractions allowed ("0.25"), from
		/// minSeconds to a year.

	void checkNoUnknownKeys() const;
		/// Throws Poco::InvalidArgumentException naming the first key under
		/// the prefix that none of the getters asked for.

	std::string fullKey(const std::string& name) const;
		/// Returns prefix + "." + name.

private:
	std::optional<std::string> rawValue(const std::string& name);
	[[noreturn]] void fail(const std::string& name, const std::string& expected, const std::string& value) const;

	const Poco::Util::AbstractConfiguration& _config;
	std::string _prefix;
	std::set<std::string> _known;
};

} // namespace Adapters
} // namespace PocoH2

#endif // PocoH2_Adapters_ConfigurationReader_INCLUDED
