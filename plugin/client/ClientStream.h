//
// ClientStream.h
//
// One request/response exchange of the client: the client's Ctx. The caller
// fills the request and reads the response; the connection's loop thread
// encodes the request, pulls its body a frame at a time, and fills the
// response. The two meet through two bounded pipes and tasks posted to the
// loop.
//

#ifndef PocoH2_Client_ClientStream_INCLUDED
#define PocoH2_Client_ClientStream_INCLUDED

#include "codec/Http2Codec.h"
#include "transport/BytePipe.h"
#include "transport/CoarseClock.h"
#include "transport/EventLoop.h"
#include <Poco/Exception.h>
#include <atomic>
#include <chrono>
#include <cerrno>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <semaphore.h>

namespace PocoH2 {
namespace Client {

class ClientConnection;

class LoopPoster
	/// Posts tasks to an engine's loop for as long as the loop runs; later
	/// posts are dropped. Streams keep one, so a caller holding a stream after
	/// its client closed never touches a destroyed loop.
{
public:
	explicit LoopPoster(Transport::EventLoop& loop): _pLoop(&loop) {}

	void post(Transport::EventLoop::Task task);
		/// Any thread.

	void detach();
		/// Stops posting; called when the loop stops.

private:
	std::mutex _mutex;
	Transport::EventLoop* _pLoop;
};

class CallerWake
	/// Where a caller sleeps until its stream changes: a condition variable
	/// over the stream's mutex whose wake-up costs one futex call each way.
	/// std::condition_variable hands the mutex back to the woken thread
	/// marked contended (glibc), so each of its wake-ups also costs a futex
	/// call at the caller's next unlock: a third system call per blocking
	/// request. Here a waiter registers under the mutex and sleeps on a
	/// semaphore; the notifier takes the registrations under the mutex and
	/// posts after releasing it.
{
public:
	CallerWake() { ::sem_init(&_semaphore, 0, 0); }
	~CallerWake() { ::sem_destroy(&_semaphore); }
	CallerWake(const CallerWake&) = delete;
	CallerWake& operator=(const CallerWake&) = delete;

	template <typename Predicate>
	void wait(std::unique_lock<std::mutex>& lock, Predicate predicate)
		/// Blocks until predicate() holds; lock holds the stream's mutex.
	{
		while (!predicate())
		{
			++_sleepers;
			lock.unlock();
			while (::sem_wait(&_semaphore) != 0 && errno == EINTR)
			{
			}
			lock.lock();
		}
	}

	unsigned take()
		/// Under the stream's mutex: the sleepers to wake with post().
	{
		const unsigned n = _sleepers;
		_sleepers = 0;
		return n;
	}

	void post(unsigned sleepers)
		/// After releasing the mutex: wakes what take() returned.
	{
		while (sleepers-- > 0)
			::sem_post(&_semaphore);
	}

private:
	sem_t _semaphore;
	unsigned _sleepers = 0; ///< guarded by the stream's mutex
};

class ClientStream : public Codec::BodySource, public std::enable_shared_from_this<ClientStream>
	/// Threading: "caller side" functions may be called by one caller thread
	/// at a time; "loop side" functions only on the engine's loop thread. The
	/// pipes and the state are guarded by one mutex, never held while user
	/// code runs or while the loop calls into the codec. A collected exchange
	/// (setCompletion(), collect()) belongs to the loop thread once submitted:
	/// no caller side function may be called on it any more, and the loop
	/// side ones take no lock.
{
public:
	using Ptr = std::shared_ptr<ClientStream>;
	using Clock = Transport::CoarseClock;
		///< For the progress timestamp (touch()), taken several times per
		///< exchange: a few milliseconds of error on a timeout are nothing.
	using Completion = std::function<void(ClientStream&)>;
		///< Called once on the loop thread when a collected exchange ends
		///< (response complete or failed).

	enum class BodyMode
	{
		NONE,	 ///< the request has no body: END_STREAM on HEADERS
		STREAMED, ///< the caller writes it with writeBody()/endBody()
		WHOLE	 ///< the whole body is given up front (setWholeBody()); kept for retries
	};

	ClientStream(Codec::HeaderBlock request, BodyMode bodyMode, std::size_t bufferSize);
	~ClientStream() override;

	// ---- caller side ----

	const Codec::HeaderBlock& request() const { return _request; }
	bool hasBody() const { return _bodyMode != BodyMode::NONE; }

	void setWholeBody(std::string body);
		/// Gives the whole body (BodyMode::WHOLE), before submission.

	void setTimeout(std::chrono::milliseconds timeout) { _timeout = timeout; }
		/// Overrides the client's request timeout (before submission).
	std::chrono::milliseconds timeout() const { return _timeout; }
		/// The override, or zero.

	void setCompletion(Completion completion);
		/// Collects the response body on the loop thread without flow-control
		/// back-pressure and calls completion at the end (asynchronous form).
		/// Before submission. A subclass may instead call collect() and
		/// override onCompleted(), which saves the Completion's allocation.

	void writeBody(const char* data, std::size_t length);
		/// Queues request body bytes, blocking while the pipe is full. Returns
		/// early, dropping the bytes, if the response already ended (the
		/// server answered without reading it all). Throws the stream's error.

	std::size_t writeSome(const char* data, std::size_t length);
		/// Queues as many bytes as fit without blocking; returns how many.

	void endBody();
		/// Ends the request body.

	enum Readiness
	{
		BODY_SPACE = 1, ///< writeSome() accepts bytes (or the request body is no longer wanted)
		RESPONSE = 2	///< the head arrived and body bytes, the end or an error wait
	};

	int waitReady(bool wantSpace);
		/// Blocks until one of the Readiness conditions holds (BODY_SPACE only
		/// if wantSpace); returns them. Throws nothing.

	void waitForHead();
		/// Blocks until the final response head arrived. Throws the stream's
		/// error (timeout, reset, connection lost).

	const Codec::HeaderBlock& responseHead() const { return _responseHead; }
		/// Valid after waitForHead() (or in the completion).

	std::size_t readBody(char* buffer, std::size_t length);
		/// Blocks until response body bytes arrive; copies up to length of them
		/// and returns the count, 0 at the end of the body. Credits the windows
		/// as bytes are consumed. Throws the stream's error.

	std::size_t readAvailable(char* buffer, std::size_t length, bool& end);
		/// Like readBody() but never blocks: returns 0 with end false when
		/// nothing waits.

	const Codec::HeaderBlock& trailers() const { return _trailers; }
		/// Valid once the body ended.

	bool bodyEndTaken() const { return _endTaken; }
		/// The caller has read the whole response body (its last bytes or
		/// the end came out of readBody()/readAvailable()): the exchange is
		/// complete and nothing more will arrive. Caller side, takes no lock.

	std::string& collectedBody() { return _in.collected(); }
		/// The whole response body of a collected exchange (in the completion).

	const Poco::Exception* error() const { return _pError.get(); }
		/// The error of a failed exchange, or null (in the completion, or
		/// after a function threw it).

	void abandon();
		/// The caller gives up: a stream still open is reset with CANCEL.

	// ---- loop side ----

	bool attach(std::weak_ptr<ClientConnection> pConnection, std::shared_ptr<LoopPoster> pPoster);
		/// Gives the stream to a connection; returns false if the exchange
		/// already finished (timed out or abandoned while waiting).
	std::shared_ptr<ClientConnection> connection() const;
		/// The connection the stream was last given to, or null.
	void setStreamId(std::int32_t id) { _id = id; }
	std::int32_t streamId() const { return _id; }

	bool prepareRetry();
		/// True when the request can be sent again (nothing of it was
		/// consumed, or its whole body is kept); rewinds it.

	bool onHead(Codec::HeaderBlock& headers);
		/// Stores the final response head; returns true when a caller may
		/// wait for it (not a collected exchange). Does not wake the caller:
		/// the connection calls wakeCaller() once after the read batch, so a
		/// caller wakes once for head, body and end together.
	bool onData(const std::uint8_t* data, std::size_t length);
		/// Appends response bytes; returns true when they should be credited
		/// at once (collected or abandoned exchanges). Like onHead(), leaves
		/// waking the caller to wakeCaller().
	bool queueWake()
		/// True the first time after a wakeCaller(): the connection queues
		/// the stream's wake-up once however many frames a read brought.
	{
		const bool first = !_wakeQueued;
		_wakeQueued = true;
		return first;
	}
	void wakeCaller();
		/// Wakes a caller waiting for the head or body bytes (after onHead()
		/// and onData()).
	void onTrailers(Codec::HeaderBlock& trailers);
	void onEnd();
		/// END_STREAM from the server.
	bool onClosed(std::uint32_t errorCode);
		/// The stream closed. Returns true if that completed it normally.
	void fail(const Poco::Exception& error);
		/// Completes the exchange with an error (no-op once complete).

	bool finished() const;
		/// The response ended or the exchange failed.
	bool completedOnLoop() const { return _complete; }
		/// finished() for the loop thread, without the lock: only the loop
		/// thread completes an exchange.
	bool abandoned() const { return _abandoned.load(std::memory_order_relaxed); }
	bool bodyBlocked() const;
		/// The codec waits for request body bytes (DEFERRED).

	void touch() { _lastActivity.store(Clock::now().time_since_epoch().count(), std::memory_order_relaxed); }
	Clock::time_point lastActivity() const
	{
		return Clock::time_point(Clock::duration(_lastActivity.load(std::memory_order_relaxed)));
	}

	int attempts() const { return _attempts; }
	void countAttempt() { ++_attempts; }

	std::size_t creditedBytes() const { return _credited; }
	std::size_t receivedBytes() const { return _received; }
	void addCredited(std::size_t n) { _credited += n; }

	long read(std::uint8_t* buffer, std::size_t length, bool& endOfBody) override;
	bool takeTrailers(Codec::HeaderBlock& trailers) override;

protected:
	void collect() { _collected = true; }
		/// Before submission: a collected exchange (see setCompletion()) whose
		/// end onCompleted() handles.

	virtual void onCompleted();
		/// Once, on the loop thread, when a collected exchange ends (response
		/// complete or failed), with no lock held. Calls the Completion.

private:
	class LoopLock
		/// The stream's mutex on the loop side: not taken for a collected
		/// exchange, which nothing but the loop thread touches.
	{
	public:
		explicit LoopLock(const ClientStream& stream): _lock(stream._mutex, std::defer_lock)
		{
			if (!stream._collected)
				_lock.lock();
		}

		void unlock()
		{
			if (_lock.owns_lock())
				_lock.unlock();
		}

	private:
		std::unique_lock<std::mutex> _lock;
	};

	template <typename Fn>
	void postToConnection(Fn fn);
	void complete(LoopLock& lock);
	void throwError() const;
	void creditRead(std::size_t n, bool drained);
	std::size_t takeLocked(char* buffer, std::size_t length, bool& end, bool& drained);
		/// Under _mutex: copies waiting response bytes (see readAvailable()).
	void afterTake(std::size_t n, bool ended, bool drained);
		/// Without the lock, after takeLocked(): activity and window credit.

	const Codec::HeaderBlock _request;
	const BodyMode _bodyMode;
	const std::size_t _outCapacity;
	std::int32_t _id = -1;
	std::weak_ptr<ClientConnection> _pConnection;
	std::shared_ptr<LoopPoster> _pPoster;
	Completion _completion;
	std::chrono::milliseconds _timeout{0};
	bool _collected = false; ///< setCompletion() or collect() was called
	std::atomic<bool> _abandoned{false};
	std::atomic<Clock::rep> _lastActivity{0};

	mutable std::mutex _mutex;
	CallerWake _callerWake; ///< head, body bytes, space, end, error
	std::string _out;					  ///< request body bytes not yet taken by the codec
	std::size_t _outOffset = 0;
	std::size_t _outTaken = 0; ///< request body bytes taken so far
	bool _outEnded = false;
	bool _loopWaitsForOutput = false;
	Codec::HeaderBlock _responseHead;
	bool _headArrived = false;
	Transport::BytePipe _in; ///< response body bytes not yet read by the caller
	bool _inEnded = false;
	Codec::HeaderBlock _trailers;
	std::unique_ptr<Poco::Exception> _pError;
	bool _complete = false;

	// Caller side only.
	std::size_t _uncredited = 0;
	bool _endTaken = false; ///< see bodyEndTaken(); later reads return 0 without the lock
	// Loop side only.
	std::size_t _received = 0;
	std::size_t _credited = 0;
	int _attempts = 0;
	bool _wakeQueued = false; ///< queueWake() since the last wakeCaller()
};

} // namespace Client
} // namespace PocoH2

#endif
