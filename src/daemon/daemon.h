// `labgate run`'s daemon: the components (component.h) that serve one Plan, their metrics
// registry, and the order in which they bind, start, reload and stop.
//
// Reload: Daemon::reload() compiles nothing (the caller hands it the new Plan, compiled once). It
// prepares every component, in order, the one that commits in prepare (the TCP proxy) last; if
// any preparation fails, what the others prepared is dropped and everything is served as before.
// Then it commits each prepared reload. Counted in labgate_reloads_total{result}.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "daemon/component.h"
#include "daemon/dns_component.h"
#include "daemon/http_component.h"
#include "daemon/metrics.h"
#include "plan/plan.h"

namespace labgate::daemon {

struct DaemonOptions {
  int threads = 1;          // event loops per component
  DnsComponentOptions dns;  // its `threads` is set from `threads`
  uint32_t proxy_drain_ms = 30000;
  uint32_t udp_idle_timeout_ms = 0;  // 0: each UDP forward's own
  std::string version;               // for labgate_build_info
  // The HTTP endpoint's limits; its address and whether it runs come from the Plan (`http:`).
  HttpOptions http;
};

class Daemon {
 public:
  Daemon(const Plan& plan, DaemonOptions options);
  ~Daemon();  // stops every component

  // Checks what the options add to the plan (a loopback view that names no network). A failure
  // is a configuration error; nothing was opened.
  Status configure();
  // Opens every component's sockets; on failure nothing is left open.
  Status bind();
  void start();
  void stop();

  // A failure: the new plan could not be served and nothing changed. Otherwise the committed
  // components' log lines.
  Result<std::vector<std::string>> reload(const Plan& next);

  // What is served now: the readiness and status line.
  std::string status() const;
  MetricsRegistry& metrics() { return metrics_; }
  const DnsComponent& dns() const { return *dns_; }
  // The HTTP endpoint (serving /metrics), or nullptr when the file turns it off. Routes are added
  // before bind().
  HttpComponent* http() { return http_; }

 private:
  DaemonOptions options_;
  MetricsRegistry metrics_;
  DnsComponent* dns_ = nullptr;                         // owned by components_
  HttpComponent* http_ = nullptr;                       // owned by components_; may be null
  std::vector<std::unique_ptr<Component>> components_;  // in start and prepare order
  std::vector<const Component*> shown_;                 // in the status line's order
  Counter* reloads_ok_ = nullptr;
  Counter* reloads_failed_ = nullptr;
};

}  // namespace labgate::daemon
