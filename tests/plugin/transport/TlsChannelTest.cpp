// TlsChannel's write side: records sealed into the channel's own buffer and
// sent in one go, what the socket does not take held for flush(), and the
// SSL object handed over (HTTP/1.1) writing to the socket itself.
#include "PocoH2/SelfSignedCertificate.h"
#include "transport/TlsChannel.h"
#include <Poco/File.h>
#include <Poco/Path.h>
#include <Poco/TemporaryFile.h>
#include <gtest/gtest.h>
#include <memory>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <string>
#include <sys/socket.h>
#include <unistd.h>

using PocoH2::Transport::IoResult;
using PocoH2::Transport::TlsChannel;

namespace {

struct SslCtxDeleter
{
	void operator()(SSL_CTX* p) const { SSL_CTX_free(p); }
};
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxDeleter>;

class TlsChannelTest : public ::testing::Test
	/// A server TlsChannel and a plain OpenSSL client on the two ends of a
	/// socketpair, both non-blocking and driven from the test's thread.
{
protected:
	static void SetUpTestSuite()
	{
		_pDirectory = new std::string(Poco::TemporaryFile::tempName());
		Poco::File(*_pDirectory).createDirectories();
		PocoH2::SelfSignedCertificate::create(path("cert.pem"), path("key.pem"));
	}

	static void TearDownTestSuite()
	{
		Poco::File(*_pDirectory).remove(true);
		delete _pDirectory;
		_pDirectory = nullptr;
	}

	static std::string path(const std::string& name)
	{
		return Poco::Path(Poco::Path::forDirectory(*_pDirectory), name).toString();
	}

	void SetUp() override
	{
		_pServerContext.reset(SSL_CTX_new(TLS_server_method()));
		ASSERT_TRUE(_pServerContext);
		ASSERT_EQ(SSL_CTX_use_certificate_file(_pServerContext.get(), path("cert.pem").c_str(), SSL_FILETYPE_PEM), 1);
		ASSERT_EQ(SSL_CTX_use_PrivateKey_file(_pServerContext.get(), path("key.pem").c_str(), SSL_FILETYPE_PEM), 1);
		_pClientContext.reset(SSL_CTX_new(TLS_client_method()));
		ASSERT_TRUE(_pClientContext);
		int fds[2];
		ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds), 0);
		_clientFd = fds[1];
		_pServer = std::make_unique<TlsChannel>(fds[0], _pServerContext.get());
		_pClient.reset(SSL_new(_pClientContext.get()));
		SSL_set_fd(_pClient.get(), _clientFd);
		SSL_set_connect_state(_pClient.get());
		bool serverDone = false;
		bool clientDone = false;
		for (int round = 0; round < 100 && !(serverDone && clientDone); ++round)
		{
			if (!clientDone)
			{
				const int rc = SSL_do_handshake(_pClient.get());
				const int error = rc == 1 ? SSL_ERROR_NONE : SSL_get_error(_pClient.get(), rc);
				ASSERT_TRUE(error == SSL_ERROR_NONE || error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE)
					<< PocoH2::Transport::openSslErrors();
				clientDone = rc == 1;
			}
			if (!serverDone)
			{
				const TlsChannel::Handshake state = _pServer->handshake();
				ASSERT_NE(state, TlsChannel::Handshake::FAILED) << _pServer->lastError();
				serverDone = state == TlsChannel::Handshake::DONE;
			}
		}
		ASSERT_TRUE(serverDone && clientDone) << "the handshake did not finish";
	}

	void TearDown() override
	{
		_pServer.reset();
		_pClient.reset();
		if (_clientFd >= 0)
			::close(_clientFd);
		ERR_clear_error();
	}

	std::string clientReads(std::size_t atMost)
		/// What the client can decrypt now, up to atMost bytes.
	{
		std::string received;
		char buffer[16384];
		std::size_t n = 0;
		while (received.size() < atMost && SSL_read_ex(_pClient.get(), buffer, sizeof(buffer), &n) == 1)
			received.append(buffer, n);
		ERR_clear_error();
		return received;
	}

	static std::string pattern(std::size_t length)
	{
		std::string bytes(length, '\0');
		for (std::size_t i = 0; i < length; ++i)
			bytes[i] = static_cast<char>('a' + (i * 7 + i / 4096) % 26);
		return bytes;
	}

	static std::string* _pDirectory;
	SslCtxPtr _pServerContext;
	SslCtxPtr _pClientContext;
	std::unique_ptr<TlsChannel> _pServer;
	PocoH2::Transport::SslPtr _pClient;
	int _clientFd = -1;
};

std::string* TlsChannelTest::_pDirectory = nullptr;

TEST_F(TlsChannelTest, SealsABatchOfRecordsInOneWrite)
{
	// 64 KiB is four records: one write() takes all of it (OpenSSL's
	// partial-write mode would stop after the first record), and the socket
	// (its buffer is larger) has all four once it returns.
	const std::string body = pattern(64 * 1024);
	const IoResult result = _pServer->write(body.data(), body.size());
	ASSERT_EQ(result.status, IoResult::OK) << _pServer->lastError();
	EXPECT_EQ(result.n, body.size());
	EXPECT_FALSE(_pServer->holdsUnsentData());
	const std::string received = clientReads(body.size());
	EXPECT_EQ(received.size(), body.size());
	EXPECT_TRUE(received == body) << "the bytes arrived changed";
}

TEST_F(TlsChannelTest, HoldsWhatTheSocketDoesNotTakeUntilFlushed)
{
	int small = 4096;
	ASSERT_EQ(::setsockopt(_pServer->fd(), SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)), 0);
	const std::string body = pattern(256 * 1024);
	const IoResult result = _pServer->write(body.data(), body.size());
	ASSERT_EQ(result.status, IoResult::OK) << _pServer->lastError();
	EXPECT_EQ(result.n, body.size()) << "a write seals up to 256 KiB";
	ASSERT_TRUE(_pServer->holdsUnsentData()) << "the socket cannot have taken 256 KiB";
	EXPECT_EQ(_pServer->flush().status, IoResult::WOULD_BLOCK);
	// No more is sealed behind records that wait.
	EXPECT_EQ(_pServer->write("x", 1).status, IoResult::WOULD_BLOCK);

	std::string received;
	for (int round = 0; round < 10000 && received.size() < body.size(); ++round)
	{
		received += clientReads(body.size() - received.size());
		const IoResult flushed = _pServer->flush();
		ASSERT_NE(flushed.status, IoResult::FAILED) << _pServer->lastError();
		ASSERT_NE(flushed.status, IoResult::CLOSED);
	}
	ASSERT_EQ(received.size(), body.size());
	EXPECT_TRUE(received == body) << "the bytes arrived changed or out of order";
	EXPECT_FALSE(_pServer->holdsUnsentData());
	EXPECT_EQ(_pServer->flush().status, IoResult::OK);

	const IoResult more = _pServer->write("more", 4);
	ASSERT_EQ(more.status, IoResult::OK);
	EXPECT_EQ(clientReads(4), "more");
}

TEST_F(TlsChannelTest, HandedOverObjectWritesToTheSocket)
{
	// The HTTP/1.1 hand-off: the SSL object outlives the channel and must
	// not write into the channel's buffer.
	const int fd = _pServer->fd();
	PocoH2::Transport::SslPtr pSsl = _pServer->releaseSsl();
	ASSERT_TRUE(pSsl);
	_pServer->releaseFd();
	_pServer.reset();
	const std::string body = pattern(20000);
	std::size_t n = 0;
	ASSERT_EQ(SSL_write_ex(pSsl.get(), body.data(), body.size(), &n), 1) << PocoH2::Transport::openSslErrors();
	EXPECT_EQ(n, body.size()) << "the handed-over object writes all it is given";
	const std::string received = clientReads(body.size());
	EXPECT_EQ(received.size(), body.size());
	EXPECT_TRUE(received == body) << "the bytes arrived changed";
	pSsl.reset();
	::close(fd);
}

} // namespace
