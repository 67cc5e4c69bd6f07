#include "server/WorkerPool.h"
#include <Poco/Logger.h>
#include <pthread.h>

namespace PocoH2 {
namespace Server {

WorkerPool::WorkerPool(int threads, std::string name): _threadCount(threads > 0 ? threads : 1), _name(std::move(name))
{
}

WorkerPool::~WorkerPool()
{
	join();
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

void WorkerPool::submit(Job job)
{
	{
		std::lock_guard<std::mutex> lock(_mutex);
		_jobs.push_back(std::move(job));
	}
	_ready.notify_one();
}

void WorkerPool::join()
{
	{
		std::lock_guard<std::mutex> lock(_mutex);
		_stopping = true;
	}
	_ready.notify_all();
	for (auto& thread : _threads)
		thread.join();
	_threads.clear();
}

void WorkerPool::work()
{
	for (;;)
	{
		Job job;
		{
			std::unique_lock<std::mutex> lock(_mutex);
			_ready.wait(lock, [this] { return _stopping || !_jobs.empty(); });
			if (_jobs.empty())
				return;
			job = std::move(_jobs.front());
			_jobs.pop_front();
		}
		try
		{
			job();
		}
		catch (...)
		{
			// Jobs handle their own errors; this only keeps the thread alive.
			Poco::Logger::get("PocoH2.Server").error("uncaught exception in a handler job");
		}
	}
}

} // namespace Server
} // namespace PocoH2
