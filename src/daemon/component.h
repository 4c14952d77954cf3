// What the daemon hosts: a long-running service of the gateway (DNS, the TCP proxy, the UDP
// proxy, later the HTTP endpoint for metrics and status), with one life cycle for all of them.
//
// Life cycle, driven by Daemon (daemon.h) from its one control thread:
//   bind()   opens every socket of every loop, so that failures show before anything runs; on
//            failure nothing is left open;
//   start()  starts the component's threads;
//   prepare_reload(plan) checks the new Plan and opens what it needs without changing what is
//            served; the returned PendingReload's commit() then switches (the loops apply it
//            after their current batch). Dropping a PendingReload without commit() undoes the
//            preparation (closes what it opened);
//   stop()   stops and joins; thread-safe.
// A component whose reload cannot be split into the two steps says so (commits_in_prepare): its
// prepare_reload() already switches when it succeeds. The daemon prepares such a component last,
// so that its failure still leaves every component as it was; at most one may be hosted.
#pragma once

#include <memory>
#include <string>

#include "daemon/metrics.h"
#include "diag/result.h"
#include "plan/plan.h"

namespace labgate::daemon {

class PendingReload {
 public:
  virtual ~PendingReload() = default;
  // Switches to the prepared configuration; returns a line for the log ("" for none).
  virtual std::string commit() = 0;
};

class Component {
 public:
  virtual ~Component() = default;

  virtual const char* name() const = 0;  // "dns", "tcp-proxy", "udp-proxy"
  virtual Status bind() = 0;
  virtual void start() = 0;
  virtual void stop() = 0;
  // A failure: the new plan cannot be served; nothing changed.
  virtual Result<std::unique_ptr<PendingReload>> prepare_reload(const Plan& next) = 0;
  virtual bool commits_in_prepare() const { return false; }
  // Registers the component's counters (owned metrics or a collector) once, before start().
  virtual void register_metrics(MetricsRegistry& registry) = 0;
  // What it serves now, for the readiness and status line; "" when it serves nothing.
  virtual std::string describe() const = 0;
};

}  // namespace labgate::daemon
