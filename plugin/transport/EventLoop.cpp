#include "transport/EventLoop.h"
#include <Poco/Exception.h>
#include <cerrno>
#include <sys/epoll.h>
#include <algorithm>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

namespace PocoH2 {
namespace Transport {

namespace {

// The loops this thread queued deferred tasks for and has not woken yet.
thread_local std::vector<EventLoop*> t_owedWakes;

} // namespace

EventLoop::EventLoop()
{
	_epollFd = ::epoll_create1(EPOLL_CLOEXEC);
	if (_epollFd < 0)
		throw Poco::SystemException("epoll_create1 failed", errno);
	_wakeFd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (_wakeFd < 0)
	{
		::close(_epollFd);
		throw Poco::SystemException("eventfd failed", errno);
	}
	_backstopFd = ::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (_backstopFd < 0)
	{
		::close(_wakeFd);
		::close(_epollFd);
		throw Poco::SystemException("timerfd_create failed", errno);
	}
	// The two registrations without a handler: the eventfd (null) and the
	// deferred-wake timer (its own fd's address).
	epoll_event ev{};
	ev.events = EPOLLIN;
	ev.data.ptr = nullptr;
	::epoll_ctl(_epollFd, EPOLL_CTL_ADD, _wakeFd, &ev);
	ev.data.ptr = &_backstopFd;
	::epoll_ctl(_epollFd, EPOLL_CTL_ADD, _backstopFd, &ev);
}

EventLoop::~EventLoop()
{
	::close(_backstopFd);
	::close(_wakeFd);
	::close(_epollFd);
}

void EventLoop::run()
{
	_threadId = std::this_thread::get_id();
	constexpr int MAX_EVENTS = 256;
	epoll_event events[MAX_EVENTS];
	while (!_stopped.load(std::memory_order_acquire))
	{
		const int n = ::epoll_wait(_epollFd, events, MAX_EVENTS, nextTimeoutMs());
		if (n < 0 && errno != EINTR)
			break;
		_readyHandlers = 0;
		for (int i = 0; i < n; ++i)
			_readyHandlers += events[i].data.ptr != nullptr && events[i].data.ptr != &_backstopFd;
		for (int i = 0; i < n; ++i)
		{
			if (events[i].data.ptr == nullptr)
			{
				// One read takes the whole counter (not EFD_SEMAPHORE); a
				// write after it makes epoll report the fd again.
				std::uint64_t count;
				[[maybe_unused]] ssize_t rc = ::read(_wakeFd, &count, sizeof(count));
				continue;
			}
			if (events[i].data.ptr == &_backstopFd)
			{
				std::uint64_t expirations;
				[[maybe_unused]] ssize_t rc = ::read(_backstopFd, &expirations, sizeof(expirations));
				std::lock_guard<std::mutex> lock(_taskMutex);
				_backstopArmed = false;
				continue;
			}
			static_cast<IoHandler*>(events[i].data.ptr)->onIoEvent(events[i].events);
		}
		runTasks();
		runTimers();
		endTurn();
	}
	// Last chance for tasks posted while stopping (they may release resources).
	runTasks();
	endTurn();
	_threadId = std::thread::id();
}

void EventLoop::stop()
{
	_stopped.store(true, std::memory_order_release);
	post([] {});
}

void EventLoop::post(Task task)
{
	bool wake;
	{
		std::lock_guard<std::mutex> lock(_taskMutex);
		_tasks.push_back(std::move(task));
		wake = !_wakePending;
		_wakePending = true;
	}
	if (wake)
	{
		const std::uint64_t one = 1;
		[[maybe_unused]] ssize_t rc = ::write(_wakeFd, &one, sizeof(one));
	}
}

void EventLoop::postDeferred(std::shared_ptr<LoopTask> pTask)
{
	bool arm;
	{
		std::lock_guard<std::mutex> lock(_taskMutex);
		_loopTasks.push_back(std::move(pTask));
		arm = !_wakePending && !_backstopArmed;
		if (arm)
			_backstopArmed = true;
	}
	if (arm)
	{
		itimerspec due{};
		due.it_value.tv_nsec = std::chrono::nanoseconds(DEFERRED_WAKE_DELAY).count();
		::timerfd_settime(_backstopFd, 0, &due, nullptr);
	}
	if (std::find(t_owedWakes.begin(), t_owedWakes.end(), this) == t_owedWakes.end())
		t_owedWakes.push_back(this);
}

void EventLoop::wakeDeferred()
{
	for (EventLoop* pLoop : t_owedWakes)
		pLoop->wake();
	t_owedWakes.clear();
}

void EventLoop::wake()
{
	{
		std::lock_guard<std::mutex> lock(_taskMutex);
		// Nothing queued any more (the loop already ran it) or a wake-up on
		// its way: nothing to do.
		if ((_tasks.empty() && _loopTasks.empty()) || _wakePending)
			return;
		_wakePending = true;
	}
	const std::uint64_t one = 1;
	[[maybe_unused]] ssize_t rc = ::write(_wakeFd, &one, sizeof(one));
}

bool EventLoop::inLoopThread() const
{
	return _threadId.load() == std::this_thread::get_id();
}

void EventLoop::runTasks()
{
	// Tasks posted while these run are taken in the next round, so a task that
	// posts itself cannot starve I/O.
	{
		std::lock_guard<std::mutex> lock(_taskMutex);
		_runningTasks.swap(_tasks);
		_runningLoopTasks.swap(_loopTasks);
		_wakePending = false;
	}
	for (auto& pTask : _runningLoopTasks)
		pTask->run();
	_runningLoopTasks.clear();
	for (auto& task : _runningTasks)
		task();
	_runningTasks.clear();
}

void EventLoop::add(int fd, std::uint32_t events, IoHandler* pHandler)
{
	epoll_event ev{};
	ev.events = events;
	ev.data.ptr = pHandler;
	if (::epoll_ctl(_epollFd, EPOLL_CTL_ADD, fd, &ev) != 0)
		throw Poco::SystemException("epoll_ctl(ADD) failed", errno);
}

void EventLoop::modify(int fd, std::uint32_t events, IoHandler* pHandler)
{
	epoll_event ev{};
	ev.events = events;
	ev.data.ptr = pHandler;
	::epoll_ctl(_epollFd, EPOLL_CTL_MOD, fd, &ev);
}

void EventLoop::remove(int fd)
{
	::epoll_ctl(_epollFd, EPOLL_CTL_DEL, fd, nullptr);
}

void EventLoop::flushLater(std::shared_ptr<Flushable> target)
{
	_flushQueue.push_back(std::move(target));
}

void EventLoop::releaseLater(std::shared_ptr<void> object)
{
	_graveyard.push_back(std::move(object));
}

EventLoop::TimerId EventLoop::runAfter(Clock::duration delay, Task task)
{
	const TimerId id = _nextTimerId++;
	const auto due = Clock::now() + delay;
	_timers.emplace(std::make_pair(due, id), std::move(task));
	_timerDue.emplace(id, due);
	return id;
}

void EventLoop::cancelTimer(TimerId id)
{
	auto it = _timerDue.find(id);
	if (it == _timerDue.end())
		return;
	_timers.erase(std::make_pair(it->second, id));
	_timerDue.erase(it);
}

void EventLoop::runTimers()
{
	const auto now = Clock::now();
	while (!_timers.empty() && _timers.begin()->first.first <= now)
	{
		auto node = _timers.extract(_timers.begin());
		_timerDue.erase(node.key().second);
		node.mapped()();
	}
}

int EventLoop::nextTimeoutMs() const
{
	if (!_flushQueue.empty())
		return 0;
	if (_timers.empty())
		return -1;
	const auto wait = _timers.begin()->first.first - Clock::now();
	if (wait <= Clock::duration::zero())
		return 0;
	return static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(wait).count()) + 1;
}

void EventLoop::endTurn()
{
	// A flush may queue further flushes (e.g. a connection that closes); run
	// until quiet.
	while (!_flushQueue.empty())
	{
		std::vector<std::shared_ptr<Flushable>> queue;
		queue.swap(_flushQueue);
		for (auto& target : queue)
			target->flush();
	}
	_graveyard.clear();
	if (_turnEndHook)
		_turnEndHook();
}

void EventLoop::setTurnEndHook(Task hook)
{
	_turnEndHook = std::move(hook);
}

} // namespace Transport
} // namespace PocoH2
