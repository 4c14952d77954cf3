#include "runtime/reactor.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "runtime/log.h"

namespace labgate::runtime {

Reactor::Reactor(std::string name, int max_events)
    : name_(std::move(name)),
      max_events_(max_events),
      events_(std::make_unique<epoll_event[]>(static_cast<size_t>(max_events))) {
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  wake_.fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  add(wake_, EPOLLIN);
}

Reactor::~Reactor() {
  delete_deferred();
  ::close(wake_.fd);
  ::close(epoll_fd_);
}

bool Reactor::add(Source& source, uint32_t events) {
  epoll_event ev{};
  ev.events = events;
  ev.data.ptr = &source;
  source.watched = ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, source.fd, &ev) == 0;
  return source.watched;
}

bool Reactor::modify(Source& source, uint32_t events) {
  epoll_event ev{};
  ev.events = events;
  ev.data.ptr = &source;
  return ::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, source.fd, &ev) == 0;
}

void Reactor::remove(Source& source) {
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, source.fd, nullptr);
  source.watched = false;
}

void Reactor::close(Source& source) {
  if (source.fd >= 0) ::close(source.fd);
  source.fd = -1;
  source.watched = false;
}

void Reactor::every(std::chrono::milliseconds period,
                    std::function<void(Clock::time_point now)> fire) {
  timers_.push_back({period, Clock::now() + period, std::move(fire)});
}

void Reactor::wake() {
  uint64_t one = 1;
  ssize_t ignored = ::write(wake_.fd, &one, sizeof one);
  (void)ignored;
}

void Reactor::stop() {
  stopping_.store(true);
  wake();
}

void Reactor::post(std::function<void()> task) {
  {
    std::lock_guard lock(tasks_mu_);
    tasks_.push_back(std::move(task));
    tasks_pending_.store(true, std::memory_order_release);
  }
  wake();
}

int Reactor::wait() {
  // The nearest timer, and the owner's bound, from the time the last batch ended.
  int timeout = wait_cap_ms_;
  wait_cap_ms_ = -1;
  for (const Timer& t : timers_) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(t.next - now_).count();
    const int ms = static_cast<int>(std::clamp<decltype(left)>(left, 0, 1 << 30));
    if (timeout < 0 || ms < timeout) timeout = ms;
  }
  int n = ::epoll_wait(epoll_fd_, events_.get(), max_events_, timeout);
  ++batch_;
  if (n >= 0) return n;
  if (errno == EINTR) return 0;
  log_error(
      fmt::format("{}{}epoll_wait: {}", name_, name_.empty() ? "" : " ", std::strerror(errno)));
  return -1;
}

bool Reactor::on_wake() {
  uint64_t value;
  ssize_t ignored = ::read(wake_.fd, &value, sizeof value);
  (void)ignored;
  return stopping_.load();
}

void Reactor::fire_timers(Clock::time_point now) {
  for (Timer& t : timers_) {
    if (now < t.next) continue;
    t.fire(now);
    t.next = now + t.period;
  }
}

void Reactor::run_tasks() {
  {
    std::lock_guard lock(tasks_mu_);
    running_tasks_.swap(tasks_);
    tasks_pending_.store(false, std::memory_order_relaxed);
  }
  for (auto& task : running_tasks_) task();
  running_tasks_.clear();
}

void Reactor::delete_deferred() {
  // A destructor may defer more (an object owning others): loop until none is left.
  while (!deferred_.empty()) {
    std::vector<Deferred> now;
    now.swap(deferred_);
    for (const Deferred& d : now) d.destroy(d.object);
    if (deferred_.empty()) {
      now.clear();
      deferred_.swap(now);  // keep the capacity: no allocation in the next batch
      break;
    }
  }
}

}  // namespace labgate::runtime
