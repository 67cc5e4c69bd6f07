//
// SoakConnection.h
//
// One client connection of the soak test, driven with libnghttp2 directly so
// that it can reset streams mid-request and drop the TCP connection with
// streams in flight. Non-blocking; the soak loop polls its fd.
//

#ifndef PocoH2_Tests_SoakConnection_INCLUDED
#define PocoH2_Tests_SoakConnection_INCLUDED

#include <chrono>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <unordered_map>

struct nghttp2_session;

namespace PocoH2Soak {

struct SoakStats
{
	std::uint64_t issued = 0;	  ///< requests submitted
	std::uint64_t answered = 0;	  ///< complete, correct responses
	std::uint64_t reset = 0;	  ///< requests we reset (RST_STREAM CANCEL)
	std::uint64_t dropped = 0;	  ///< requests in flight when we closed the connection
	std::uint64_t failed = 0;	  ///< wrong responses, or streams the server reset/closed
	std::uint64_t disconnects = 0; ///< connections we closed with streams in flight
	std::string firstFailure;

	void fail(const std::string& why);
};

struct SoakPlan
	/// How the connections behave; probabilities per request.
{
	unsigned inFlightPerConnection = 8;
	double resetProbability = 0.01;	 ///< a POST /echo reset after half its body
	double echoProbability = 0.3;	 ///< a POST /echo answered in full (else GET /)
	unsigned minRequestsPerConnection = 1000; ///< before a random disconnect
	unsigned maxRequestsPerConnection = 6000;
	std::string helloBody;		///< what GET / answers
};

class SoakConnection
{
public:
	SoakConnection(std::uint16_t port, const SoakPlan& plan, SoakStats& stats, std::mt19937& random);
	~SoakConnection();

	SoakConnection(const SoakConnection&) = delete;
	SoakConnection& operator=(const SoakConnection&) = delete;

	void submitRequests(std::uint64_t& budget);
		/// Opens requests up to the in-flight limit while budget lasts, and
		/// resets the streams chosen for a reset that sent half their body.

	bool dueForDisconnect() const;
		/// True when this connection reached its random request count: the
		/// moment to drop it (it sends no more requests).

	void reconnect(bool abrupt);
		/// Closes the TCP connection (abrupt: counting the streams in flight
		/// as dropped, and a disconnect if there were any) and opens a new one.

	void onReadable();
	void flush();
		/// Writes what the session has to send, as far as the socket takes.

	int fd() const { return _fd; }
	bool wantsWrite() const;
	std::size_t inFlight() const { return _streams.size(); }

private:
	struct Stream
	{
		enum class Kind
		{
			HELLO,
			ECHO,
			RESET
		};
		Kind kind = Kind::HELLO;
		std::string requestBody;
		std::size_t bodySent = 0;
		bool waitingForReset = false; ///< sent half the body; resets next turn
		bool resetSent = false;
		int status = 0;
		std::string responseBody;
	};

	struct Callbacks;
	friend struct Callbacks;

	void open();
	void close();
	void submitOne();
	void streamClosed(std::int32_t id, std::uint32_t errorCode);

	std::uint16_t _port;
	const SoakPlan& _plan;
	SoakStats& _stats;
	std::mt19937& _random;
	int _fd = -1;
	nghttp2_session* _pSession = nullptr;
	std::string _out;
	std::size_t _outOffset = 0;
	unsigned _requestsBeforeDisconnect = 0;
	unsigned _requestsHere = 0;
	std::unordered_map<std::int32_t, std::unique_ptr<Stream>> _streams;
	std::string _goAway; ///< the server's GOAWAY on this connection, described
	std::chrono::steady_clock::time_point _openedAt;
};

} // namespace PocoH2Soak

#endif
