//
// EventLoop.h
//
// One epoll event loop on one thread: I/O readiness, posted tasks (eventfd
// wake-up), timers, and end-of-turn flushes so that a connection writes once
// per turn whatever the turn produced.
//

#ifndef PocoH2_Transport_EventLoop_INCLUDED
#define PocoH2_Transport_EventLoop_INCLUDED

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace PocoH2 {
namespace Transport {

class IoHandler
	/// Something registered with an EventLoop for readiness events.
{
public:
	virtual ~IoHandler() = default;
	virtual void onIoEvent(std::uint32_t events) = 0;
		/// Called on the loop thread with the epoll event mask.
};

class Flushable
	/// Something that wants to write once at the end of the loop's turn.
{
public:
	virtual ~Flushable() = default;
	virtual void flush() = 0;
		/// Called on the loop thread after all events and tasks of a turn.
};

class LoopTask
	/// Work an object hands to a loop without a heap-allocated closure: the
	/// loop keeps a reference to the object until run() returns.
{
public:
	virtual ~LoopTask() = default;
	virtual void run() = 0;
		/// Called on the loop thread.
};

class EventLoop
	/// Threading: run() is called by exactly one thread, the loop thread.
	/// post(), stop() and inLoopThread() may be called from any thread; all
	/// other functions only on the loop thread.
{
public:
	using Task = std::function<void()>;
	using Clock = std::chrono::steady_clock;
	using TimerId = std::uint64_t;

	EventLoop();
		/// Creates the epoll instance and the wake-up eventfd.
		/// Throws Poco::SystemException on failure.

	~EventLoop();

	EventLoop(const EventLoop&) = delete;
	EventLoop& operator=(const EventLoop&) = delete;

	void run();
		/// Runs the loop until stop() is called.

	void stop();
		/// Makes run() return after its current turn.

	void post(Task task);
		/// Queues task to run on the loop thread and wakes the loop.

	void postDeferred(std::shared_ptr<LoopTask> pTask);
		/// Queues task like post(), but leaves the wake-up to the calling
		/// thread's next wakeDeferred(), or to a timer that fires within
		/// DEFERRED_WAKE_DELAY, whichever comes first. A handler thread that
		/// answers many requests in a row thus wakes the loop once for all
		/// of them, instead of once per response (each wake-up preempts the
		/// handler on a busy core: docs/PROFILE.md).

	static void wakeDeferred();
		/// Wakes every loop this thread queued deferred tasks for since its
		/// last call. Call it before the thread blocks or goes idle.

	static constexpr std::chrono::microseconds DEFERRED_WAKE_DELAY{1000};

	bool inLoopThread() const;

	void add(int fd, std::uint32_t events, IoHandler* pHandler);
	void modify(int fd, std::uint32_t events, IoHandler* pHandler);
	void remove(int fd);
		/// Register, change or drop an fd. The handler must outlive its
		/// registration; handlers are destroyed through releaseLater().

	void flushLater(std::shared_ptr<Flushable> target);
		/// Calls target->flush() once at the end of this turn (the same target
		/// queued twice in a turn is flushed once if it checks a flag; the
		/// loop does not deduplicate).

	std::size_t readyHandlers() const { return _readyHandlers; }
		/// How many I/O handlers epoll reported ready in this turn (0 in a
		/// turn woken only by tasks or timers).

	void releaseLater(std::shared_ptr<void> object);
		/// Keeps object alive until the end of this turn, so that events
		/// already fetched for it still find it.

	TimerId runAfter(Clock::duration delay, Task task);
		/// Runs task on the loop thread after delay. Returns an id for cancelTimer().

	void cancelTimer(TimerId id);

	void setTurnEndHook(Task hook);
		/// Runs hook on the loop thread at the end of every turn, after the
		/// flushes, before the loop waits. Set it before run().

private:
	void runTasks();
	void runTimers();
	int nextTimeoutMs() const;
	void endTurn();
	void wake();

	int _epollFd = -1;
	int _wakeFd = -1;
	int _backstopFd = -1; ///< timerfd bounding how long a deferred task waits
	std::atomic<bool> _stopped{false};
	std::atomic<std::thread::id> _threadId{};
	std::mutex _taskMutex;
	std::vector<Task> _tasks;
	std::vector<std::shared_ptr<LoopTask>> _loopTasks;
	// The batch being run, kept as members so their capacity is reused.
	std::vector<Task> _runningTasks;
	std::vector<std::shared_ptr<LoopTask>> _runningLoopTasks;
	bool _wakePending = false;	///< the eventfd was written and not yet read
	bool _backstopArmed = false; ///< the timerfd is set and has not fired
	std::vector<std::shared_ptr<Flushable>> _flushQueue;
	std::vector<std::shared_ptr<void>> _graveyard;
	std::map<std::pair<Clock::time_point, TimerId>, Task> _timers;
	std::map<TimerId, Clock::time_point> _timerDue;
	TimerId _nextTimerId = 1;
	Task _turnEndHook;
	std::size_t _readyHandlers = 0;
};

} // namespace Transport
} // namespace PocoH2

#endif
