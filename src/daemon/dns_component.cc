#include "daemon/dns_component.h"

#include <ctime>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "runtime/log.h"

namespace labgate::daemon {

DnsComponent::DnsComponent(const Plan& plan, DnsComponentOptions options)
    : options_(std::move(options)),
      serves_(plan.dns.enabled),
      zone_(plan.dns.zone),
      view_names_(plan.dns.views.networks) {
  listen_ = options_.listen.empty() ? default_listen(plan) : options_.listen;
  initial_forwarding_ = forwarding_config(plan);
  if (serves_ && plan.dns.query_log_entries > 0)
    query_log_ = std::make_shared<dns::QueryLog>(plan.dns.query_log_entries);
  if (serves_) {
    auto built = build_authority(plan);
    if (built)
      initial_ = *built;
    else
      initial_error_ = built.error();
  }
}

Status DnsComponent::configure() {
  if (!serves_) return Status::ok_status();
  if (!initial_) return Status::error(initial_error_);
  dns::DnsServiceOptions dns_options;
  dns_options.rate_limit = options_.rate_limit;
  dns_options.query_log = query_log_;
  dns_options.count = options_.count;
  service_ = std::make_unique<dns::DnsService>(initial_, initial_forwarding_, dns_options);
  return Status::ok_status();
}

std::vector<runtime::ListenAddress> DnsComponent::default_listen(const Plan& plan) {
  std::vector<runtime::ListenAddress> out;
  for (IpAddress a : plan.dns.listen_addresses()) out.push_back({a, 53});
  return out;
}

Result<std::shared_ptr<const dns::Authority>> DnsComponent::build_authority(
    const Plan& plan) const {
  dns::AuthorityOptions a;
  a.serial = static_cast<uint32_t>(std::time(nullptr));
  a.loopback_view = options_.loopback_view;
  return dns::Authority::build(plan.dns, a);
}

// Where names outside the zone go, and who may ask for them (docs/dns.md, "Forwarding").
std::shared_ptr<const dns::ForwardingConfig> DnsComponent::forwarding_config(
    const Plan& plan) const {
  auto config = std::make_shared<dns::ForwardingConfig>();
  for (IpAddress a : plan.dns.upstreams) config->upstreams.push_back({a, options_.upstream_port});
  config->recursion = plan.dns.recursion_subnets();
  return config;
}

Status DnsComponent::bind() {
  if (!serves_) return Status::ok_status();
  return server_.bind(*service_, listen_, options_.threads);
}

void DnsComponent::start() {
  if (serves_) server_.start();
}

void DnsComponent::stop() {
  server_.stop();
}

class DnsComponent::Pending : public PendingReload {
 public:
  Pending(DnsComponent* owner, std::shared_ptr<const dns::Authority> authority,
          std::shared_ptr<const dns::ForwardingConfig> forwarding, std::string zone, size_t names,
          bool listen_changed, std::vector<std::string> views = {})
      : owner_(owner),
        views_(std::move(views)),
        authority_(std::move(authority)),
        forwarding_(std::move(forwarding)),
        zone_(std::move(zone)),
        names_(names),
        listen_changed_(listen_changed) {}

  std::string commit() override {
    if (!owner_) return "";
    owner_->service_->replace(authority_, forwarding_);
    owner_->zone_ = zone_;
    {
      std::lock_guard lock(owner_->view_names_mu_);
      owner_->view_names_ = views_;
    }
    if (listen_changed_)
      runtime::log_warning("the listen addresses changed; restart labgate to use them");
    return fmt::format("reloaded: zone '{}', {} names", zone_, names_);
  }

 private:
  DnsComponent* owner_;  // nullptr: DNS is not served, nothing to do
  std::vector<std::string> views_;
  std::shared_ptr<const dns::Authority> authority_;
  std::shared_ptr<const dns::ForwardingConfig> forwarding_;
  std::string zone_;
  size_t names_ = 0;
  bool listen_changed_ = false;
};

Result<std::unique_ptr<PendingReload>> DnsComponent::prepare_reload(const Plan& next) {
  if (!serves_) return std::make_unique<Pending>(nullptr, nullptr, nullptr, "", 0, false);
  auto authority = build_authority(next);
  if (!authority) return authority.status();
  bool listen_changed = options_.listen.empty() && default_listen(next) != listen_;
  return std::make_unique<Pending>(this, std::move(*authority), forwarding_config(next),
                                   next.dns.zone, next.dns.views.names.size(), listen_changed,
                                   next.dns.views.networks);
}

void DnsComponent::register_metrics(MetricsRegistry& registry) {
  if (!serves_) return;
  registry.add_collector([this](MetricsSink& sink) {
    runtime::Server::Stats s = server_.stats();
    const char* help = "DNS responses sent, by transport";
    sink.counter("labgate_dns_responses_total", help, {{"transport", "udp"}},
                 static_cast<double>(s.udp_answers));
    sink.counter("labgate_dns_responses_total", help, {{"transport", "tcp"}},
                 static_cast<double>(s.tcp_answers));
    sink.counter(
        "labgate_dns_udp_batches_total",
        "recvmmsg batches read by the DNS loops (responses per batch = responses / batches)", {},
        static_cast<double>(s.udp_batches));
    if (service_) collect_service(sink, service_->stats());
  });
}

void DnsComponent::collect_service(MetricsSink& sink, const dns::DnsStatsTotals& t) const {
  std::vector<std::string> views;
  {
    std::lock_guard lock(view_names_mu_);
    views = view_names_;
  }
  auto view_label = [&](size_t slot) -> std::string {
    if (slot < dns::kMaxViews && slot < views.size()) return views[slot];
    return slot == dns::kMaxViews ? "none" : "other";
  };
  // Only the series that counted something: most view, type and rcode combinations never occur.
  for (size_t v = 0; v < dns::kViewSlots; ++v)
    for (size_t ty = 0; ty < dns::kTypeSlots; ++ty)
      for (size_t r = 0; r < dns::kRcodeSlots; ++r)
        if (uint64_t n = t.responses[v][ty][r])
          sink.counter("labgate_dns_answers_total",
                       "DNS responses sent, by the client's view (its network; none: on no network "
                       "of the file), query type and rcode",
                       {{"view", view_label(v)},
                        {"type", dns::type_label(ty)},
                        {"rcode", dns::rcode_label(r)}},
                       static_cast<double>(n));
  const char* cache_help = "names outside the zone looked up in the cache, by result";
  sink.counter("labgate_dns_cache_lookups_total", cache_help, {{"result", "hit"}},
               static_cast<double>(t.cache_hits));
  sink.counter("labgate_dns_cache_lookups_total", cache_help, {{"result", "miss"}},
               static_cast<double>(t.cache_misses));
  sink.gauge("labgate_dns_cache_entries",
             "answers held in the forwarder's cache now, summed over the DNS loops (each loop "
             "has its own cache, so a name asked on two loops is held twice)",
             {}, static_cast<double>(t.cache_entries));
  sink.gauge("labgate_dns_cache_capacity_entries",
             "the most answers the forwarder's caches may hold, summed over the DNS loops", {},
             static_cast<double>(t.cache_capacity));
  sink.counter("labgate_dns_stale_answers_total",
               "answers served stale from the cache (RFC 8767) when no upstream answered in time",
               {}, static_cast<double>(t.stale));
  sink.counter("labgate_dns_rate_limited_total",
               "UDP queries dropped by the response-rate limit (sources on no network of the file)",
               {}, static_cast<double>(t.rate_limited));
  sink.counter("labgate_dns_upstream_timeouts_total", "tries of an upstream that timed out", {},
               static_cast<double>(t.upstream_timeouts));
  sink.counter("labgate_dns_upstream_failures_total",
               "questions no upstream answered (clients got stale answers or SERVFAIL)", {},
               static_cast<double>(t.upstream_failures));
  std::vector<double> bounds(dns::kUpstreamBuckets.begin(), dns::kUpstreamBuckets.end());
  std::vector<uint64_t> buckets(t.upstream_buckets.begin(), t.upstream_buckets.end());
  sink.histogram("labgate_dns_upstream_duration_seconds",
                 "time from a query sent upstream to its usable reply", {}, std::move(bounds),
                 std::move(buckets), t.upstream_seconds);
}

std::string DnsComponent::describe() const {
  if (!serves_) return "";
  std::vector<std::string> where;
  for (const auto& a : server_.bound()) where.push_back(a.str());
  return fmt::format("serving DNS for zone '{}' on udp+tcp {} with {} thread{}", zone_,
                     fmt::join(where, ", "), options_.threads, options_.threads == 1 ? "" : "s");
}

}  // namespace labgate::daemon
