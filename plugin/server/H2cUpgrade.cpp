#include "server/H2cUpgrade.h"
#include <Poco/Base64Decoder.h>
#include <Poco/Base64Encoder.h>
#include <Poco/String.h>
#include <Poco/StringTokenizer.h>
#include <cstring>
#include <sstream>

namespace PocoH2 {
namespace Server {

namespace {

bool hasToken(const std::string& value, const std::string& token)
{
	Poco::StringTokenizer tokens(value, ",", Poco::StringTokenizer::TOK_TRIM | Poco::StringTokenizer::TOK_IGNORE_EMPTY);
	for (const auto& t : tokens)
	{
		if (Poco::icompare(t, token) == 0)
			return true;
	}
	return false;
}

bool decodeBase64Url(const std::string& text, std::string& out)
{
	try
	{
		std::istringstream input(text);
		Poco::Base64Decoder decoder(input, Poco::BASE64_URL_ENCODING | Poco::BASE64_NO_PADDING);
		// Invalid characters make the decoder throw (caught below).
		out.assign(std::istreambuf_iterator<char>(decoder), std::istreambuf_iterator<char>());
		return true;
	}
	catch (...)
	{
		return false;
	}
}

} // namespace

H2cUpgradeRequest H2cUpgradeRequest::parse(const char* data, std::size_t length)
{
	H2cUpgradeRequest result;
	const std::string text(data, length);
	const std::size_t end = text.find("\r\n\r\n");
	if (end == std::string::npos)
	{
		result.verdict = length >= MAX_HEAD ? Verdict::HTTP1 : Verdict::INCOMPLETE;
		return result;
	}
	result.headLength = end + 4;
	result.verdict = Verdict::HTTP1;

	std::istringstream lines(text.substr(0, end));
	std::string line;
	if (!std::getline(lines, line))
		return result;
	if (!line.empty() && line.back() == '\r')
		line.pop_back();
	std::istringstream requestLine(line);
	std::string method, target, version;
	if (!(requestLine >> method >> target >> version) || version != "HTTP/1.1" || target.empty() || target[0] != '/')
		return result;

	std::string upgrade, connection, settings, host;
	bool hasBody = false;
	while (std::getline(lines, line))
	{
		if (!line.empty() && line.back() == '\r')
			line.pop_back();
		const std::size_t colon = line.find(':');
		if (colon == std::string::npos || colon == 0)
			return result; // malformed (or obsolete line folding): leave it to Poco
		const std::string name = Poco::toLower(line.substr(0, colon));
		const std::string value = Poco::trim(line.substr(colon + 1));
		if (name == "upgrade")
			upgrade = value;
		else if (name == "connection")
			connection = value;
		else if (name == "http2-settings")
			settings = value;
		else if (name == "host")
			host = value;
		else if (name == "content-length")
			hasBody = hasBody || value != "0";
		else if (name == "transfer-encoding")
			hasBody = true;
		else if (name != "keep-alive" && name != "proxy-connection" && name != "te")
			result.request.headers.add(name, value);
	}
	// A request with a body is served over HTTP/1.1 (the server may ignore
	// Upgrade); so is one that does not ask exactly as RFC 7540 §3.2 says.
	if (hasBody || !hasToken(upgrade, "h2c") || !hasToken(connection, "upgrade")
		|| !hasToken(connection, "http2-settings") || !decodeBase64Url(settings, result.settings)
		|| result.settings.size() % 6 != 0)
		return result;

	result.request.method = method;
	result.request.path = target;
	result.request.scheme = "http";
	result.request.authority = host;
	result.verdict = Verdict::UPGRADE;
	return result;
}

} // namespace Server
} // namespace PocoH2
