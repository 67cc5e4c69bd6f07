//
// MemoryTest.cpp
//
// The server's resident memory during 1 GiB transfers (issue 3): uploads
// stream with back-pressure, downloads through a bounded per-stream buffer,
// sendFile from disk without reading the file whole. The server runs in a
// process of its own (pocoh2_e2e_server), so that /proc/<pid>/status shows
// its memory alone; curl is the peer.
//

#include "ServerFixture.h"

#include <Poco/File.h>
#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>
#include <Poco/TemporaryFile.h>
#include <Poco/Timestamp.h>
#include <atomic>
#include <chrono>
#include <fstream>
#include <gtest/gtest.h>
#include <memory>
#include <thread>
#include <unistd.h>

using namespace PocoH2Test;

namespace {

constexpr Poco::UInt64 ONE_GIB = Poco::UInt64(1) << 30;
constexpr long MAX_GROWTH_KIB = 16 * 1024;

long residentKiB(int pid)
	/// Returns the VmRSS of pid in KiB, or -1 if the process is gone.
{
	std::ifstream status("/proc/" + std::to_string(pid) + "/status");
	std::string line;
	while (std::getline(status, line))
	{
		if (line.rfind("VmRSS:", 0) == 0)
			return std::stol(line.substr(6));
	}
	return -1;
}

class ServerProcess
	/// pocoh2_e2e_server as a child process. It exits when its stdin closes,
	/// so it does not outlive the test even if the test crashes.
{
public:
	explicit ServerProcess(const std::vector<std::string>& arguments = {}):
		_handle(Poco::Process::launch(E2E_SERVER, arguments, &_stdin, &_stdout, nullptr))
	{
		Poco::PipeInputStream out(_stdout);
		std::string line;
		std::getline(out, line);
		const std::string::size_type colon = line.rfind(':');
		if (line.rfind("listening cleartext on 127.0.0.1:", 0) != 0 || colon == std::string::npos)
			throw Poco::RuntimeException("pocoh2_e2e_server did not start", line);
		_port = static_cast<Poco::UInt16>(std::stoi(line.substr(colon + 1)));
	}

	~ServerProcess()
	{
		try
		{
			_stdin.close(Poco::Pipe::CLOSE_WRITE);
			for (int i = 0; i < 100; ++i)
			{
				if (_handle.tryWait() != -1)
					return;
				std::this_thread::sleep_for(std::chrono::milliseconds(50));
			}
			Poco::Process::kill(_handle);
			_handle.wait();
		}
		catch (const Poco::Exception& exc)
		{
			std::fprintf(stderr, "stopping pocoh2_e2e_server: %s\n", exc.displayText().c_str());
		}
	}

	ServerProcess(const ServerProcess&) = delete;
	ServerProcess& operator=(const ServerProcess&) = delete;

	int pid() const { return _handle.id(); }
	std::string url(const std::string& pathAndQuery) const
	{
		return "http://127.0.0.1:" + std::to_string(_port) + pathAndQuery;
	}

private:
	Poco::Pipe _stdin;
	Poco::Pipe _stdout;
	Poco::ProcessHandle _handle;
	Poco::UInt16 _port = 0;
};

class ResidentSetSampler
	/// Reads a process's VmRSS every 100 ms on a thread of its own, from
	/// construction to stop(), and keeps the largest value.
{
public:
	explicit ResidentSetSampler(int pid): _pid(pid), _max(residentKiB(pid))
	{
		_thread = std::thread(
			[this]
			{
				while (!_stopped)
				{
					const long kib = residentKiB(_pid);
					if (kib > _max)
						_max = kib;
					std::this_thread::sleep_for(std::chrono::milliseconds(100));
				}
			});
	}

	~ResidentSetSampler() { stop(); }

	long stop()
		/// Stops sampling and returns the largest VmRSS seen, in KiB.
	{
		_stopped = true;
		if (_thread.joinable())
			_thread.join();
		return _max;
	}

private:
	const int _pid;
	std::atomic<bool> _stopped{false};
	std::atomic<long> _max;
	std::thread _thread;
};

long baselineAfterWarmUp(const ServerProcess& server)
	/// One small upload and one small download first, so that the baseline
	/// includes what any first request costs once (handler and loop threads'
	/// buffers and stacks), not what the size of a transfer costs.
{
	runCommand("head -c 1048576 /dev/zero | timeout 20 curl --http2-prior-knowledge -sS -o /dev/null -T - " +
		shellQuote(server.url("/sink")));
	runCommand("timeout 20 curl --http2-prior-knowledge -sS -o /dev/null " +
		shellQuote(server.url("/stream?bytes=1048576")));
	return residentKiB(server.pid());
}

struct Transfer
{
	CommandResult result;
	long baselineKiB;
	long maxKiB;
};

Transfer measure(const ServerProcess& server, const std::string& command)
{
	Transfer transfer;
	const long startKiB = residentKiB(server.pid());
	transfer.baselineKiB = baselineAfterWarmUp(server);
	std::printf("server VmRSS at start %ld KiB, after warm-up %ld KiB\n", startKiB, transfer.baselineKiB);
	ResidentSetSampler sampler(server.pid());
	Poco::Timestamp started;
	transfer.result = runCommand(command);
	const double seconds = static_cast<double>(started.elapsed()) / Poco::Timestamp::resolution();
	transfer.maxKiB = sampler.stop();
	std::printf("%s\n-> %s in %.3f s\nserver VmRSS max %ld KiB, growth %ld KiB\n", command.c_str(),
		transfer.result.output.c_str(), seconds, transfer.maxKiB, transfer.maxKiB - transfer.baselineKiB);
	return transfer;
}

TEST(MemoryTest, Upload1GiBKeepsResidentSetFlat)
{
	ServerProcess server;
	const Transfer transfer = measure(server,
		"head -c " + std::to_string(ONE_GIB) +
			" /dev/zero | timeout 60 curl --http2-prior-knowledge -sS -T - -w ' %{http_code} %{http_version}' " +
			shellQuote(server.url("/sink")) + " 2>&1");
	// /sink answers the number of bytes it read.
	EXPECT_EQ(std::to_string(ONE_GIB) + " 200 2", transfer.result.output);
	EXPECT_EQ(0, transfer.result.exitCode);
	EXPECT_LT(transfer.maxKiB - transfer.baselineKiB, MAX_GROWTH_KIB)
		<< "a 1 GiB upload grew the server's resident set from " << transfer.baselineKiB << " to "
		<< transfer.maxKiB << " KiB";
}

TEST(MemoryTest, SlowHandlerUpload256MiBKeepsResidentSetFlat)
{
	// The handler reads at most 100 MiB/s, slower than curl sends: the
	// server must hold curl back with its windows, not buffer the difference.
	// 256 MiB (about 3 s) is 16 times the allowed growth.
	const Poco::UInt64 bytes = 256 * 1024 * 1024;
	ServerProcess server;
	const Transfer transfer = measure(server,
		"head -c " + std::to_string(bytes) +
			" /dev/zero | timeout 60 curl --http2-prior-knowledge -sS -T - -w ' %{http_code} %{http_version}' " +
			shellQuote(server.url("/sink?delayMsPerMiB=10")) + " 2>&1");
	EXPECT_EQ(std::to_string(bytes) + " 200 2", transfer.result.output);
	EXPECT_EQ(0, transfer.result.exitCode);
	EXPECT_LT(transfer.maxKiB - transfer.baselineKiB, MAX_GROWTH_KIB)
		<< "a 256 MiB upload to a slow handler grew the server's resident set from " << transfer.baselineKiB
		<< " to " << transfer.maxKiB << " KiB";
}

TEST(MemoryTest, SlowReaderDownload1GiBKeepsResidentSetFlat)
{
	ServerProcess server;
	const Transfer transfer = measure(server,
		"timeout 60 curl --http2-prior-knowledge -sS --limit-rate 300M -o /dev/null "
		"-w '%{http_code} %{http_version} %{size_download}' " +
			shellQuote(server.url("/stream?bytes=" + std::to_string(ONE_GIB))) + " 2>&1");
	EXPECT_EQ("200 2 " + std::to_string(ONE_GIB), transfer.result.output);
	EXPECT_EQ(0, transfer.result.exitCode);
	EXPECT_LT(transfer.maxKiB - transfer.baselineKiB, MAX_GROWTH_KIB)
		<< "a 1 GiB download grew the server's resident set from " << transfer.baselineKiB << " to "
		<< transfer.maxKiB << " KiB";
}

TEST(MemoryTest, InlineHandlerDownload256MiBKeepsResidentSetFlat)
{
	// A handler on the loop thread cannot wait for room: what it writes is
	// held, and whenever another buffer's worth has gathered the server
	// reads the peer's WINDOW_UPDATEs and sends what the socket takes. A
	// peer that keeps up (curl at full speed) keeps the growth to what the
	// handler gets ahead of the socket (6-17 MiB seen here: it writes from
	// memory, faster than loopback drains). Held whole until the handler
	// returned, as before bf58ddf, the response grew the server by 255 MiB;
	// sent as written but without reading the WINDOW_UPDATEs, by 235 MiB.
	const Poco::UInt64 bytes = 256 * 1024 * 1024;
	const long maxGrowthKiB = 64 * 1024;
	ServerProcess server({"--inline-handlers"});
	const Transfer transfer = measure(server,
		"timeout 60 curl --http2-prior-knowledge -sS -o /dev/null -w '%{http_code} %{http_version} %{size_download}' " +
			shellQuote(server.url("/stream?bytes=" + std::to_string(bytes))) + " 2>&1");
	EXPECT_EQ("200 2 " + std::to_string(bytes), transfer.result.output);
	EXPECT_EQ(0, transfer.result.exitCode);
	EXPECT_LT(transfer.maxKiB - transfer.baselineKiB, maxGrowthKiB)
		<< "a 256 MiB response from an inline handler grew the server's resident set from " << transfer.baselineKiB
		<< " to " << transfer.maxKiB << " KiB";
}

TEST(MemoryTest, SendFile256MiBKeepsResidentSetFlat)
{
	// A sparse file: nothing to write to disk. Reading it whole would cost
	// 256 MiB whatever the reader's speed, so curl reads at full speed.
	const Poco::UInt64 bytes = 256 * 1024 * 1024;
	Poco::TemporaryFile file;
	file.createFile();
	ASSERT_EQ(0, ::truncate(file.path().c_str(), static_cast<off_t>(bytes)));
	ServerProcess server({"--file=" + file.path()});
	const Transfer transfer = measure(server,
		"timeout 60 curl --http2-prior-knowledge -sS -o /dev/null -w '%{http_code} %{http_version} %{size_download}' " +
			shellQuote(server.url("/file")) + " 2>&1");
	EXPECT_EQ("200 2 " + std::to_string(bytes), transfer.result.output);
	EXPECT_EQ(0, transfer.result.exitCode);
	EXPECT_LT(transfer.maxKiB - transfer.baselineKiB, MAX_GROWTH_KIB)
		<< "sendFile of a 256 MiB file grew the server's resident set from " << transfer.baselineKiB << " to "
		<< transfer.maxKiB << " KiB";
}

} // namespace
