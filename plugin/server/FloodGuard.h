//
// FloodGuard.h
//
// Flood protection of one server connection: counts the frames a peer sends
// that cost the server work but carry no request, and says when there are
// too many of them.
//

#ifndef PocoH2_Server_FloodGuard_INCLUDED
#define PocoH2_Server_FloodGuard_INCLUDED

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

namespace PocoH2 {
namespace Server {

class FloodGuard
	/// One token bucket per kind of frame a flood is made of: a frame takes a
	/// token, tokens come back at a steady rate up to the burst size, and an
	/// empty bucket is a flood (the connection then ends with GOAWAY
	/// ENHANCE_YOUR_CALM). The kinds and their limits:
	///
	///   - RST_STREAM from the peer (rapid reset, CVE-2023-44487): burst 500,
	///     33 a second. libnghttp2 1.52 (Debian's CVE fix) has its own bucket
	///     of 1000 at 33 a second, which ends the connection with
	///     INTERNAL_ERROR; ours is smaller at the same rate, so it always
	///     speaks first and the peer learns why.
	///   - empty DATA, HEADERS or CONTINUATION frames without END_STREAM
	///     (CVE-2019-9518): burst 100, 10 a second. They mean nothing; a
	///     well-behaved peer sends none.
	///   - PING and SETTINGS without ACK: burst 200, 50 a second. Each is
	///     answered; libnghttp2 stops a peer that does not read the answers
	///     (1000 queued), this stops one that does.
	///
	/// A well-behaved peer stays far below these (browsers and curl send a
	/// few PINGs and SETTINGS per connection and cancel streams by the dozen),
	/// and a peer at these rates costs the server next to nothing.
	/// WINDOW_UPDATE and PRIORITY frames are not counted: libnghttp2 handles
	/// each in constant time with no answer, like any byte read.
	///
	/// Threading: the connection's loop thread only.
{
public:
	using Clock = std::chrono::steady_clock;

	explicit FloodGuard(Clock::time_point now = Clock::now());

	bool admit(std::uint8_t type, std::uint8_t flags, std::size_t length, Clock::time_point now);
		/// Accounts one received frame, from its header. Returns false for
		/// the frame that makes a flood (once; frames after it are admitted,
		/// the connection is ending anyway); reason() then says which.

	bool tripped() const { return !_reason.empty(); }
	const std::string& reason() const { return _reason; }
		/// What flooded ("RST_STREAM: more than 500 at once or 33 a second"), or empty.

private:
	class Bucket
	{
	public:
		Bucket(double burst, double perSecond, Clock::time_point now);
		bool take(Clock::time_point now);
		std::string describe(const char* what) const;

	private:
		double _burst;
		double _perSecond;
		double _tokens;
		Clock::time_point _last;
	};

	bool take(Bucket& bucket, const char* what, Clock::time_point now);

	Bucket _resets;
	Bucket _emptyFrames;
	Bucket _controlFrames;
	std::string _reason;
};

} // namespace Server
} // namespace PocoH2

#endif
