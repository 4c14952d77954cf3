// Active health checks of the proxy's backends, run by one thread of their own so the relay loops
// never wait for a check. A check is a TCP connect within the forward's timeout; a forward that
// sends PROXY headers has each check send a header too (v1 "PROXY UNKNOWN", v2 LOCAL: "this
// connection is the proxy's own"), so a backend that requires one does not log an error.
//
// Each target's HealthMachine (health.h) lives here; the checker publishes its verdict to the
// shared BackendState only when it changes, and folds in the passive failures that loops report
// through BackendState::passive_failures. Changes are logged, one line each:
//   proxy: backend 192.168.100.80:443 of lan:443 -> ingress:https is down (2 failed checks: ...)
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "proxy/backend_pool.h"
#include "proxy/health.h"
#include "proxy/proxy_forward.h"

namespace labgate::proxy {

struct HealthTarget {
  std::string forward_label;
  Backend backend;
  std::shared_ptr<BackendState> state;
  uint32_t interval_ms = 2000;
  uint32_t timeout_ms = 1000;
  std::optional<ProxyVersion> send_header;
};

// The bytes a check sends after connecting, for a forward that sends `v` (empty for none).
std::string health_check_header(std::optional<ProxyVersion> v);

class HealthChecker {
 public:
  HealthChecker();
  ~HealthChecker();  // stops
  HealthChecker(const HealthChecker&) = delete;
  HealthChecker& operator=(const HealthChecker&) = delete;

  // Thread-safe. A target whose `state` was already checked keeps its machine and schedule, so a
  // reload does not forget what the checks learnt.
  void set_targets(std::vector<HealthTarget> targets);
  void start();
  void stop();

 private:
  using Clock = std::chrono::steady_clock;
  struct Entry {
    HealthTarget target;
    HealthMachine machine;
    uint32_t seen_passive = 0;
    Clock::time_point next_check;
    int fd = -1;  // a check in flight
    Clock::time_point deadline;
  };
  void run();
  void adopt_targets();
  void begin_check(Entry& e, Clock::time_point now);
  void end_check(Entry& e, bool ok, const std::string& why);
  void publish(Entry& e, HealthMachine::Change change, const std::string& why);

  std::mutex mu_;
  std::optional<std::vector<HealthTarget>> incoming_;  // guarded by mu_
  std::vector<Entry> entries_;                         // the checker thread's own
  int wake_fd_ = -1;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace labgate::proxy
