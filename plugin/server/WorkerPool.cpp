#include "server/WorkerPool.h"
#include "transport/EventLoop.h"
#include <Poco/Logger.h>
#include <cerrno>
#include <pthread.h>

namespace PocoH2 {
namespace Server {

WorkerPool::WorkerPool(int threads, Runner runner, std::string name):
	_threadCount(threads > 0 ? threads : 1),
	_runner(std::move(runner)),
	_name(std::move(name))
{
	::sem_init(&_ready, 0, 0);
}

WorkerPool::~WorkerPool()
{
	join();
	::sem_destroy(&_ready);
}

void WorkerPool::wakeOne()
{
	::sem_post(&_ready);
}

void WorkerPool::start()
{
	{
		std::lock_guard<std::mutex> lock(_mutex);
		_stopping = false;
	}
	for (int i = 0; i < _threadCount; ++i)
	{
		_threads.emplace_back([this] { work(); });
		pthread_setname_np(_threads.back().native_handle(), _name.substr(0, 15).c_str());
	}
}

bool WorkerPool::needsWakeup() const
{
	// Workers that will look at the queue: awake and not in a job, or woken.
	const int coming = _running - _busy + _wakeups;
	return !_jobs.empty() && coming <= 0 && _waiting > _wakeups;
}

void WorkerPool::submit(Job job, bool wake)
{
	{
		std::lock_guard<std::mutex> lock(_mutex);
		_jobs.push_back(std::move(job));
		wake = wake && needsWakeup();
		if (wake)
			++_wakeups;
	}
	if (wake)
		wakeOne();
}

void WorkerPool::wakeForQueuedJobs()
{
	bool wake;
	{
		std::lock_guard<std::mutex> lock(_mutex);
		wake = needsWakeup();
		if (wake)
			++_wakeups;
	}
	if (wake)
		wakeOne();
}

void WorkerPool::join()
{
	{
		std::lock_guard<std::mutex> lock(_mutex);
		_stopping = true;
	}
	for (std::size_t i = 0; i < _threads.size(); ++i)
		wakeOne(); // the queue is run to its end by the workers awake
	for (auto& thread : _threads)
		thread.join();
	_threads.clear();
	while (::sem_trywait(&_ready) == 0)
	{
		// Posts no worker took: a later start() must not find them.
	}
	std::lock_guard<std::mutex> lock(_mutex);
	_wakeups = 0; // nor the count of them
}

void WorkerPool::work()
{
	std::unique_lock<std::mutex> lock(_mutex);
	++_running;
	for (;;)
	{
		if (!_jobs.empty())
		{
			Job job = std::move(_jobs.front());
			_jobs.pop_front();
			++_busy;
			// Jobs left behind must not wait for this one (it may be slow):
			// make sure another worker is on its way.
			const bool wakeAnother = needsWakeup();
			if (wakeAnother)
				++_wakeups;
			lock.unlock();
			if (wakeAnother)
				wakeOne();
			try
			{
				_runner(job);
			}
			catch (...)
			{
				// Jobs handle their own errors; this only keeps the thread alive.
				Poco::Logger::get("PocoH2.Server").error("uncaught exception in a handler job");
			}
			job.reset(); // release the stream before taking the lock
			lock.lock();
			--_busy;
			continue;
		}
		// Out of work: wake the loops this thread queued responses for.
		lock.unlock();
		Transport::EventLoop::wakeDeferred();
		lock.lock();
		if (!_jobs.empty())
			continue;
		if (_stopping)
			break;
		--_running;
		++_waiting;
		lock.unlock();
		// Every post follows a _wakeups increment or _stopping, made under
		// the lock; one that finds nothing left to do sends the thread back.
		while (::sem_wait(&_ready) != 0 && errno == EINTR)
		{
		}
		lock.lock();
		--_waiting;
		if (_wakeups > 0)
			--_wakeups;
		++_running;
	}
	--_running;
}

} // namespace Server
} // namespace PocoH2
