// What the userspace proxy serves: TCP forwards, each a listening address and where its
// connections go. Built from the topology's `via: proxy` forwards (pure, no I/O), or by hand in
// tests.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "net/ip_address.h"
#include "plan/forwarding_plan.h"
#include "proxy/proxy_header.h"
#include "runtime/listen_address.h"

namespace labgate::proxy {

struct Backend {
  IpAddress address;
  uint16_t port = 0;
  bool operator==(const Backend&) const = default;
};

// A route by TLS server name: `name` is exact ("a.example") or a wildcard ("*.cluster", which
// matches any name ending in ".cluster", at any depth, but not "cluster" itself).
struct SniRoute {
  std::string name;
  Backend backend;
  bool operator==(const SniRoute&) const = default;
};

struct ProxyForward {
  std::string label;  // for logs, e.g. "lan:8443 -> ingress:https"
  runtime::ListenAddress listen;
  // Where connections go (with SNI routes: the default route): one or more backends (at most
  // kMaxBackends), spread by `balance` over the healthy ones (backend_pool.h).
  std::vector<Backend> backends;
  Balance balance = Balance::kRoundRobin;
  // Active checks of every backend (health_checker.h); 0: none, and no passive marking either
  // (nothing would bring a backend back).
  uint32_t health_interval_ms = 0;
  uint32_t health_timeout_ms = 1000;
  // With SNI routes, the proxy reads the ClientHello first and picks the route: exact names
  // first, then the longest matching wildcard, then `backends` if has_default, else it closes.
  std::vector<SniRoute> sni_routes;
  bool has_default = true;
  bool read_server_name = false;  // read the ClientHello even without routes (sni: true)
  std::optional<ProxyVersion> send_proxy_header;
  uint32_t max_connections = 4096;  // across all loops; beyond it, accepted and closed at once
  uint32_t connect_timeout_ms = 5000;
  uint32_t idle_timeout_ms = 600000;  // no byte either way for this long: closed
  // Inactivity allowed once the client has finished sending, or after a backend reset while its
  // reply is delivered: then closed (docs/proxy.md "Timeouts").
  uint32_t fin_timeout_ms = 30000;
  uint32_t hello_timeout_ms = 5000;  // SNI, PROXY header: the whole of it within this time
  // Non-empty: the listener serves only these sources, and each connection must start with a
  // PROXY v1/v2 header, whose TCP4 client address then stands for the client (in the header sent
  // on). Other sources, and a missing or malformed header, are closed.
  std::vector<IpPrefix> accept_proxy;

  bool routes_by_name() const { return read_server_name || !sni_routes.empty(); }
  bool trusts(IpAddress source) const;
  // The SNI route for `server_name` (exact, then the longest wildcard); nullopt: none matches,
  // so the connection goes to `backends` if has_default, else it is closed.
  std::optional<Backend> named_route(const std::string& server_name) const;
  bool operator==(const ProxyForward&) const = default;
};

// The proxy's form of a resolved `via: proxy` TCP forward (plan/forwarding_plan.h): a
// translation, nothing is looked up or defaulted here. With several targets the forward is
// health-checked as the plan says; `sni` routes go by server name, other names and hellos without
// one to the forward's targets.
Backend backend_of(const ResolvedTarget& target);
ProxyForward proxy_forward(const ResolvedForward& forward);
// Every `via: proxy` TCP forward of the plan, in file order. UDP ones are udp_forward.h's.
std::vector<ProxyForward> proxy_forwards(const ForwardingPlan& plan);

}  // namespace labgate::proxy
