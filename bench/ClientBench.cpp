//
// ClientBench.cpp
//
// Measures an HTTP client for bench/run.sh: requests per second and CPU
// seconds per request (getrusage of this whole process: every thread,
// including the client's event loop) for a fixed time, one of
//
//   --mode=async     PocoH2::HTTP2Client, sendRequestAsync() with a callback,
//                    --in-flight N requests outstanding (each completion
//                    sends the next), over at most --connections C
//   --mode=blocking  PocoH2::HTTP2Client, --threads N threads each calling
//                    the blocking sendRequest(), over at most --connections C
//   --mode=http1     Poco::Net::HTTPClientSession (HTTPSClientSession for
//                    https), --threads N threads each with its own
//                    keep-alive HTTP/1.1 session
//
// Usage: ClientBench --mode=M [--in-flight=N] [--threads=N] [--connections=C]
//                    [--duration=S] [--warm-up=S] [--post-bytes=N] [--requests=N] URL
// --requests=N sends exactly N requests (no warm-up, no time limit) and
// counts them all: a fixed amount of work for valgrind --tool=callgrind
// (instructions per request). URL is http:// (h2c with prior knowledge, or plain HTTP/1.1) or https://
// (certificate not verified). --post-bytes sends POSTs with a body of N
// bytes instead of GETs. Warm-up requests (default 1 s) are not counted.
//
// Prints one line of name=value pairs:
//   mode=async requests=N failures=N seconds=S req_per_s=R cpu_seconds=C
//   cpu_us_per_request=U connections=C
// Exit status 0 if no request failed, 1 otherwise, 2 for bad arguments.
//

#include "PocoH2/HTTP2Client.h"
#include "PocoH2/HTTP2ClientParams.h"

#include <Poco/Exception.h>
#include <Poco/NullStream.h>
#include <Poco/NumberParser.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/SSLManager.h>
#include <sys/resource.h>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Options
{
	std::string mode;
	std::string url;
	int inFlight = 100;
	int threads = 16;
	int connections = 1;
	double duration = 5;
	double warmUp = 1;
	long postBytes = -1;
	long requests = 0; ///< > 0: exactly this many requests, then stop
};

void usage()
{
	std::cerr << "usage: ClientBench --mode=async|blocking|http1 [--in-flight=N] [--threads=N] [--connections=C]\n"
				 "                   [--duration=S] [--warm-up=S] [--post-bytes=N] [--requests=N] URL\n";
}

Options parseOptions(int argc, char** argv)
	/// Throws Poco::InvalidArgumentException for anything it does not know.
{
	Options options;
	for (int i = 1; i < argc; ++i)
	{
		std::string arg(argv[i]);
		if (arg.compare(0, 2, "--") != 0)
		{
			if (!options.url.empty())
				throw Poco::InvalidArgumentException("more than one URL", arg);
			options.url = arg;
			continue;
		}
		std::string::size_type eq = arg.find('=');
		if (eq == std::string::npos)
			throw Poco::InvalidArgumentException("options take --name=value", arg);
		std::string name = arg.substr(0, eq);
		std::string value = arg.substr(eq + 1);
		bool ok = true;
		if (name == "--mode")
		{
			options.mode = value;
			ok = value == "async" || value == "blocking" || value == "http1";
		}
		else if (name == "--in-flight")
			ok = Poco::NumberParser::tryParse(value, options.inFlight) && options.inFlight >= 1;
		else if (name == "--threads")
			ok = Poco::NumberParser::tryParse(value, options.threads) && options.threads >= 1 && options.threads <= 10000;
		else if (name == "--connections")
			ok = Poco::NumberParser::tryParse(value, options.connections) && options.connections >= 1;
		else if (name == "--duration")
			ok = Poco::NumberParser::tryParseFloat(value, options.duration) && options.duration > 0;
		else if (name == "--warm-up")
			ok = Poco::NumberParser::tryParseFloat(value, options.warmUp) && options.warmUp >= 0;
		else if (name == "--post-bytes")
		{
			Poco::Int64 bytes = 0;
			ok = Poco::NumberParser::tryParse64(value, bytes) && bytes >= 0 && bytes <= (Poco::Int64(1) << 30);
			options.postBytes = static_cast<long>(bytes);
		}
		else if (name == "--requests")
		{
			Poco::Int64 n = 0;
			ok = Poco::NumberParser::tryParse64(value, n) && n >= 1;
			options.requests = static_cast<long>(n);
		}
		else
			ok = false;
		if (!ok)
			throw Poco::InvalidArgumentException("bad option", arg);
	}
	if (options.mode.empty() || options.url.empty())
		throw Poco::InvalidArgumentException("--mode and a URL are required");
	return options;
}

double cpuSeconds()
	/// User plus system CPU time of the whole process so far.
{
	rusage usage{};
	::getrusage(RUSAGE_SELF, &usage);
	return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
		   static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

class Meter
	/// Counts the requests that complete between start() and stop(), and
	/// the process's CPU time and wall time over that window. Thread-safe.
{
public:
	void start()
	{
		_cpu = cpuSeconds();
		_start = Clock::now();
		_base = _completed.load();
		_baseFailures = _failures.load();
	}

	void stop()
	{
		_requests = _completed.load() - _base;
		_failuresInWindow = _failures.load() - _baseFailures;
		_seconds = std::chrono::duration<double>(Clock::now() - _start).count();
		_cpu = cpuSeconds() - _cpu;
	}

	void completed(bool ok, const std::string& error)
	{
		++_completed;
		if (!ok)
		{
			++_failures;
			std::lock_guard<std::mutex> lock(_mutex);
			if (_firstError.empty())
				_firstError = error;
		}
	}

	bool print(const std::string& mode, int connections) const
		/// Prints the result line (and the first failure on stderr); returns
		/// true if nothing failed.
	{
		std::printf("mode=%s requests=%ld failures=%ld seconds=%.3f req_per_s=%.0f cpu_seconds=%.3f "
					"cpu_us_per_request=%.2f connections=%d\n",
			mode.c_str(), _requests, _failuresInWindow, _seconds, _requests / _seconds, _cpu,
			_requests ? _cpu / static_cast<double>(_requests) * 1e6 : 0.0, connections);
		std::fflush(stdout);
		if (!_firstError.empty())
			std::cerr << "ClientBench: first failure: " << _firstError << "\n";
		return _failures == 0;
	}

private:
	std::atomic<long> _completed{0};
	std::atomic<long> _failures{0};
	long _base = 0;
	long _baseFailures = 0;
	long _requests = 0;
	long _failuresInWindow = 0;
	double _seconds = 0;
	double _cpu = 0;
	Clock::time_point _start;
	std::mutex _mutex;
	std::string _firstError;
};

void sleepSeconds(double seconds)
{
	std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
}

void measureTimedWindow(const Options& options, Meter& meter, std::atomic<bool>& stopping)
	// Without --requests: lets the warm-up pass, measures for the duration,
	// then tells the senders to stop. With --requests every request counts.
{
	if (options.requests > 0)
		return;
	sleepSeconds(options.warmUp);
	meter.start();
	sleepSeconds(options.duration);
	meter.stop();
	stopping = true;
}

Poco::Net::HTTPRequest makeRequest(const Options& options, const Poco::URI& uri)
{
	Poco::Net::HTTPRequest request(
		options.postBytes >= 0 ? Poco::Net::HTTPRequest::HTTP_POST : Poco::Net::HTTPRequest::HTTP_GET,
		uri.getPathAndQuery().empty() ? "/" : uri.getPathAndQuery(), Poco::Net::HTTPMessage::HTTP_1_1);
	request.setHost(uri.getHost(), uri.getPort());
	if (options.postBytes >= 0)
	{
		request.setContentType("application/octet-stream");
		request.setContentLength64(options.postBytes);
	}
	return request;
}

Poco::Net::Context::Ptr makeClientContext()
{
	return new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, "", "", "", Poco::Net::Context::VERIFY_NONE, 9,
		false);
}

int runAsync(const Options& options, const Poco::URI& uri, Poco::Net::Context::Ptr pContext)
{
	PocoH2::HTTP2ClientParams params;
	params.setMaxConnections(options.connections);
	PocoH2::HTTP2Client client(uri, pContext, params);
	const Poco::Net::HTTPRequest request = makeRequest(options, uri);
	const std::string body(options.postBytes > 0 ? static_cast<std::size_t>(options.postBytes) : 0, 'p');
	Meter meter;
	std::atomic<bool> stopping{false};
	std::mutex mutex;
	std::condition_variable drained;
	int outstanding = 0;

	std::atomic<long> issued{0};
	// Whether one more request is to be sent: until stopping, or until
	// --requests were issued.
	auto more = [&]
	{ return options.requests > 0 ? issued.fetch_add(1) < options.requests : !stopping.load(); };

	// The completion captures one pointer, so the std::function holding it
	// needs no allocation of its own: the benchmark measures the client, not
	// its own callbacks.
	struct Sender
	{
		std::function<void()> sendNext;
		std::function<void(Poco::Net::HTTPResponse&, std::string&, const Poco::Exception*)> completed;
	} sender;
	Sender* pSender = &sender;
	sender.completed = [&](Poco::Net::HTTPResponse& response, std::string&, const Poco::Exception* pError)
	{
		meter.completed(!pError && response.getStatus() < 400,
			pError ? pError->displayText() : "status " + std::to_string(response.getStatus()));
		if (more())
		{
			pSender->sendNext();
			return;
		}
		// Notify under the lock: main may return, and the condition
		// variable go, as soon as it sees the count.
		std::lock_guard<std::mutex> lock(mutex);
		if (--outstanding == 0)
			drained.notify_all();
	};
	sender.sendNext = [&, pSender]
	{
		client.sendRequestAsync(request, body,
			[pSender](Poco::Net::HTTPResponse& response, std::string& responseBody, const Poco::Exception* pError)
			{ pSender->completed(response, responseBody, pError); });
	};
	auto& sendNext = sender.sendNext;
	if (options.requests > 0)
		meter.start();
	int started = 0;
	for (int i = 0; i < options.inFlight; ++i)
	{
		if (options.requests > 0 && !more())
			break;
		++started;
	}
	outstanding = started;
	for (int i = 0; i < started; ++i)
		sendNext();
	measureTimedWindow(options, meter, stopping);
	{
		std::unique_lock<std::mutex> lock(mutex);
		drained.wait(lock, [&] { return outstanding == 0; });
	}
	if (options.requests > 0)
		meter.stop();
	return meter.print("async", client.totalConnections()) ? 0 : 1;
}

int runThreads(const Options& options, const Poco::URI& uri, Poco::Net::Context::Ptr pContext)
	/// The blocking HTTP2Client or Poco's HTTPClientSession from many threads.
{
	const bool http1 = options.mode == "http1";
	std::unique_ptr<PocoH2::HTTP2Client> pClient;
	if (!http1)
	{
		PocoH2::HTTP2ClientParams params;
		params.setMaxConnections(options.connections);
		pClient = std::make_unique<PocoH2::HTTP2Client>(uri, pContext, params);
	}
	const Poco::Net::HTTPRequest prototype = makeRequest(options, uri);
	const std::string body(options.postBytes > 0 ? static_cast<std::size_t>(options.postBytes) : 0, 'p');
	Meter meter;
	std::atomic<bool> stopping{false};
	std::atomic<long> issued{0};
	auto more = [&]
	{ return options.requests > 0 ? issued.fetch_add(1) < options.requests : !stopping.load(); };
	if (options.requests > 0)
		meter.start();
	std::vector<std::thread> threads;
	for (int t = 0; t < options.threads; ++t)
	{
		threads.emplace_back(
			[&]
			{
				std::unique_ptr<Poco::Net::HTTPClientSession> pSession;
				if (http1)
				{
					if (pContext)
						pSession = std::make_unique<Poco::Net::HTTPSClientSession>(uri.getHost(), uri.getPort(), pContext);
					else
						pSession = std::make_unique<Poco::Net::HTTPClientSession>(uri.getHost(), uri.getPort());
					pSession->setKeepAlive(true);
				}
				Poco::NullOutputStream discard;
				while (more())
				{
					Poco::Net::HTTPRequest request(prototype);
					Poco::Net::HTTPResponse response;
					std::string error;
					try
					{
						if (pSession)
						{
							request.setKeepAlive(true);
							pSession->sendRequest(request) << body;
							Poco::StreamCopier::copyStream(pSession->receiveResponse(response), discard);
						}
						else
							pClient->sendRequest(request, response, body);
						if (response.getStatus() >= 400)
							error = "status " + std::to_string(response.getStatus());
					}
					catch (const Poco::Exception& e)
					{
						error = e.displayText();
					}
					meter.completed(error.empty(), error);
				}
			});
	}
	measureTimedWindow(options, meter, stopping);
	for (auto& thread : threads)
		thread.join();
	if (options.requests > 0)
		meter.stop();
	return meter.print(options.mode, http1 ? options.threads : pClient->totalConnections()) ? 0 : 1;
}

} // namespace

int main(int argc, char** argv)
{
	Options options;
	try
	{
		options = parseOptions(argc, argv);
	}
	catch (const Poco::Exception& e)
	{
		std::cerr << "ClientBench: " << e.displayText() << "\n";
		usage();
		return 2;
	}
	try
	{
		Poco::Net::initializeSSL();
		const Poco::URI uri(options.url);
		if (uri.getScheme() != "http" && uri.getScheme() != "https")
			throw Poco::InvalidArgumentException("the URL must be http:// or https://", options.url);
		Poco::Net::Context::Ptr pContext = uri.getScheme() == "https" ? makeClientContext() : nullptr;
		int status = options.mode == "async" ? runAsync(options, uri, pContext) : runThreads(options, uri, pContext);
		Poco::Net::uninitializeSSL();
		return status;
	}
	catch (const Poco::Exception& e)
	{
		std::cerr << "ClientBench: " << e.displayText() << "\n";
		return 1;
	}
}
