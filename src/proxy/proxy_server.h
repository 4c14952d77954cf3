// The userspace proxy as `labgate run` hosts it: N relay loops on N threads, each with its own
// SO_REUSEPORT listener for every forward (the kernel spreads clients across them), and one
// health-checker thread for the forwards that have checks.
//
// Reload: reload() swaps in a new list of forwards while the loops run. A forward is identified
// by its listen address. One whose address stays keeps its listening sockets (never closed or
// re-bound, so no connection is refused meanwhile); if its settings changed, new connections get
// the new ones, and established connections go on with those they started with. A forward that
// is gone stops listening at once, and its connections are closed after the drain bound. A new
// forward starts listening. Backends that stay keep their health.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "proxy/forward_diff.h"
#include "proxy/health_checker.h"
#include "proxy/proxy_forward.h"
#include "proxy/relay_loop.h"
#include "runtime/loop_group.h"

namespace labgate::proxy {

class ProxyServer {
 public:
  // `drain_ms`: how long connections of a forward removed by a reload may go on.
  explicit ProxyServer(std::vector<ProxyForward> forwards, uint32_t drain_ms = 30000);
  ~ProxyServer();  // stops and joins

  // Creates the loops and opens every listener of every loop (so failures show before anything
  // runs). A listen port 0 gets one from the kernel, shared by the other loops;
  // nothing is left open on failure. With no forwards, the loops wait for a reload to bring some.
  Status bind(int threads);
  std::vector<ProxyForward> forwards() const;  // ports resolved

  void start();
  void stop();  // thread-safe; returns after every loop stopped and its thread joined

  // After bind(), from one thread at a time. Fails when a new listener cannot be
  // opened: then nothing changed. The loops apply the change right after their current batch.
  Result<ForwardDiff> reload(std::vector<ProxyForward> next);

  const ForwardState& state(size_t i) const { return *runtimes_[i]->counters; }
  // Each forward served now with its counters, read under the lock in one go, so that a reload
  // from another thread cannot mismatch a label and its counters (for metrics).
  std::vector<std::pair<std::string, std::shared_ptr<const ForwardState>>> counters() const;

  // Each backend of each forward served now: whether it is up (always, for a forward without
  // health checks), and its connections now. For metrics and the status page; under the lock.
  struct BackendReport {
    std::string forward;   // the forward's label
    std::string backend;   // ADDRESS:PORT
    bool checked = false;  // health-checked (several targets or health_check:)
    bool up = true;
    uint32_t active = 0;
  };
  std::vector<BackendReport> backends() const;

 private:
  std::shared_ptr<ForwardRuntime> make_runtime(ProxyForward config,
                                               const ForwardRuntime* previous) const;
  std::vector<HealthTarget> health_targets() const;

  uint32_t drain_ms_;
  mutable std::mutex mu_;  // guards runtimes_ against forwards() from another thread
  std::vector<std::shared_ptr<ForwardRuntime>> runtimes_;
  runtime::LoopGroup<RelayLoop> loops_;
  HealthChecker checker_;
};

}  // namespace labgate::proxy
