//
// FuzzSupport.h
//
// Helpers shared by the libFuzzer targets: loopback TCP sockets with bounded
// waits, and the few HTTP/2 frames the harnesses add around fuzzed bytes.
//

#ifndef PocoH2_Tests_FuzzSupport_INCLUDED
#define PocoH2_Tests_FuzzSupport_INCLUDED

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

namespace PocoH2Fuzz {

extern const std::string CLIENT_PREFACE;
	/// "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".

std::string frame(std::uint8_t type, std::uint8_t flags, std::uint32_t streamId, const std::string& payload);
	/// One HTTP/2 frame: 9-byte header and payload.

std::string emptySettings();
	/// A SETTINGS frame without parameters.

int listenLoopback(std::uint16_t& port);
	/// A blocking listening socket on 127.0.0.1, port chosen by the OS.

int connectLoopback(std::uint16_t port);
	/// A blocking TCP connection to 127.0.0.1:port; aborts on failure.

int acceptWithin(int listenFd, std::chrono::milliseconds timeout);
	/// The next connection on listenFd, or -1 if none came within timeout.

void writeAll(int fd, const std::uint8_t* data, std::size_t length);
	/// Writes as much as the peer takes; stops quietly when it closed.

enum class ReadResult
{
	FOUND,	 ///< the bytes looked for arrived
	CLOSED,	 ///< the peer closed (or reset) the connection
	TIMEOUT	 ///< neither within the time allowed
};

ReadResult readUntil(int fd, const std::string& marker, std::chrono::milliseconds timeout);
	/// Reads and discards until marker is among the bytes read (an empty
	/// marker waits for the end of the stream), the peer closes, or timeout.

[[noreturn]] void hang(const char* what);
	/// Reports a peer that neither answered nor closed in time, and aborts so
	/// that libFuzzer records the input.

} // namespace PocoH2Fuzz

#endif
