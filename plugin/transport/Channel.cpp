#include "transport/Channel.h"
#include <cerrno>
#include <cstring>
#include <sys/socket.h>
#include <unistd.h>

namespace PocoH2 {
namespace Transport {

Channel::Channel(int fd): _fd(fd)
{
}

Channel::~Channel()
{
	if (_fd >= 0)
		::close(_fd);
}

IoResult Channel::read(void* buffer, std::size_t length)
{
	for (;;)
	{
		const ssize_t n = ::recv(_fd, buffer, length, 0);
		if (n > 0)
			return {IoResult::OK, static_cast<std::size_t>(n)};
		if (n == 0)
			return {IoResult::CLOSED, 0};
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return {IoResult::WOULD_BLOCK, 0};
		if (errno == ECONNRESET)
			return {IoResult::CLOSED, 0};
		_lastError = std::strerror(errno);
		return {IoResult::FAILED, 0};
	}
}

IoResult Channel::write(const void* buffer, std::size_t length)
{
	for (;;)
	{
		const ssize_t n = ::send(_fd, buffer, length, MSG_NOSIGNAL);
		if (n >= 0)
			return {IoResult::OK, static_cast<std::size_t>(n)};
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return {IoResult::WOULD_BLOCK, 0};
		if (errno == EPIPE || errno == ECONNRESET)
			return {IoResult::CLOSED, 0};
		_lastError = std::strerror(errno);
		return {IoResult::FAILED, 0};
	}
}

int Channel::releaseFd()
{
	const int fd = _fd;
	_fd = -1;
	return fd;
}

} // namespace Transport
} // namespace PocoH2
