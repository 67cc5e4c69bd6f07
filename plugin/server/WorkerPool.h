//
// WorkerPool.h
//
// A fixed number of threads running queued streams' handlers.
//

#ifndef PocoH2_Server_WorkerPool_INCLUDED
#define PocoH2_Server_WorkerPool_INCLUDED

#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>
#include <semaphore.h>

namespace PocoH2 {
namespace Server {

class ServerStream;

class WorkerPool
	/// Threading: submit() from any thread; start()/join() from the owner.
	/// The queue is not bounded here: the streams that feed it are (per
	/// connection by SETTINGS_MAX_CONCURRENT_STREAMS).
	///
	/// Wake-ups: a sleeping worker is woken only when no awake worker will
	/// come for a queued job: on submit, and by a worker that starts a job
	/// while others remain queued. A job is never left behind a slow one, yet
	/// a burst of short jobs wakes threads one at a time as they are needed
	/// instead of one per job. An event loop submits with wake off and calls
	/// wakeForQueuedJobs() once at the end of its turn, so that a turn's
	/// requests are handed over with at most one wake-up, after the loop has
	/// written its output (a woken worker preempts the loop on a busy core).
{
public:
	using Job = std::shared_ptr<ServerStream>;
		/// A stream whose handler is to run. Queued as it is: no allocation
		/// per job.
	using Runner = std::function<void(const Job&)>;

	WorkerPool(int threads, Runner runner, std::string name = "h2-worker");
	~WorkerPool();

	void start();
	void submit(Job job, bool wake = true);
		/// Queues job; with wake, makes sure a worker comes for it.

	void wakeForQueuedJobs();
		/// Makes sure a worker comes for the jobs queued, if any.
	void join();
		/// Runs the queued jobs to completion, then stops the threads.

	int threads() const { return _threadCount; }

private:
	void work();
	bool needsWakeup() const;
	void wakeOne();
		/// Wakes a waiting worker; after releasing _mutex. A semaphore, not a
		/// condition variable: glibc hands a condition variable's mutex back
		/// to the woken thread marked contended, so every wake-up would cost
		/// a third futex call, at that thread's next unlock.

	const int _threadCount;
	const Runner _runner;
	const std::string _name;
	std::mutex _mutex;
	sem_t _ready; ///< posted once per wake-up (_wakeups) and per thread at join()
	std::deque<Job> _jobs;
	bool _stopping = false;
	int _running = 0; ///< workers not waiting for a job
	int _busy = 0;	  ///< workers running a job
	int _waiting = 0; ///< workers waiting for a job
	int _wakeups = 0; ///< notifications not yet taken by a waiting worker
	std::vector<std::thread> _threads;
};

} // namespace Server
} // namespace PocoH2

#endif
