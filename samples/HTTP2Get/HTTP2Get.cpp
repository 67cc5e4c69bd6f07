//
// HTTP2Get.cpp
//
// A small curl-like HTTP/2 client on PocoH2::HTTP2Client.
//
//   HTTP2Get [options] URL
//     -X METHOD        request method (default GET, or POST with -d)
//     -d DATA, -d @F   request body: the text, or the content of file F
//     -H "Name: value" add a request header (repeatable)
//     -o FILE          write the response body to FILE instead of stdout
//     -i               print the response headers too
//     -k               do not verify the server certificate
//     --h2c            HTTP/2 with prior knowledge for http:// URLs
//     --parallel N     N requests in flight at once (with -n), asynchronous form
//     --threads N      with -n: N threads sending blocking requests instead
//     --http1.1        with -n and --threads: Poco's HTTPClientSession, one
//                      keep-alive HTTP/1.1 session per thread (for comparison)
//     -n TOTAL         send TOTAL requests and print a summary
//     --max-connections N   connections the client may open (default 4)
//     --timeout S      per-request timeout in seconds (default 60)
//     --config FILE    read the client parameters from the h2.client.* keys
//                      of a .properties file (docs/CONFIGURATION.md); the
//                      two options above, when given, win
//
// Prints the protocol and status of the (last) response on stderr; with -n a
// summary: requests, failures, requests per second, connections used.
//

#include "PocoH2/HTTP2Client.h"
#include "PocoH2/HTTP2Exception.h"
#include <Poco/FileStream.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/NullStream.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>
#include <Poco/Util/PropertyFileConfiguration.h>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <sys/resource.h>
#include <thread>
#include <vector>

namespace {

struct Options
{
	std::string url;
	std::string method;
	std::string data;
	std::string dataFile;
	bool hasData = false;
	std::vector<std::pair<std::string, std::string>> headers;
	std::string output;
	bool includeHeaders = false;
	bool insecure = false;
	bool h2c = false;
	int parallel = 1;
	int threads = 0;
	bool http1 = false;
	long total = 0;
	int maxConnections = 0; // 0: from the configuration or the default
	int timeoutSeconds = -1; // -1: from the configuration or the default
	std::string configFile;
};

void usage()
{
	std::cerr << "usage: HTTP2Get [-X METHOD] [-d DATA|@FILE] [-H 'Name: value']... [-o FILE] [-i] [-k] [--h2c]\n"
				 "                [--parallel N | --threads N] [-n TOTAL] [--max-connections N] [--timeout S]\n"
				 "                [--config FILE] URL\n";
}

Options parse(int argc, char** argv)
{
	Options options;
	auto value = [&](int& i) -> std::string
	{
		if (i + 1 >= argc)
			throw Poco::InvalidArgumentException(std::string("missing value after ") + argv[i]);
		return argv[++i];
	};
	for (int i = 1; i < argc; ++i)
	{
		const std::string arg = argv[i];
		if (arg == "-X")
			options.method = value(i);
		else if (arg == "-d")
		{
			const std::string data = value(i);
			options.hasData = true;
			if (!data.empty() && data[0] == '@')
				options.dataFile = data.substr(1); // streamed for one request, read whole for -n
			else
				options.data = data;
		}
		else if (arg == "-H")
		{
			const std::string header = value(i);
			const auto colon = header.find(':');
			if (colon == std::string::npos)
				throw Poco::InvalidArgumentException("a header needs 'Name: value'", header);
			std::string fieldValue = header.substr(colon + 1);
			fieldValue.erase(0, fieldValue.find_first_not_of(' '));
			options.headers.emplace_back(header.substr(0, colon), fieldValue);
		}
		else if (arg == "-o")
			options.output = value(i);
		else if (arg == "-i")
			options.includeHeaders = true;
		else if (arg == "-k")
			options.insecure = true;
		else if (arg == "--h2c")
			options.h2c = true;
		else if (arg == "--parallel")
			options.parallel = std::max(1, std::stoi(value(i)));
		else if (arg == "--threads")
			options.threads = std::max(1, std::stoi(value(i)));
		else if (arg == "--http1.1")
			options.http1 = true;
		else if (arg == "-n")
			options.total = std::max(1L, std::stol(value(i)));
		else if (arg == "--max-connections")
			options.maxConnections = std::max(1, std::stoi(value(i)));
		else if (arg == "--timeout")
			options.timeoutSeconds = std::max(0, std::stoi(value(i)));
		else if (arg == "--config")
			options.configFile = value(i);
		else if (arg == "-h" || arg == "--help")
		{
			usage();
			std::exit(0);
		}
		else if (!arg.empty() && arg[0] == '-')
			throw Poco::InvalidArgumentException("unknown option", arg);
		else
			options.url = arg;
	}
	if (options.url.empty())
		throw Poco::InvalidArgumentException("no URL");
	if (options.method.empty())
		options.method = options.hasData ? "POST" : "GET";
	if (!options.dataFile.empty() && options.total > 0)
	{
		Poco::FileInputStream in(options.dataFile);
		Poco::StreamCopier::copyToString(in, options.data);
	}
	return options;
}

Poco::Net::HTTPRequest makeRequest(const Options& options, const Poco::URI& uri)
{
	Poco::Net::HTTPRequest request(options.method, uri.getPathAndQuery().empty() ? "/" : uri.getPathAndQuery(),
		Poco::Net::HTTPMessage::HTTP_1_1);
	request.set("User-Agent", "HTTP2Get (poco-h2)");
	for (const auto& header : options.headers)
		request.set(header.first, header.second);
	return request;
}

void printHead(const Poco::Net::HTTPResponse& response, bool includeHeaders)
{
	std::cerr << response.getVersion() << " " << static_cast<int>(response.getStatus()) << " " << response.getReason()
			  << "\n";
	if (includeHeaders)
	{
		for (const auto& field : response)
			std::cerr << field.first << ": " << field.second << "\n";
		std::cerr << "\n";
	}
}

int runOnce(PocoH2::HTTP2Client& client, const Options& options, const Poco::URI& uri)
{
	Poco::Net::HTTPRequest request = makeRequest(options, uri);
	Poco::Net::HTTPResponse response;
	std::istringstream text(options.data);
	std::unique_ptr<Poco::FileInputStream> pFile;
	if (!options.dataFile.empty())
		pFile = std::make_unique<Poco::FileInputStream>(options.dataFile);
	std::istream& body = pFile ? static_cast<std::istream&>(*pFile) : text;
	std::ofstream file;
	if (!options.output.empty())
	{
		file.open(options.output, std::ios::binary);
		if (!file)
			throw Poco::CreateFileException(options.output);
	}
	std::ostream& out = options.output.empty() ? std::cout : file;
	client.sendRequest(request, options.hasData ? &body : nullptr, response, out);
	out.flush();
	printHead(response, options.includeHeaders);
	return response.getStatus() < 400 ? 0 : 22; // curl's --fail code
}

long contextSwitches()
{
	rusage usage{};
	::getrusage(RUSAGE_SELF, &usage);
	return usage.ru_nvcsw + usage.ru_nivcsw;
}

void printSummary(const Options& options, long failures, double seconds, long switches, int connections)
{
	std::printf("requests: %ld, failures: %ld, %.0f req/s, %.3f s, connections used: %d, context switches per request: %.2f\n",
		options.total, failures, options.total / seconds, seconds, connections, static_cast<double>(switches) / options.total);
}

int runThreads(PocoH2::HTTP2Client& client, const Options& options, const Poco::URI& uri)
{
	// The blocking form from many threads, multiplexed over the client's
	// connections.
	const Poco::Net::HTTPRequest prototype = makeRequest(options, uri);
	std::atomic<long> next{0};
	std::atomic<long> failures{0};
	std::mutex mutex;
	std::string firstError;
	const long switchesBefore = contextSwitches();
	const auto start = std::chrono::steady_clock::now();
	std::vector<std::thread> threads;
	for (int t = 0; t < options.threads; ++t)
		threads.emplace_back(
			[&]
			{
				std::unique_ptr<Poco::Net::HTTPClientSession> pSession;
				if (options.http1)
				{
					if (client.secure())
						pSession = std::make_unique<Poco::Net::HTTPSClientSession>(uri.getHost(), uri.getPort(),
							new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, "", "", "",
								options.insecure ? Poco::Net::Context::VERIFY_NONE : Poco::Net::Context::VERIFY_RELAXED, 9,
								true));
					else
						pSession = std::make_unique<Poco::Net::HTTPClientSession>(uri.getHost(), uri.getPort());
					pSession->setKeepAlive(true);
				}
				while (next.fetch_add(1) < options.total)
				{
					try
					{
						Poco::Net::HTTPRequest request(prototype);
						Poco::Net::HTTPResponse response;
						if (pSession)
						{
							request.setKeepAlive(true);
							if (!options.data.empty())
								request.setContentLength64(static_cast<Poco::Int64>(options.data.size()));
							pSession->sendRequest(request) << options.data;
							std::istream& in = pSession->receiveResponse(response);
							Poco::NullOutputStream discard;
							Poco::StreamCopier::copyStream(in, discard);
						}
						else
							client.sendRequest(request, response, options.data);
						if (response.getStatus() >= 400)
							throw Poco::Exception("status " + std::to_string(response.getStatus()));
					}
					catch (Poco::Exception& exc)
					{
						++failures;
						std::lock_guard<std::mutex> lock(mutex);
						if (firstError.empty())
							firstError = exc.displayText();
					}
				}
			});
	for (auto& thread : threads)
		thread.join();
	const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
	printSummary(options, failures.load(), seconds, contextSwitches() - switchesBefore,
		options.http1 ? options.threads : client.totalConnections());
	if (!firstError.empty())
		std::cerr << "first failure: " << firstError << "\n";
	return failures == 0 ? 0 : 1;
}

int runMany(PocoH2::HTTP2Client& client, const Options& options, const Poco::URI& uri)
{
	// Keep `parallel` requests in flight with the asynchronous form: each
	// completion sends the next one.
	const Poco::Net::HTTPRequest request = makeRequest(options, uri);
	std::mutex mutex;
	std::condition_variable allDone;
	long started = 0;
	long finished = 0;
	long failures = 0;
	std::string firstError;
	int lastStatus = 0;

	std::function<void()> sendNext;
	sendNext = [&]
	{
		client.sendRequestAsync(request, options.data,
			[&](Poco::Net::HTTPResponse& response, std::string&, const Poco::Exception* pError)
			{
				bool more;
				{
					// notify under the lock: the waiter may return (and its
					// condition variable go) as soon as it sees the count.
					std::lock_guard<std::mutex> lock(mutex);
					++finished;
					if (pError || response.getStatus() >= 400)
					{
						++failures;
						if (firstError.empty())
							firstError = pError ? pError->displayText() : "status " + std::to_string(response.getStatus());
					}
					else
						lastStatus = response.getStatus();
					more = started < options.total;
					if (more)
						++started;
					else if (finished == options.total)
						allDone.notify_all();
				}
				if (more)
					sendNext();
			});
	};

	const long switchesBefore = contextSwitches();
	const auto start = std::chrono::steady_clock::now();
	const long initial = std::min<long>(options.parallel, options.total);
	{
		std::lock_guard<std::mutex> lock(mutex);
		started = initial;
	}
	for (long i = 0; i < initial; ++i)
		sendNext();
	{
		std::unique_lock<std::mutex> lock(mutex);
		allDone.wait(lock, [&] { return finished == options.total; });
	}
	const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
	std::cerr << "HTTP/2.0 " << lastStatus << "\n";
	printSummary(options, failures, seconds, contextSwitches() - switchesBefore, client.totalConnections());
	if (!firstError.empty())
		std::cerr << "first failure: " << firstError << "\n";
	return failures == 0 ? 0 : 1;
}

} // namespace

int main(int argc, char** argv)
{
	try
	{
		const Options options = parse(argc, argv);
		const Poco::URI uri(options.url);
		if (uri.getScheme() == "http" && !options.h2c)
			throw Poco::InvalidArgumentException("http:// URLs need --h2c (HTTP/2 with prior knowledge)");
		Poco::Net::Context::Ptr pContext;
		if (uri.getScheme() == "https")
			pContext = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, "", "", "",
				options.insecure ? Poco::Net::Context::VERIFY_NONE : Poco::Net::Context::VERIFY_RELAXED, 9, true);
		PocoH2::HTTP2ClientParams params;
		if (!options.configFile.empty())
		{
			Poco::AutoPtr<Poco::Util::PropertyFileConfiguration> pConfig =
				new Poco::Util::PropertyFileConfiguration(options.configFile);
			params = PocoH2::HTTP2ClientParams::fromConfiguration(*pConfig);
		}
		if (options.maxConnections > 0)
			params.setMaxConnections(options.maxConnections);
		if (options.timeoutSeconds >= 0)
			params.setTimeout(Poco::Timespan(options.timeoutSeconds, 0));
		PocoH2::HTTP2Client client(uri, pContext, params);
		if (options.total > 0)
			return options.threads > 0 ? runThreads(client, options, uri) : runMany(client, options, uri);
		return runOnce(client, options, uri);
	}
	catch (Poco::Exception& exc)
	{
		std::cerr << "HTTP2Get: " << exc.displayText() << "\n";
		return 1;
	}
	catch (std::exception& exc)
	{
		std::cerr << "HTTP2Get: " << exc.what() << "\n";
		usage();
		return 2;
	}
}
