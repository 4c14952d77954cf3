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

std::vector<ProxyForward> proxy_forwards(const Topology& t, std::vector<std::string>* skipped) {
  std::vector<ProxyForward> out;
  for (const auto& f : t.forwards) {
    if (!f.ok || f.via != Datapath::kProxy) continue;
    const Network* network = t.find_network(f.listen_network);
    const Service* service = t.find_service(f.service);
    const ServicePort* port = service ? service->find_port(f.service_port) : nullptr;
    if (!network || !port) continue;  // validate() reported it
    std::string label =
        fmt::format("{}:{} -> {}:{}", f.listen_network, f.listen_port, f.service, f.service_port);
    if (port->protocol != Protocol::kTcp) {
      if (skipped) skipped->push_back(label);
      continue;
    }
    ProxyForward p;
    p.label = label;
    p.listen = {network->address, f.listen_port};
    p.backends.push_back({service->address, port->port});
    for (const auto& target : f.more_targets) {
      const Service* s = t.find_service(target.service);
      const ServicePort* sp = s ? s->find_port(target.service_port) : nullptr;
      if (sp) p.backends.push_back({s->address, sp->port});
    }
    p.balance = f.balance;
    if (f.health_interval_ms > 0) {
      p.health_interval_ms = f.health_interval_ms;
      p.health_timeout_ms = f.health_timeout_ms;
    } else if (p.backends.size() > 1) {
      p.health_interval_ms = 2000;
      p.health_timeout_ms = 1000;
    }
    p.accept_proxy.assign(f.accept_proxy.begin(), f.accept_proxy.end());
    if (f.proxy_protocol == 1) p.send_proxy_header = ProxyVersion::kV1;
    if (f.proxy_protocol == 2) p.send_proxy_header = ProxyVersion::kV2;
    if (f.max_connections > 0) p.max_connections = f.max_connections;
    if (f.sni) {
      p.read_server_name = true;
      for (const auto& name : t.dns.names) {
        const Service* s = name.ok ? t.find_service(name.service) : nullptr;
        const ServicePort* sp = s ? s->find_port(f.service_port) : nullptr;
        if (!sp || sp->protocol != Protocol::kTcp) continue;
        p.sni_routes.push_back({t.fqdn(name), {s->address, sp->port}});
      }
    }
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace labgate::proxy
