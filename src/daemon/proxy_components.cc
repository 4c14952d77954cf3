#include "daemon/proxy_components.h"

#include <fmt/format.h>

#include "runtime/log.h"

namespace labgate::daemon {
namespace {

// A reload already applied: commit() only reports it.
class AppliedReload : public PendingReload {
 public:
  explicit AppliedReload(std::string line) : line_(std::move(line)) {}
  std::string commit() override { return line_; }

 private:
  std::string line_;
};

class PendingUdpReload : public PendingReload {
 public:
  PendingUdpReload(proxy::UdpProxyServer& server, proxy::UdpReload reload)
      : server_(server), reload_(std::move(reload)) {}
  std::string commit() override {
    proxy::ForwardDiff diff = server_.apply_reload(std::move(reload_));
    return fmt::format(
        "reloaded the UDP proxy: {} forwards kept as they were, {} changed, {} added, {} removed",
        diff.unchanged, diff.changed, diff.added, diff.removed.size());
  }

 private:
  proxy::UdpProxyServer& server_;
  proxy::UdpReload reload_;  // its sockets close if dropped without commit()
};

}  // namespace

TcpProxyComponent::TcpProxyComponent(const Plan& plan, int threads, uint32_t drain_ms)
    : threads_(threads),
      drain_ms_(drain_ms),
      server_(proxy::proxy_forwards(plan.forwarding), drain_ms) {}

Status TcpProxyComponent::bind() {
  return server_.bind(threads_);
}

void TcpProxyComponent::start() {
  server_.start();
}

void TcpProxyComponent::stop() {
  server_.stop();
}

Result<std::unique_ptr<PendingReload>> TcpProxyComponent::prepare_reload(const Plan& next) {
  Result<proxy::ForwardDiff> reloaded = server_.reload(proxy::proxy_forwards(next.forwarding));
  if (!reloaded) return reloaded.status();
  const proxy::ForwardDiff& diff = *reloaded;
  return std::make_unique<AppliedReload>(fmt::format(
      "reloaded the proxy: {} forwards kept as they were, {} changed, {} added, {} removed "
      "(draining for up to {} s)",
      diff.unchanged, diff.changed, diff.added, diff.removed.size(), drain_ms_ / 1000));
}

void TcpProxyComponent::register_metrics(MetricsRegistry& registry) {
  registry.add_collector([this](MetricsSink& sink) {
    for (const auto& [label, state] : server_.counters()) {
      const proxy::ForwardState& s = *state;
      Labels l = {{"forward", label}};
      sink.counter("labgate_proxy_connections_total",
                   "TCP connections accepted by the userspace proxy, per forward", l,
                   static_cast<double>(s.accepted.load(std::memory_order_relaxed)));
      sink.counter("labgate_proxy_refused_total",
                   "TCP connections closed at once (over max_connections or out of descriptors)", l,
                   static_cast<double>(s.refused.load(std::memory_order_relaxed)));
      sink.counter("labgate_proxy_failed_total",
                   "TCP connections that reached no backend (or sent a bad hello or PROXY header)",
                   l, static_cast<double>(s.failed.load(std::memory_order_relaxed)));
      sink.gauge("labgate_proxy_active_connections", "TCP connections relayed now, per forward", l,
                 static_cast<double>(s.active.load(std::memory_order_relaxed)));
      const char* bytes_help = "Bytes the TCP proxy delivered, per forward and direction";
      for (auto [direction, total] :
           {std::pair{"to_backend", &s.bytes_up}, std::pair{"to_client", &s.bytes_down}}) {
        Labels d = l;
        d.emplace_back("direction", direction);
        sink.counter("labgate_proxy_bytes_total", bytes_help, std::move(d),
                     static_cast<double>(total->load(std::memory_order_relaxed)));
      }
    }
    for (const auto& b : server_.backends()) {
      Labels l = {{"forward", b.forward}, {"backend", b.backend}};
      sink.gauge("labgate_proxy_backend_up",
                 "1 when the backend passes its health checks (always 1 without checks), else 0", l,
                 b.up ? 1 : 0);
      sink.gauge("labgate_proxy_backend_active_connections",
                 "TCP connections to the backend now, connecting or relaying", l,
                 static_cast<double>(b.active));
    }
  });
}

std::string TcpProxyComponent::describe() const {
  std::string out;
  for (const auto& f : server_.forwards())
    out += fmt::format("{}proxying {} on {}", out.empty() ? "" : "; ", f.label, f.listen.str());
  return out;
}

UdpProxyComponent::UdpProxyComponent(const Plan& plan, int threads, uint32_t idle_timeout_ms)
    : threads_(threads),
      idle_timeout_ms_(idle_timeout_ms),
      server_(forwards_of(plan, /*log_ignored=*/true)) {}

std::vector<proxy::UdpForward> UdpProxyComponent::forwards_of(const Plan& plan,
                                                              bool log_ignored) const {
  std::vector<std::string> ignored;
  std::vector<proxy::UdpForward> out = proxy::udp_proxy_forwards(plan.forwarding, &ignored);
  if (log_ignored)
    for (const auto& line : ignored) runtime::log_warning(line);
  for (auto& f : out)
    if (idle_timeout_ms_ > 0) f.idle_timeout_ms = idle_timeout_ms_;
  return out;
}

Status UdpProxyComponent::bind() {
  return server_.bind(threads_);
}

void UdpProxyComponent::start() {
  server_.start();
}

void UdpProxyComponent::stop() {
  server_.stop();
}

Result<std::unique_ptr<PendingReload>> UdpProxyComponent::prepare_reload(const Plan& next) {
  Result<proxy::UdpReload> reload =
      server_.prepare_reload(forwards_of(next, /*log_ignored=*/false));
  if (!reload) return reload.status();
  return std::make_unique<PendingUdpReload>(server_, std::move(*reload));
}

void UdpProxyComponent::register_metrics(MetricsRegistry& registry) {
  registry.add_collector([this](MetricsSink& sink) {
    for (const auto& [label, state] : server_.counters()) {
      const proxy::UdpForwardState& s = *state;
      auto get = [](const std::atomic<uint64_t>& a) {
        return static_cast<double>(a.load(std::memory_order_relaxed));
      };
      Labels l = {{"forward", label}};
      sink.gauge("labgate_proxy_udp_sessions", "UDP proxy sessions open now, per forward", l,
                 static_cast<double>(s.sessions.load(std::memory_order_relaxed)));
      sink.counter("labgate_proxy_udp_sessions_total", "UDP proxy sessions opened, per forward", l,
                   get(s.opened));
      sink.counter("labgate_proxy_udp_dropped_total",
                   "datagrams of new UDP clients dropped (session limit, no socket)", l,
                   get(s.dropped));
      const char* help = "datagrams relayed by the UDP proxy, per forward and direction";
      Labels up = l, down = l;
      up.push_back({"direction", "to_backend"});
      down.push_back({"direction", "to_client"});
      sink.counter("labgate_proxy_udp_datagrams_total", help, up, get(s.datagrams_up));
      sink.counter("labgate_proxy_udp_datagrams_total", help, down, get(s.datagrams_down));
    }
  });
}

std::string UdpProxyComponent::describe() const {
  std::string out;
  for (const auto& f : server_.forwards())
    out += fmt::format("{}proxying {} on udp {}", out.empty() ? "" : "; ", f.label, f.listen.str());
  return out;
}

}  // namespace labgate::daemon
