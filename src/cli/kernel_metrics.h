// `labgate run`'s metrics of the kernel datapath: the packets and bytes of each kernel forward,
// read from the named counters the applied table keeps (plan/nft_ruleset.h) at each collect().
// Nothing is counted by labgate on the data path: the kernel counts, labgate reads on a scrape.
//
// The forwards' labels come from the Plan (set_plan() on reload). A forward whose counter the
// live table lacks (not applied, or applied from another file) has no series; without the table
// or without CAP_NET_ADMIN there are none, and labgate_kernel_counters_readable says so.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "daemon/metrics.h"
#include "plan/plan.h"

namespace labgate {

class KernelForwardMetrics {
 public:
  explicit KernelForwardMetrics(const Plan& plan) { set_plan(plan); }
  void set_plan(const Plan& plan);
  void register_with(daemon::MetricsRegistry& registry);

 private:
  void collect(daemon::MetricsSink& sink) const;

  mutable std::mutex mu_;
  std::vector<std::pair<std::string, std::string>> forwards_;  // counter name, forward label
};

}  // namespace labgate
