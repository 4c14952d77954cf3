#include "proxy/health_checker.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "net/socket_address.h"
#include "runtime/log.h"

namespace labgate::proxy {
namespace {

std::string backend_str(const Backend& b) {
  return fmt::format("{}:{}", b.address.str(), b.port);
}

}  // namespace

std::string health_check_header(std::optional<ProxyVersion> v) {
  if (!v) return {};
  if (*v == ProxyVersion::kV1) return "PROXY UNKNOWN\r\n";
  // v2 signature, version 2 with the LOCAL command, family UNSPEC, no address bytes.
  static const char kLocal[] = "\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x00";
  return std::string(kLocal, 16);
}

HealthChecker::HealthChecker() {
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
}

HealthChecker::~HealthChecker() {
  stop();
  for (auto& e : entries_)
    if (e.fd >= 0) ::close(e.fd);
  ::close(wake_fd_);
}

void HealthChecker::set_targets(std::vector<HealthTarget> targets) {
  {
    std::lock_guard lock(mu_);
    incoming_ = std::move(targets);
  }
  uint64_t one = 1;
  ssize_t ignored = ::write(wake_fd_, &one, sizeof one);
  (void)ignored;
}

void HealthChecker::start() {
  if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
}

void HealthChecker::stop() {
  stopping_.store(true);
  uint64_t one = 1;
  ssize_t ignored = ::write(wake_fd_, &one, sizeof one);
  (void)ignored;
  if (thread_.joinable()) thread_.join();
}

void HealthChecker::adopt_targets() {
  std::optional<std::vector<HealthTarget>> next;
  {
    std::lock_guard lock(mu_);
    next.swap(incoming_);
  }
  if (!next) return;
  std::vector<Entry> entries;
  auto now = Clock::now();
  for (auto& t : *next) {
    auto old = std::find_if(entries_.begin(), entries_.end(),
                            [&](const Entry& e) { return e.target.state == t.state; });
    if (old != entries_.end()) {
      Entry e = std::move(*old);
      old->fd = -1;  // moved: the in-flight check goes on in the new entry
      e.target = std::move(t);
      entries.push_back(std::move(e));
      continue;
    }
    Entry e;
    e.seen_passive = t.state->passive_failures.load(std::memory_order_relaxed);
    e.target = std::move(t);
    e.next_check = now;  // check a new backend at once
    entries.push_back(std::move(e));
  }
  for (auto& e : entries_)
    if (e.fd >= 0) ::close(e.fd);
  entries_ = std::move(entries);
}

void HealthChecker::run() {
  std::vector<pollfd> polls;
  std::vector<size_t> polled;  // entries_ index of polls[i + 1]
  while (!stopping_.load()) {
    adopt_targets();
    auto now = Clock::now();
    auto wake_at = now + std::chrono::seconds(1);
    polls.assign(1, pollfd{wake_fd_, POLLIN, 0});
    polled.clear();
    for (size_t i = 0; i < entries_.size(); ++i) {
      Entry& e = entries_[i];
      // Passive failures since the last look: the loops already marked it down.
      uint32_t passive = e.target.state->passive_failures.load(std::memory_order_relaxed);
      if (passive != e.seen_passive) {
        e.seen_passive = passive;
        publish(e, e.machine.on_passive_failure(), "a connection to it failed");
      }
      if (e.fd < 0 && now >= e.next_check) begin_check(e, now);
      if (e.fd >= 0 && now >= e.deadline) end_check(e, false, "timed out");
      if (e.fd >= 0) {
        polls.push_back(pollfd{e.fd, POLLOUT, 0});
        polled.push_back(i);
        wake_at = std::min(wake_at, e.deadline);
      } else {
        wake_at = std::min(wake_at, e.next_check);
      }
    }
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(wake_at - Clock::now());
    // At least every 100 ms: passive failures are folded in (and logged) soon after they happen.
    int timeout = static_cast<int>(std::clamp<int64_t>(wait.count() + 1, 0, 100));
    if (entries_.empty()) timeout = -1;  // nothing to check until set_targets() wakes us
    int n = ::poll(polls.data(), polls.size(), timeout);
    if (n <= 0) continue;
    if (polls[0].revents) {
      uint64_t value;
      ssize_t ignored = ::read(wake_fd_, &value, sizeof value);
      (void)ignored;
    }
    for (size_t k = 1; k < polls.size(); ++k) {
      if (!polls[k].revents) continue;
      Entry& e = entries_[polled[k - 1]];
      int error = 0;
      socklen_t len = sizeof error;
      if (::getsockopt(e.fd, SOL_SOCKET, SO_ERROR, &error, &len) != 0) error = errno;
      if (error != 0) {
        end_check(e, false, std::strerror(error));
        continue;
      }
      std::string header = health_check_header(e.target.send_header);
      if (!header.empty() && ::send(e.fd, header.data(), header.size(), MSG_NOSIGNAL) !=
                                 static_cast<ssize_t>(header.size())) {
        end_check(e, false, fmt::format("sending the PROXY header: {}", std::strerror(errno)));
        continue;
      }
      end_check(e, true, "");
    }
  }
}

void HealthChecker::begin_check(Entry& e, Clock::time_point now) {
  e.next_check = now + std::chrono::milliseconds(e.target.interval_ms);
  e.deadline = now + std::chrono::milliseconds(e.target.timeout_ms);
  const IpEndpoint to{e.target.backend.address, e.target.backend.port};
  int fd =
      ::socket(socket_family(to.address.family()), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return;  // out of descriptors: no verdict either way
  SocketAddress sa;
  socklen_t len = to_sockaddr(to, &sa);
  e.fd = fd;
  if (::connect(fd, sa.sockaddr(), len) != 0 && errno != EINPROGRESS)
    end_check(e, false, std::strerror(errno));
}

void HealthChecker::end_check(Entry& e, bool ok, const std::string& why) {
  if (e.fd >= 0) ::close(e.fd);
  e.fd = -1;
  HealthMachine::Change change = e.machine.on_check(ok);
  publish(e, change,
          change == HealthMachine::Change::kWentUp
              ? fmt::format("{} good checks", HealthMachine::kRise)
              : fmt::format("{} failed checks, the last: {}", HealthMachine::kFall, why));
}

void HealthChecker::publish(Entry& e, HealthMachine::Change change, const std::string& why) {
  if (change == HealthMachine::Change::kNone) return;
  bool up = change == HealthMachine::Change::kWentUp;
  e.target.state->up.store(up, std::memory_order_relaxed);
  std::string line =
      fmt::format("proxy: backend {} of {} is {} ({})", backend_str(e.target.backend),
                  e.target.forward_label, up ? "up" : "down", why);
  if (up)
    runtime::log_info(line);
  else
    runtime::log_warning(line);
}

}  // namespace labgate::proxy
