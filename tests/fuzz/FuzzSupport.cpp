#include "FuzzSupport.h"
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace PocoH2Fuzz {

const std::string CLIENT_PREFACE("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

std::string frame(std::uint8_t type, std::uint8_t flags, std::uint32_t streamId, const std::string& payload)
{
	std::string bytes;
	const std::size_t length = payload.size();
	bytes += static_cast<char>((length >> 16) & 0xff);
	bytes += static_cast<char>((length >> 8) & 0xff);
	bytes += static_cast<char>(length & 0xff);
	bytes += static_cast<char>(type);
	bytes += static_cast<char>(flags);
	bytes += static_cast<char>((streamId >> 24) & 0x7f);
	bytes += static_cast<char>((streamId >> 16) & 0xff);
	bytes += static_cast<char>((streamId >> 8) & 0xff);
	bytes += static_cast<char>(streamId & 0xff);
	return bytes + payload;
}

std::string emptySettings()
{
	return frame(0x4, 0, 0, std::string());
}

namespace {

[[noreturn]] void fail(const char* what)
{
	std::fprintf(stderr, "fuzz harness: %s: %s\n", what, std::strerror(errno));
	std::abort();
}

sockaddr_in loopback(std::uint16_t port)
{
	sockaddr_in address{};
	address.sin_family = AF_INET;
	address.sin_port = htons(port);
	address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return address;
}

int remaining(std::chrono::steady_clock::time_point deadline)
{
	const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
	return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

} // namespace

int listenLoopback(std::uint16_t& port)
{
	const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		fail("socket");
	sockaddr_in address = loopback(0);
	if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 || ::listen(fd, 64) != 0)
		fail("bind/listen");
	socklen_t length = sizeof(address);
	::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
	port = ntohs(address.sin_port);
	return fd;
}

int connectLoopback(std::uint16_t port)
{
	const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		fail("socket");
	sockaddr_in address = loopback(port);
	if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0)
	{
		// libFuzzer's timeout alarm (SIGALRM) can interrupt connect(); the
		// connection then goes on in the background: wait for it to finish
		// and take its outcome from SO_ERROR (calling connect() again would
		// say EALREADY).
		if (errno != EINTR)
			fail("connect");
		pollfd p{fd, POLLOUT, 0};
		while (::poll(&p, 1, -1) < 0)
		{
			if (errno != EINTR)
				fail("poll after an interrupted connect");
		}
		int error = 0;
		socklen_t length = sizeof(error);
		::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length);
		if (error != 0)
		{
			errno = error;
			fail("connect");
		}
	}
	const int one = 1;
	::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

int acceptWithin(int listenFd, std::chrono::milliseconds timeout)
{
	// libFuzzer's timeout alarm (SIGALRM) interrupts poll(): wait out the
	// rest instead of taking EINTR for "nobody connected".
	const auto deadline = std::chrono::steady_clock::now() + timeout;
	for (;;)
	{
		const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
			deadline - std::chrono::steady_clock::now());
		pollfd p{listenFd, POLLIN, 0};
		const int rc = ::poll(&p, 1, static_cast<int>(std::max<std::chrono::milliseconds::rep>(left.count(), 0)));
		if (rc > 0)
		{
			const int fd = ::accept4(listenFd, nullptr, nullptr, SOCK_CLOEXEC);
			if (fd < 0 && errno == EINTR)
				continue;
			return fd;
		}
		if (rc == 0 || errno != EINTR)
			return -1;
	}
}

void writeAll(int fd, const std::uint8_t* data, std::size_t length)
{
	while (length > 0)
	{
		const ssize_t n = ::send(fd, data, length, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return; // the peer closed: what it did with the bytes so far is the test
		data += n;
		length -= static_cast<std::size_t>(n);
	}
}

ReadResult readUntil(int fd, const std::string& marker, std::chrono::milliseconds timeout)
{
	const auto deadline = std::chrono::steady_clock::now() + timeout;
	std::string tail; // the last bytes read, enough to find a marker split over two reads
	char buffer[16384];
	for (;;)
	{
		pollfd p{fd, POLLIN, 0};
		const int ready = ::poll(&p, 1, remaining(deadline));
		if (ready == 0)
			return ReadResult::TIMEOUT;
		if (ready < 0)
		{
			if (errno == EINTR)
				continue;
			fail("poll");
		}
		const ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return ReadResult::CLOSED;
		if (marker.empty())
			continue;
		tail.append(buffer, static_cast<std::size_t>(n));
		if (tail.find(marker) != std::string::npos)
			return ReadResult::FOUND;
		if (tail.size() > marker.size())
			tail.erase(0, tail.size() - marker.size());
	}
}

void hang(const char* what)
{
	std::fprintf(stderr, "fuzz harness: %s\n", what);
	std::abort();
}

} // namespace PocoH2Fuzz
