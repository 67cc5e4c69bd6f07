//
// WorkerPool.h
//
// A fixed number of threads running queued jobs: where request handlers run.
//

#ifndef PocoH2_Server_WorkerPool_INCLUDED
#define PocoH2_Server_WorkerPool_INCLUDED

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace PocoH2 {
namespace Server {

class WorkerPool
	/// Threading: submit() from any thread; start()/join() from the owner.
	/// The queue is not bounded here: the streams that feed it are (per
	/// connection by SETTINGS_MAX_CONCURRENT_STREAMS).
{
public:
	using Job = std::function<void()>;

	explicit WorkerPool(int threads, std::string name = "h2-worker");
	~WorkerPool();

	void start();
	void submit(Job job);
	void join();
		/// Runs the queued jobs to completion, then stops the threads.

	int threads() const { return _threadCount; }

private:
	void work();

	const int _threadCount;
	const std::string _name;
	std::mutex _mutex;
	std::condition_variable _ready;
	std::deque<Job> _jobs;
	bool _stopping = false;
	std::vector<std::thread> _threads;
};

} // namespace Server
} // namespace PocoH2

#endif
