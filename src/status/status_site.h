// The status page's routes on the daemon's HTTP endpoint (daemon/http_component.h):
//   /              the page (page.html)
//   /topology.svg  the topology as show --format svg draws it
//   /api/status    status_json() of the current Plan, a fresh collection of the metrics and the
//                  saved verify result (verify-last.json in the state directory, when present)
//   /api/queries   the query log, filtered (queries_json.h); 404 when the file leaves it off
// All read-only. The Plan and the picture are replaced on reload (update()); the handlers run on
// the HTTP workers, apart from the DNS and proxy loops, and read the query log's rings without
// stopping them.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "daemon/http_component.h"
#include "daemon/metrics.h"
#include "dns/query_log.h"
#include "plan/plan.h"

namespace labgate::status {

struct StatusSiteOptions {
  std::string state_dir;  // where `verify --save` leaves verify-last.json; "" for none
  double refresh_seconds = 2;
};

class StatusSite {
 public:
  // `metrics` and `query_log` (null: off) must outlive the site.
  // Everything the site shows, the gateway's name included (dns.gateway_name), is the Plan's.
  StatusSite(const Plan& plan, const daemon::MetricsRegistry& metrics,
             const dns::QueryLog* query_log, StatusSiteOptions options);

  // A reload's new file; thread-safe.
  void update(const Plan& plan);
  void add_routes(daemon::HttpComponent& http);

  // The routes' handlers (public for tests).
  daemon::HttpResponse page() const;
  daemon::HttpResponse topology_svg() const;
  daemon::HttpResponse status() const;
  daemon::HttpResponse queries(const daemon::QueryParams& params) const;

 private:
  struct Snapshot {
    Plan plan;
    std::string gateway;
    std::string svg;
    std::vector<std::string> views;  // the Plan's DNS networks, by view index
  };
  std::shared_ptr<const Snapshot> current() const;

  const daemon::MetricsRegistry& metrics_;
  const dns::QueryLog* query_log_;
  StatusSiteOptions options_;
  mutable std::mutex mu_;  // guards current_ (the pointer), on the HTTP side only
  std::shared_ptr<const Snapshot> current_;
};

}  // namespace labgate::status
