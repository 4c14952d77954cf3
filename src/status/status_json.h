// The status page's data, /api/status: what the daemon serves and how it is doing, as one JSON
// document built from the Plan, a collection of the metrics registry and the last saved verify.
//
// Contract: pure. The caller collects (MetricsRegistry::collect()), reads the saved verify file
// and the clock; this function only joins them, so it is tested with hand-built families. A
// forward's counters are read by label, not by name: every `labgate_proxy_*` or
// `labgate_kernel_forward_*` series labelled with its `forward` (the Plan's label,
// "lan:2222 -> sftp:ssh"), summed over their other labels (direction); a series that also carries
// a `backend` label (ADDRESS:PORT) is that backend's. The shape is documented in
// docs/observability.md ("Status page").
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "daemon/metrics.h"
#include "plan/plan.h"

namespace labgate::status {

// The file `labgate verify --save` writes in the state directory (without a FILE of its own), and
// `labgate run` shows on the status page: verify's JSON (results_json) with "time" added.
inline constexpr const char* kSavedVerifyFile = "verify-last.json";

struct StatusInputs {
  std::string gateway;  // the file's gateway name
  double now = 0;       // seconds since the epoch, when the metrics were collected
  std::vector<daemon::MetricFamily> metrics;
  std::optional<nlohmann::ordered_json> verify;  // the file `verify --save` wrote, if any
  size_t query_log_entries = 0;                  // 0: the query log is off
  double refresh_seconds = 2;                    // the page's default refresh
};

// Health of one backend as the page shows it: "up" and "down" from labgate_proxy_backend_up,
// "unchecked" when no health check watches it (a kernel forward, or a proxy forward with one
// target and no health_check) and nothing marked it down.
nlohmann::ordered_json status_json(const Plan& plan, const StatusInputs& in);

// The metric names status_json() reads for backends and DNS (the rest are matched by label).
inline constexpr const char* kBackendUp = "labgate_proxy_backend_up";
// {view, type, rcode}: every answer sent.
inline constexpr const char* kDnsAnswers = "labgate_dns_answers_total";
// {transport}: the older total, used when answers by view are not exported.
inline constexpr const char* kDnsResponses = "labgate_dns_responses_total";
inline constexpr const char* kDnsCacheLookups = "labgate_dns_cache_lookups_total";  // {result}
inline constexpr const char* kDnsStale = "labgate_dns_stale_answers_total";
inline constexpr const char* kDnsCacheEntries = "labgate_dns_cache_entries";            // a gauge
inline constexpr const char* kDnsCacheCapacity = "labgate_dns_cache_capacity_entries";  // a gauge

}  // namespace labgate::status
