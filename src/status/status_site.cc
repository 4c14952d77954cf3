#include "status/status_site.h"

#include <chrono>
#include <fstream>
#include <map>
#include <sstream>

#include "show/svg.h"
#include "status/page.h"
#include "status/queries_json.h"
#include "status/status_json.h"

namespace labgate::status {
namespace {

constexpr const char* kJson = "application/json";

daemon::HttpResponse json_response(int status, const nlohmann::ordered_json& j) {
  return {status, kJson, j.dump() + "\n"};
}

// The saved verify result, or nullopt when there is none (or it is not JSON: a half-written file
// cannot happen, verify replaces it atomically, but a hand-edited one can).
std::optional<nlohmann::ordered_json> saved_verify(const std::string& state_dir) {
  if (state_dir.empty()) return std::nullopt;
  std::ifstream in(state_dir + "/" + kSavedVerifyFile, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  auto j = nlohmann::ordered_json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  return j;
}

}  // namespace

StatusSite::StatusSite(const Plan& plan, const daemon::MetricsRegistry& metrics,
                       const dns::QueryLog* query_log, StatusSiteOptions options)
    : metrics_(metrics), query_log_(query_log), options_(std::move(options)) {
  update(plan);
}

void StatusSite::update(const Plan& plan) {
  auto next = std::make_shared<Snapshot>();
  next->plan = plan;
  next->gateway = plan.dns.gateway_name;
  next->svg = show::render_svg(plan);
  for (const auto& n : plan.dns.networks) next->views.push_back(n.network);
  std::lock_guard lock(mu_);
  current_ = std::move(next);
}

std::shared_ptr<const StatusSite::Snapshot> StatusSite::current() const {
  std::lock_guard lock(mu_);
  return current_;
}

void StatusSite::add_routes(daemon::HttpComponent& http) {
  http.add_route("/", [this](const daemon::HttpRequest&) { return page(); });
  http.add_route("/topology.svg", [this](const daemon::HttpRequest&) { return topology_svg(); });
  http.add_route("/api/status", [this](const daemon::HttpRequest&) { return status(); });
  http.add_route("/api/queries",
                 [this](const daemon::HttpRequest& r) { return queries(r.params); });
}

daemon::HttpResponse StatusSite::page() const {
  return {200, "text/html; charset=utf-8", std::string(status_page_html())};
}

daemon::HttpResponse StatusSite::topology_svg() const {
  return {200, "image/svg+xml", current()->svg};
}

daemon::HttpResponse StatusSite::status() const {
  auto snapshot = current();
  StatusInputs in;
  in.gateway = snapshot->gateway;
  in.now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  in.metrics = metrics_.collect();
  in.verify = saved_verify(options_.state_dir);
  in.query_log_entries = query_log_ ? query_log_->entries() : 0;
  in.refresh_seconds = options_.refresh_seconds;
  return json_response(200, status_json(snapshot->plan, in));
}

daemon::HttpResponse StatusSite::queries(const daemon::QueryParams& params) const {
  if (!query_log_)
    return json_response(404, {{"error", "the query log is off (dns.query_log in the file)"}});
  std::map<std::string, std::string> filters;
  for (const auto& [k, v] : params.items) filters[k] = v;
  Result<QueryFilter> filter = parse_query_filter(filters);
  if (!filter) return {400, "text/plain; charset=utf-8", filter.status().to_string() + "\n"};
  return json_response(
      200, queries_json(query_log_->recent(), *filter, current()->views, query_log_->entries()));
}

}  // namespace labgate::status
