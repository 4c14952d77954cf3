// The DNS service as a daemon component: the split-horizon Authority and the caching forwarder
// (dns/service.h) on the runtime's event loops (runtime/server.h), built from the Plan's DNS part.
//
// Whether DNS is served is decided at start: with no `dns:` section the component opens nothing
// and reloads change nothing for it. The listen addresses and thread count are fixed at start
// too; a reload whose plan would listen elsewhere logs a warning (a restart applies it). So is
// the query log (dns.query_log): its rings are allocated once, at start.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "daemon/component.h"
#include "dns/service.h"
#include "runtime/listen_address.h"
#include "runtime/server.h"

namespace labgate::daemon {

struct DnsComponentOptions {
  std::vector<runtime::ListenAddress> listen;  // empty: port 53 on each address the plan serves
  int threads = 1;
  std::string loopback_view;  // tests on loopback: 127.0.0.0/8 gets this network's view
  uint32_t rate_limit = 0;    // UDP answers per second per client /24; 0: off
  uint16_t upstream_port = 53;
  bool count = true;  // the per-loop counters for the metrics (off when nothing serves them)
};

class DnsComponent : public Component {
 public:
  DnsComponent(const Plan& plan, DnsComponentOptions options);

  // Builds the first answers; fails when the options do not fit the plan (a loopback view that
  // names no network). Before bind().
  Status configure();

  const char* name() const override { return "dns"; }
  Status bind() override;
  void start() override;
  void stop() override;
  Result<std::unique_ptr<PendingReload>> prepare_reload(const Plan& next) override;
  void register_metrics(MetricsRegistry& registry) override;
  std::string describe() const override;

  bool serves() const { return serves_; }
  const std::vector<runtime::ListenAddress>& bound() const { return server_.bound(); }
  runtime::Server::Stats stats() const { return server_.stats(); }
  // The query log; null when the file does not turn it on (or DNS is not served).
  const dns::QueryLog* query_log() const { return query_log_.get(); }

 private:
  class Pending;
  Result<std::shared_ptr<const dns::Authority>> build_authority(const Plan& plan) const;
  std::shared_ptr<const dns::ForwardingConfig> forwarding_config(const Plan& plan) const;
  static std::vector<runtime::ListenAddress> default_listen(const Plan& plan);
  void collect_service(MetricsSink& sink, const dns::DnsStatsTotals& totals) const;

  DnsComponentOptions options_;
  const bool serves_;
  std::string zone_;
  mutable std::mutex view_names_mu_;     // the metrics read the names from another thread
  std::vector<std::string> view_names_;  // the views' networks, by view index (for labels)
  std::vector<runtime::ListenAddress> listen_;
  std::unique_ptr<dns::DnsService> service_;
  runtime::Server server_;
  std::shared_ptr<const dns::Authority> initial_;
  std::string initial_error_;  // why initial_ could not be built
  std::shared_ptr<const dns::ForwardingConfig> initial_forwarding_;
  std::shared_ptr<dns::QueryLog> query_log_;
};

}  // namespace labgate::daemon
