#include "cli/kernel_metrics.h"

#include "kernel/nftables_ruleset.h"
#include "plan/nft_ruleset.h"

namespace labgate {

void KernelForwardMetrics::set_plan(const Plan& plan) {
  std::vector<std::pair<std::string, std::string>> forwards;
  for (const ResolvedForward* f : plan.forwarding.kernel_forwards())
    forwards.emplace_back(nft_forward_counter_name(*f), f->label());
  std::lock_guard lock(mu_);
  forwards_ = std::move(forwards);
}

void KernelForwardMetrics::register_with(daemon::MetricsRegistry& registry) {
  registry.add_collector([this](daemon::MetricsSink& sink) { collect(sink); });
}

void KernelForwardMetrics::collect(daemon::MetricsSink& sink) const {
  {
    std::lock_guard lock(mu_);
    if (forwards_.empty()) return;  // no kernel forward: nothing to read
  }
  std::vector<Ruleset::NamedCounter> counters;
  Status s = make_nftables_ruleset()->list_counters(&counters);
  sink.gauge("labgate_kernel_counters_readable",
             "1 when the kernel datapath's counters could be read (root and an applied table)", {},
             s.ok() && !counters.empty() ? 1 : 0);
  if (!s.ok()) return;
  std::lock_guard lock(mu_);
  for (const auto& [name, label] : forwards_)
    for (const auto& c : counters) {
      if (c.name != name) continue;
      daemon::Labels l = {{"forward", label}};
      sink.counter("labgate_kernel_forward_packets_total",
                   "packets of the kernel datapath's forwarded flows, both directions, per forward "
                   "(reset when `labgate apply` replaces the table)",
                   l, static_cast<double>(c.packets));
      sink.counter("labgate_kernel_forward_bytes_total",
                   "bytes of the kernel datapath's forwarded flows, both directions, per forward",
                   l, static_cast<double>(c.bytes));
    }
}

}  // namespace labgate
