#include "daemon/daemon.h"

#include <algorithm>
#include <cassert>

#include <fmt/format.h>

#include "daemon/proxy_components.h"

namespace labgate::daemon {

Daemon::Daemon(const Plan& plan, DaemonOptions options) : options_(std::move(options)) {
  if (options_.threads < 1) options_.threads = 1;
  options_.dns.threads = options_.threads;
  // Without the endpoint nobody reads the DNS counters: the loops skip counting.
  options_.dns.count = plan.http.enabled;
  auto dns = std::make_unique<DnsComponent>(plan, options_.dns);
  dns_ = dns.get();
  components_.push_back(std::move(dns));
  components_.push_back(
      std::make_unique<UdpProxyComponent>(plan, options_.threads, options_.udp_idle_timeout_ms));
  components_.push_back(
      std::make_unique<TcpProxyComponent>(plan, options_.threads, options_.proxy_drain_ms));
  // The status line names DNS, then the TCP forwards, then the UDP ones, then the endpoint.
  shown_ = {components_[0].get(), components_[2].get(), components_[1].get()};
  if (plan.http.enabled) {
    HttpOptions http = options_.http;
    http.address = plan.http.address;
    http.port = plan.http.port;
    auto component = std::make_unique<HttpComponent>(http);
    http_ = component.get();
    http_->add_route("/metrics", "text/plain; version=0.0.4; charset=utf-8",
                     [this] { return render_prometheus_text(metrics_.collect()); });
    shown_.push_back(http_);
    components_.push_back(std::move(component));
  }
  // The component that commits in prepare is prepared last (component.h); at most one.
  assert(std::count_if(components_.begin(), components_.end(),
                       [](const auto& c) { return c->commits_in_prepare(); }) <= 1);
  std::stable_partition(components_.begin(), components_.end(),
                        [](const auto& c) { return !c->commits_in_prepare(); });

  const char* reload_help = "reloads (SIGHUP) of the file, by result";
  reloads_ok_ = &metrics_.counter("labgate_reloads_total", reload_help, {{"result", "ok"}});
  reloads_failed_ = &metrics_.counter("labgate_reloads_total", reload_help, {{"result", "failed"}});
  metrics_
      .gauge("labgate_build_info", "always 1; the labels say which labgate runs",
             {{"version", options_.version}})
      .set(1);
  for (auto& c : components_) c->register_metrics(metrics_);
}

Daemon::~Daemon() {
  stop();
}

Status Daemon::configure() {
  return dns_->configure();
}

Status Daemon::bind() {
  for (auto& c : components_) {
    if (Status s = c->bind(); !s.ok()) {
      stop();  // closes what the components before it opened
      return s;
    }
  }
  return Status::ok_status();
}

void Daemon::start() {
  for (auto& c : components_) c->start();
}

void Daemon::stop() {
  for (auto& c : components_) c->stop();
}

Result<std::vector<std::string>> Daemon::reload(const Plan& next) {
  std::vector<std::unique_ptr<PendingReload>> pending;
  for (auto& c : components_) {
    Result<std::unique_ptr<PendingReload>> p = c->prepare_reload(next);
    if (!p) {
      reloads_failed_->add();
      return p.status();  // `pending` is dropped: what was prepared is undone
    }
    pending.push_back(std::move(*p));
  }
  std::vector<std::string> log;
  for (auto& p : pending)
    if (std::string line = p->commit(); !line.empty()) log.push_back(std::move(line));
  reloads_ok_->add();
  return log;
}

std::string Daemon::status() const {
  std::string line = dns_->describe();
  if (line.empty())
    line = fmt::format("{} thread{}", options_.threads, options_.threads == 1 ? "" : "s");
  for (const Component* c : shown_) {
    if (c == dns_) continue;
    if (std::string part = c->describe(); !part.empty()) line += "; " + part;
  }
  return line;
}

}  // namespace labgate::daemon
