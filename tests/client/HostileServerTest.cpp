// HTTP2Client against a hostile server (hostile_server.py: raw frames): every
// misbehaviour ends in a specific exception within a bounded time, the
// connection is torn down with the GOAWAY or RST_STREAM RFC 9113 asks for
// (the server records what it received), and the next request works on the
// same connection (stream errors) or a new one (connection errors).
#include "ClientTestSupport.h"
#include "PocoH2/HTTP2Client.h"
#include "PocoH2/HTTP2ClientSession.h"
#include "PocoH2/HTTP2Exception.h"
#include "PocoH2/SelfSignedCertificate.h"
#include "codec/Http2Codec.h"
#include <Poco/FileStream.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <Poco/TemporaryFile.h>
#include <chrono>
#include <future>
#include <iostream>
#include <gtest/gtest.h>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

using namespace Poco::Net;
using PocoH2::HTTP2Client;
using PocoH2::HTTP2ClientParams;
using Clock = std::chrono::steady_clock;

namespace {

const std::string SCRIPT = std::string(POCOH2_CLIENT_TEST_DIR) + "/hostile_server.py";

// What one scenario may take at most, timeouts included.
constexpr auto BOUND = std::chrono::seconds(5);

class HostileServer
	/// hostile_server.py running one scenario, cleartext or TLS, with the
	/// file it records the client's frames in.
{
public:
	explicit HostileServer(const std::string& scenario, bool tls = false, const std::string& alpn = "h2")
	{
		_directory.createDirectories();
		_record = _directory.path() + "/record.txt";
		std::vector<std::string> args{SCRIPT, scenario, _record};
		if (tls)
		{
			PocoH2::SelfSignedCertificate::create(_directory.path() + "/cert.pem", _directory.path() + "/key.pem");
			args.insert(args.end(), {"--tls", _directory.path() + "/cert.pem", _directory.path() + "/key.pem", "--alpn", alpn});
		}
		_pChild = std::make_unique<PocoH2Test::ChildServer>("/usr/bin/python3", args, true);
	}

	Poco::UInt16 port() const { return _pChild->port(); }

	std::string records() const
	{
		std::string text;
		try
		{
			Poco::FileInputStream in(_record);
			Poco::StreamCopier::copyToString(in, text);
		}
		catch (Poco::FileNotFoundException&)
		{
		}
		return text;
	}

	bool waitFor(const std::string& line, std::chrono::milliseconds timeout = std::chrono::milliseconds(3000)) const
		/// Waits until the record holds line (a whole line, or a prefix of one).
	{
		const auto deadline = Clock::now() + timeout;
		do
		{
			if (("\n" + records()).find("\n" + line) != std::string::npos)
				return true;
			std::this_thread::sleep_for(std::chrono::milliseconds(20));
		} while (Clock::now() < deadline);
		return false;
	}

private:
	Poco::TemporaryFile _directory;
	std::string _record;
	std::unique_ptr<PocoH2Test::ChildServer> _pChild;
};

HTTP2ClientParams quickParams()
{
	HTTP2ClientParams params;
	params.setTimeout(Poco::Timespan(0, 800 * 1000));
	params.setConnectTimeout(Poco::Timespan(0, 800 * 1000));
	params.setKeepAliveInterval(0);
	return params;
}

std::string get(HTTP2Client& client, const std::string& path)
{
	HTTPRequest request(HTTPRequest::HTTP_GET, path);
	HTTPResponse response;
	return client.sendRequest(request, response);
}

template <typename E>
E expectFailure(HTTP2Client& client, const std::string& path = "/bad")
	/// Runs a request that must throw E within BOUND; returns the exception.
{
	const auto start = Clock::now();
	try
	{
		const std::string body = get(client, path);
		ADD_FAILURE() << "no exception, body: " << body;
	}
	catch (E& exc)
	{
		std::cout << "  " << exc.className() << " (code " << exc.code() << "): " << exc.displayText() << std::endl;
		EXPECT_LT(Clock::now() - start, BOUND) << exc.displayText();
		return exc;
	}
	catch (Poco::Exception& exc)
	{
		ADD_FAILURE() << "unexpected " << exc.className() << ": " << exc.displayText();
	}
	return E("no exception");
}

bool contains(const std::string& text, const std::string& part)
{
	return text.find(part) != std::string::npos;
}

struct ErrorCase
{
	const char* scenario;
	int code;			///< the HTTP/2 error code expected
	const char* reason; ///< part of the message naming the problem
};

std::ostream& operator<<(std::ostream& out, const ErrorCase& errorCase)
{
	return out << errorCase.scenario;
}

std::string caseName(const ::testing::TestParamInfo<ErrorCase>& info)
{
	return info.param.scenario;
}

} // namespace

// ---- malformed responses: stream errors (RFC 9113 §8.1.1) ----

class MalformedResponse : public ::testing::TestWithParam<ErrorCase>
{
};

TEST_P(MalformedResponse, ResetsTheStreamAndKeepsTheConnection)
{
	HostileServer server(GetParam().scenario);
	HTTP2Client client("127.0.0.1", server.port(), quickParams());
	const auto exc = expectFailure<PocoH2::HTTP2StreamResetException>(client);
	EXPECT_EQ(exc.code(), GetParam().code) << exc.displayText();
	EXPECT_TRUE(contains(exc.displayText(), GetParam().reason)) << exc.displayText();
	EXPECT_TRUE(server.waitFor("1 RST_STREAM 1 PROTOCOL_ERROR")) << server.records();
	// The connection stays: the next request goes over it.
	EXPECT_EQ(get(client, "/ok"), "1 3");
	EXPECT_EQ(client.totalConnections(), 1);
	EXPECT_FALSE(contains(server.records(), "GOAWAY")) << server.records();
}

INSTANTIATE_TEST_SUITE_P(Hostile, MalformedResponse,
	::testing::Values(ErrorCase{"no_status", 1, "malformed response"},
		ErrorCase{"status_not_3_digits", 1, "malformed response"},
		ErrorCase{"status_not_numeric", 1, "malformed response"},
		ErrorCase{"duplicate_status", 1, "malformed response"},
		ErrorCase{"pseudo_after_regular", 1, "malformed response"},
		ErrorCase{"uppercase_name", 1, "malformed response"},
		ErrorCase{"connection_header", 1, "malformed response"},
		ErrorCase{"transfer_encoding", 1, "malformed response"},
		ErrorCase{"request_pseudo", 1, "malformed response"},
		ErrorCase{"content_length_more", 1, "malformed response"},
		ErrorCase{"content_length_fewer", 1, "malformed response"}),
	caseName);

// ---- connection errors: GOAWAY with the code, a new connection after ----

class ConnectionError : public ::testing::TestWithParam<ErrorCase>
{
};

TEST_P(ConnectionError, SendsGoAwayAndTheNextRequestUsesANewConnection)
{
	HostileServer server(GetParam().scenario);
	HTTP2Client client("127.0.0.1", server.port(), quickParams());
	const auto exc = expectFailure<PocoH2::HTTP2Exception>(client);
	EXPECT_EQ(exc.code(), GetParam().code) << exc.displayText();
	EXPECT_TRUE(contains(exc.displayText(), std::string(PocoH2::Codec::http2ErrorCodeName(GetParam().code)))) << exc.displayText();
	EXPECT_TRUE(contains(exc.displayText(), GetParam().reason)) << exc.displayText();
	EXPECT_TRUE(server.waitFor("1 GOAWAY " + std::string(PocoH2::Codec::http2ErrorCodeName(GetParam().code)))) << server.records();
	EXPECT_TRUE(server.waitFor("1 EOF")) << server.records();
	EXPECT_EQ(get(client, "/ok").substr(0, 2), "2 ");
	EXPECT_EQ(client.totalConnections(), 2);
}

INSTANTIATE_TEST_SUITE_P(Hostile, ConnectionError,
	::testing::Values(ErrorCase{"headers_on_idle_stream", 1, "HEADERS"},
		// Malformed, but nghttp2 makes it a connection error (RFC 9113 §5.4.1 allows that).
		ErrorCase{"data_before_headers", 1, "DATA"},
		ErrorCase{"push_promise", 1, "PUSH_PROMISE"},
		ErrorCase{"oversized_data", 6, "too large"},
		ErrorCase{"window_overflow_connection", 3, "flow control"},
		ErrorCase{"hpack_garbage", 9, "HPACK"},
		ErrorCase{"settings_enable_push_2", 1, "SETTINGS"},
		ErrorCase{"settings_window_too_large", 3, "SETTINGS"},
		ErrorCase{"settings_frame_size_too_small", 1, "SETTINGS"},
		ErrorCase{"settings_frame_size_too_large", 1, "SETTINGS"},
		ErrorCase{"bad_preface", 1, "SETTINGS"}),
	caseName);

// ---- resets from the server ----

TEST(HostileServer, ResetByTheServerNamesTheCodeAndKeepsTheConnection)
{
	for (const auto& reset : {std::make_pair("reset_internal_error", 2), std::make_pair("reset_enhance_your_calm", 11)})
	{
		HostileServer server(reset.first);
		HTTP2Client client("127.0.0.1", server.port(), quickParams());
		const auto exc = expectFailure<PocoH2::HTTP2StreamResetException>(client);
		EXPECT_EQ(exc.code(), reset.second);
		EXPECT_TRUE(contains(exc.displayText(), "reset by the server")) << exc.displayText();
		EXPECT_TRUE(contains(exc.displayText(), PocoH2::Codec::http2ErrorCodeName(reset.second))) << exc.displayText();
		EXPECT_EQ(get(client, "/ok"), "1 3");
		EXPECT_EQ(client.totalConnections(), 1);
	}
}

TEST(HostileServer, RefusedStreamIsRetried)
{
	HostileServer server("refuse_once");
	HTTP2Client client("127.0.0.1", server.port(), quickParams());
	EXPECT_EQ(get(client, "/bad"), "1 3");
	EXPECT_TRUE(server.waitFor("1 REQUEST 3 /bad")) << server.records();
}

TEST(HostileServer, StreamWindowOverflowResetsTheStream)
{
	HostileServer server("window_overflow_stream");
	HTTP2Client client("127.0.0.1", server.port(), quickParams());
	const auto exc = expectFailure<PocoH2::HTTP2StreamResetException>(client);
	EXPECT_EQ(exc.code(), 3) << exc.displayText();
	EXPECT_TRUE(contains(exc.displayText(), "flow-control violation")) << exc.displayText();
	EXPECT_TRUE(server.waitFor("1 RST_STREAM 1 FLOW_CONTROL_ERROR")) << server.records();
	EXPECT_EQ(get(client, "/ok"), "1 3");
}

TEST(HostileServer, HeaderListOverOurLimitFailsTheStream)
{
	// 300 references to a 4000-byte dynamic table entry: 1.2 MB from 4 KiB.
	HostileServer server("hpack_bomb");
	HTTP2Client client("127.0.0.1", server.port(), quickParams());
	const auto exc = expectFailure<PocoH2::HTTP2Exception>(client);
	EXPECT_TRUE(contains(exc.displayText(), "header list")) << exc.displayText();
	EXPECT_TRUE(contains(exc.displayText(), "too large")) << exc.displayText();
	EXPECT_TRUE(contains(exc.displayText(), "SETTINGS_MAX_HEADER_LIST_SIZE")) << exc.displayText();
	EXPECT_TRUE(server.waitFor("1 RST_STREAM 1 CANCEL")) << server.records();
	EXPECT_EQ(get(client, "/ok"), "1 3");
}

// ---- responses that are unusual but valid ----

TEST(HostileServer, InformationalResponsesBeforeTheFinalOne)
{
	HostileServer server("informational");
	HTTP2Client client("127.0.0.1", server.port(), quickParams());
	HTTPRequest request(HTTPRequest::HTTP_GET, "/bad");
	HTTPResponse response;
	EXPECT_EQ(client.sendRequest(request, response), "final");
	EXPECT_EQ(response.getStatus(), HTTPResponse::HTTP_OK);
	EXPECT_FALSE(response.has("link"));
}

TEST(HostileServer, TrailersAfterTheBody)
{
	HostileServer server("trailers");
	HTTP2Client client("127.0.0.1", server.port(), quickParams());
	HTTPRequest request(HTTPRequest::HTTP_GET, "/bad");
	HTTPResponse response;
	EXPECT_EQ(client.sendRequest(request, response), "body with trailers");
	EXPECT_EQ(response.getStatus(), HTTPResponse::HTTP_OK);
	EXPECT_EQ(get(client, "/ok"), "1 3");
}

TEST(HostileServer, PingsAreAnswered)
{
	HostileServer server("ping_then_answer");
	HTTP2Client client("127.0.0.1", server.port(), quickParams());
	EXPECT_EQ(get(client, "/bad"), "1 1");
	const auto deadline = Clock::now() + BOUND;
	std::size_t acks = 0;
	while (Clock::now() < deadline)
	{
		const std::string records = server.records();
		acks = 0;
		for (std::size_t at = records.find("PING_ACK"); at != std::string::npos; at = records.find("PING_ACK", at + 1))
			++acks;
		if (acks >= 200)
			break;
		std::this_thread::sleep_for(std::chrono::milliseconds(20));
	}
	EXPECT_EQ(acks, 200u);
}

TEST(HostileServer, PingFloodIsAnsweredOrCutOffWithoutHanging)
{
	// 20000 PINGs before anything else: nghttp2 answers them while the
	// answers drain, or ends the connection with ENHANCE_YOUR_CALM once too
	// many answers queue up; either way memory stays bounded and the
	// client recovers.
	HostileServer server("ping_flood");
	HTTP2Client client("127.0.0.1", server.port(), quickParams());
	const auto start = Clock::now();
	try
	{
		EXPECT_EQ(get(client, "/ok"), "1 1");
	}
	catch (PocoH2::HTTP2Exception& exc)
	{
		std::cout << "  cut off: " << exc.displayText() << std::endl;
		EXPECT_EQ(exc.code(), 11) << exc.displayText();
		EXPECT_TRUE(server.waitFor("1 GOAWAY ENHANCE_YOUR_CALM")) << server.records();
		EXPECT_EQ(get(client, "/ok"), "2 1");
	}
	EXPECT_LT(Clock::now() - start, BOUND);
}

// ---- windows that never open ----

TEST(HostileServer, UploadWithoutWindowTimesOutAndCancels)
{
	for (const char* scenario : {"stream_window_zero", "connection_window_stuck"})
	{
		HostileServer server(scenario);
		HTTP2Client client("127.0.0.1", server.port(), quickParams());
		HTTPRequest request(HTTPRequest::HTTP_POST, "/bad");
		HTTPResponse response;
		std::istringstream body(std::string(200 * 1024, 'u'));
		std::ostringstream responseBody;
		const auto start = Clock::now();
		try
		{
			client.sendRequest(request, &body, response, responseBody);
			ADD_FAILURE() << scenario << ": no exception";
		}
		catch (Poco::TimeoutException& exc)
		{
			EXPECT_TRUE(contains(exc.displayText(), "no progress")) << exc.displayText();
		}
		EXPECT_LT(Clock::now() - start, BOUND) << scenario;
		EXPECT_TRUE(server.waitFor("1 RST_STREAM 1 CANCEL")) << scenario << "\n" << server.records();
		EXPECT_EQ(get(client, "/ok"), "1 3") << scenario;
	}
}

// ---- GOAWAY ----

namespace {

struct Outcome
{
	std::multiset<std::string> connections; ///< "1", "2": which connection answered each success
	std::vector<std::string> errors;
};

Outcome sendFour(HTTP2Client& client)
{
	std::vector<std::future<HTTP2Client::Result>> futures;
	for (int i = 0; i < 4; ++i)
		futures.push_back(client.sendRequestAsync(HTTPRequest(HTTPRequest::HTTP_GET, "/bad")));
	Outcome outcome;
	for (auto& future : futures)
	{
		if (future.wait_for(BOUND) != std::future_status::ready)
		{
			outcome.errors.push_back("hang");
			continue;
		}
		try
		{
			const std::string body = future.get().body;
			outcome.connections.insert(body.substr(0, body.find(' ')));
		}
		catch (PocoH2::HTTP2ConnectionClosedException& exc)
		{
			outcome.errors.push_back(exc.displayText());
		}
		catch (Poco::Exception& exc)
		{
			outcome.errors.push_back(std::string("unexpected ") + exc.className() + ": " + exc.displayText());
		}
	}
	return outcome;
}

} // namespace

TEST(HostileServer, GoAwayWithStreamsInFlight)
{
	// The server answers the two streams up to its last-stream-id; the two
	// above it are retried on a second connection.
	HostileServer server("goaway_in_flight");
	HTTP2Client client("127.0.0.1", server.port(), quickParams());
	const Outcome outcome = sendFour(client);
	SCOPED_TRACE(server.records());
	EXPECT_TRUE(outcome.errors.empty()) << outcome.errors.front();
	EXPECT_EQ(outcome.connections.count("1"), 2u);
	EXPECT_EQ(outcome.connections.count("2"), 2u);
}

TEST(HostileServer, GoAwayThenCloseFailsTheProcessedStreamsAndRetriesTheRest)
{
	HostileServer server("goaway_then_close");
	HTTP2Client client("127.0.0.1", server.port(), quickParams());
	const Outcome outcome = sendFour(client);
	SCOPED_TRACE(server.records());
	ASSERT_EQ(outcome.errors.size(), 2u);
	for (const auto& error : outcome.errors)
		EXPECT_TRUE(contains(error, "after its GOAWAY NO_ERROR")) << error;
	EXPECT_EQ(outcome.connections.count("2"), 2u);
}

TEST(HostileServer, GoAwayWithErrorAndNothingProcessedRetriesEverything)
{
	HostileServer server("goaway_error_then_close");
	HTTP2Client client("127.0.0.1", server.port(), quickParams());
	const Outcome outcome = sendFour(client);
	SCOPED_TRACE(server.records());
	EXPECT_TRUE(outcome.errors.empty()) << outcome.errors.front();
	EXPECT_EQ(outcome.connections.count("2"), 4u);
}

// ---- silence and lost connections ----

TEST(HostileServer, SilentPeerFailsTheHandshake)
{
	HostileServer server("silent");
	HTTP2ClientParams params = quickParams();
	params.setTimeout(Poco::Timespan(10, 0)); // the connect timeout must be what fires
	HTTP2Client client("127.0.0.1", server.port(), params);
	const auto exc = expectFailure<Poco::TimeoutException>(client);
	EXPECT_TRUE(contains(exc.displayText(), "sent no HTTP/2 SETTINGS")) << exc.displayText();
	EXPECT_TRUE(server.waitFor("1 GOAWAY SETTINGS_TIMEOUT")) << server.records();
	EXPECT_EQ(get(client, "/ok"), "2 1");
}

TEST(HostileServer, SilenceMidResponseTimesOut)
{
	HostileServer server("mute_mid_response");
	HTTP2Client client("127.0.0.1", server.port(), quickParams());
	const auto exc = expectFailure<Poco::TimeoutException>(client);
	EXPECT_TRUE(contains(exc.displayText(), "no progress")) << exc.displayText();
	EXPECT_TRUE(server.waitFor("1 RST_STREAM 1 CANCEL")) << server.records();
}

TEST(HostileServer, CloseMidBodyIsNoSuccess)
{
	HostileServer server("close_mid_body");
	HTTP2Client client("127.0.0.1", server.port(), quickParams());
	const auto exc = expectFailure<PocoH2::HTTP2ConnectionClosedException>(client);
	EXPECT_TRUE(contains(exc.displayText(), "closed by the server")) << exc.displayText();

	// The streaming forms: the partial body arrives, then the error.
	HTTPRequest request(HTTPRequest::HTTP_GET, "/bad");
	HTTPResponse response;
	std::ostringstream body;
	EXPECT_THROW(client.sendRequest(request, nullptr, response, body), PocoH2::HTTP2ConnectionClosedException);
	EXPECT_EQ(body.str(), "partial");

	PocoH2::HTTP2ClientSession session(client);
	HTTPRequest sessionRequest(HTTPRequest::HTTP_GET, "/bad");
	session.sendRequest(sessionRequest);
	HTTPResponse sessionResponse;
	std::istream& in = session.receiveResponse(sessionResponse);
	std::string text;
	EXPECT_THROW(Poco::StreamCopier::copyToString(in, text), PocoH2::HTTP2ConnectionClosedException);
}

// ---- not HTTP/2 at all ----

TEST(HostileServer, Http1AnswerToThePreface)
{
	HostileServer server("http1_answer");
	HTTP2Client client("127.0.0.1", server.port(), quickParams());
	const auto exc = expectFailure<PocoH2::HTTP2Exception>(client);
	EXPECT_TRUE(contains(exc.displayText(), "does not speak HTTP/2")) << exc.displayText();
	EXPECT_TRUE(contains(exc.displayText(), "HTTP/1.1 400 Bad Request")) << exc.displayText();
}

TEST(HostileServer, GarbageInsteadOfThePreface)
{
	HostileServer server("garbage_preface");
	HTTP2Client client("127.0.0.1", server.port(), quickParams());
	const auto exc = expectFailure<PocoH2::HTTP2Exception>(client);
	EXPECT_EQ(exc.code(), 1) << exc.displayText();
	EXPECT_TRUE(contains(exc.displayText(), "SETTINGS")) << exc.displayText();
}

// ---- TLS ----

TEST(HostileServer, TlsWorksAndMisbehaviourIsCaughtThere)
{
	HostileServer server("push_promise", true);
	HTTP2Client client("127.0.0.1", server.port(), PocoH2Test::clientContext(Context::VERIFY_NONE), quickParams());
	const auto exc = expectFailure<PocoH2::HTTP2Exception>(client);
	EXPECT_EQ(exc.code(), 1) << exc.displayText();
	EXPECT_TRUE(contains(exc.displayText(), "PUSH_PROMISE")) << exc.displayText();
	EXPECT_TRUE(server.waitFor("1 GOAWAY PROTOCOL_ERROR")) << server.records();
	EXPECT_EQ(get(client, "/ok"), "2 1");
	EXPECT_TRUE(server.waitFor("2 ALPN h2")) << server.records();
}

TEST(HostileServer, TlsWithoutAlpnH2)
{
	HostileServer server("ok", true, "http/1.1");
	HTTP2Client client("127.0.0.1", server.port(), PocoH2Test::clientContext(Context::VERIFY_NONE), quickParams());
	const auto exc = expectFailure<PocoH2::HTTP2Exception>(client, "/ok");
	EXPECT_TRUE(contains(exc.displayText(), "does not offer HTTP/2")) << exc.displayText();
}

TEST(HostileServer, TlsSilentPeerFailsTheHandshake)
{
	HostileServer server("silent", true);
	HTTP2ClientParams params = quickParams();
	params.setTimeout(Poco::Timespan(10, 0));
	HTTP2Client client("127.0.0.1", server.port(), PocoH2Test::clientContext(Context::VERIFY_NONE), params);
	const auto exc = expectFailure<Poco::TimeoutException>(client);
	EXPECT_TRUE(contains(exc.displayText(), "sent no HTTP/2 SETTINGS")) << exc.displayText();
}
