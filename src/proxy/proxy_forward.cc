#include "proxy/proxy_forward.h"

#include <fmt/format.h>

namespace labgate::proxy {

bool ProxyForward::trusts(IpAddress source) const {
  for (const auto& p : accept_proxy)
    if (p.contains(source)) return true;
  return false;
}

std::optional<Backend> ProxyForward::named_route(const std::string& server_name) const {
  if (server_name.empty()) return std::nullopt;
  for (const auto& r : sni_routes)
    if (r.name == server_name) return r.backend;
  const SniRoute* best = nullptr;
  for (const auto& r : sni_routes) {
    if (r.name.size() < 2 || r.name[0] != '*' || r.name[1] != '.') continue;
    std::string_view suffix = std::string_view(r.name).substr(1);  // ".cluster"
    if (server_name.size() > suffix.size() && server_name.ends_with(suffix) &&
        (!best || r.name.size() > best->name.size()))
      best = &r;
  }
  if (best) return best->backend;
  return std::nullopt;
}

Backend backend_of(const ResolvedTarget& t) {
  return {t.address, t.port};
}

ProxyForward proxy_forward(const ResolvedForward& f) {
  const ProxyOptions& o = f.proxy;
  ProxyForward p;
  p.label = f.label();
  p.listen = {f.listen_address, f.listen_port};
  for (const auto& t : f.targets()) p.backends.push_back(backend_of(t));
  p.balance = o.balance;
  if (o.health_interval_ms > 0) {
    p.health_interval_ms = o.health_interval_ms;
    p.health_timeout_ms = o.health_timeout_ms;
  }
  p.accept_proxy = o.accept_proxy;
  if (o.proxy_protocol == 1) p.send_proxy_header = ProxyVersion::kV1;
  if (o.proxy_protocol == 2) p.send_proxy_header = ProxyVersion::kV2;
  if (o.max_connections > 0) p.max_connections = o.max_connections;
  p.read_server_name = o.sni;
  for (const auto& r : o.sni_routes) p.sni_routes.push_back({r.server_name, backend_of(r.target)});
  return p;
}

std::vector<ProxyForward> proxy_forwards(const ForwardingPlan& plan) {
  std::vector<ProxyForward> out;
  for (const ResolvedForward* f : plan.proxy_forwards(Protocol::kTcp))
    out.push_back(proxy_forward(*f));
  return out;
}

}  // namespace labgate::proxy
