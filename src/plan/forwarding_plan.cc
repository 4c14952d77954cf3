#include "plan/forwarding_plan.h"

#include <algorithm>
#include <optional>

#include <fmt/format.h>

namespace labgate {

const char* to_string(SnatMode m) {
  return m == SnatMode::kAlways ? "always" : "hairpin-only";
}

std::string ResolvedForward::label() const {
  return fmt::format("{}:{} -> {}:{}", listen_network, listen_port, service, service_port);
}

std::vector<ResolvedTarget> ResolvedForward::targets() const {
  std::vector<ResolvedTarget> out{{service, service_port, backend_address, backend_port}};
  out.insert(out.end(), more_targets.begin(), more_targets.end());
  return out;
}

std::vector<const ResolvedForward*> ForwardingPlan::proxy_forwards(Protocol protocol) const {
  std::vector<const ResolvedForward*> out;
  for (const auto& f : forwards)
    if (f.datapath == Datapath::kProxy && f.protocol == protocol) out.push_back(&f);
  return out;
}

std::vector<const ResolvedForward*> ForwardingPlan::kernel_forwards() const {
  std::vector<const ResolvedForward*> out;
  for (const auto& f : forwards)
    if (f.datapath == Datapath::kKernel) out.push_back(&f);
  return out;
}

namespace {

const Network* usable_network(const Topology& t, const std::string& name) {
  const Network* n = t.find_network(name);
  return n && n->ok ? n : nullptr;
}

// The port `port_name` of service `name`, resolved; nullopt if either is unknown or failed.
std::optional<ResolvedTarget> resolve_target(const Topology& t, const std::string& name,
                                             const std::string& port_name) {
  const Service* s = t.find_service(name);
  const ServicePort* p = s && s->ok ? s->find_port(port_name) : nullptr;
  if (!p) return std::nullopt;
  return ResolvedTarget{s->name, p->name, s->address, p->port};
}

// The proxy's view of forward `f`, defaults applied (the only place they are).
ProxyOptions proxy_options(const Topology& t, const Forward& f, const ResolvedForward& r) {
  ProxyOptions o;
  if (f.via != Datapath::kProxy) return o;
  if (r.protocol == Protocol::kUdp) {
    if (f.proxy_protocol != 0)
      o.ignored_over_udp.push_back("'proxy_protocol' (no PROXY header over UDP)");
    if (f.sni) o.ignored_over_udp.push_back("'sni'");
    if (f.health_interval_ms != 0 || f.health_timeout_ms != 0)
      o.ignored_over_udp.push_back("'health_check'");
    if (!f.accept_proxy.empty()) o.ignored_over_udp.push_back("'accept_proxy'");
    o.max_connections = f.max_connections;
    return o;
  }
  o.balance = f.balance;
  if (f.health_interval_ms > 0) {
    o.health_interval_ms = f.health_interval_ms;
    o.health_timeout_ms = f.health_timeout_ms;
  } else if (!r.more_targets.empty()) {
    o.health_interval_ms = kDefaultHealthIntervalMs;
    o.health_timeout_ms = kDefaultHealthTimeoutMs;
  }
  o.proxy_protocol = f.proxy_protocol;
  o.max_connections = f.max_connections;
  o.accept_proxy = f.accept_proxy;
  o.sni = f.sni;
  if (f.sni) {
    for (const auto& name : t.zone_names()) {
      if (!name.ok) continue;
      std::optional<ResolvedTarget> target = resolve_target(t, name.service, f.service_port);
      const ServicePort* port =
          target ? t.find_service(name.service)->find_port(f.service_port) : nullptr;
      if (!port || port->protocol != Protocol::kTcp) continue;
      o.sni_routes.push_back({t.fqdn(name), *target});
    }
  }
  return o;
}

}  // namespace

ForwardingPlan compile_forwarding_plan(const Topology& t) {
  ForwardingPlan plan;

  for (size_t i = 0; i < t.forwards.size(); ++i) {
    const Forward& f = t.forwards[i];
    if (!f.ok) continue;
    const Network* listen = usable_network(t, f.listen_network);
    const Service* service = t.find_service(f.service);
    if (!listen || !service || !service->ok) continue;
    const ServicePort* port = service->find_port(f.service_port);
    const Network* backend = t.network_containing(service->address);
    if (!port || !backend || !backend->ok) continue;
    ResolvedForward r;
    r.index = i;
    r.listen_network = listen->name;
    r.listen_interface = listen->interface;
    r.listen_address = listen->address;
    r.listen_port = f.listen_port;
    r.protocol = port->protocol;
    r.service = service->name;
    r.service_port = port->name;
    r.backend_address = service->address;
    r.backend_port = port->port;
    r.backend_network = backend->name;
    r.backend_interface = backend->interface;
    r.backend_gateway = backend->address;
    r.datapath = f.via;
    r.snat = f.snat ? SnatMode::kAlways : SnatMode::kHairpinOnly;
    for (const auto& target : f.more_targets)
      if (auto more = resolve_target(t, target.service, target.service_port))
        r.more_targets.push_back(std::move(*more));
    r.proxy = proxy_options(t, f, r);
    plan.forwards.push_back(std::move(r));
  }

  const Network* uplink = t.uplink();
  if (uplink && !uplink->ok) uplink = nullptr;
  for (const Network& n : t.networks) {
    if (!n.ok) continue;
    plan.networks.push_back({n.name, n.interface, n.subnet, n.inbound});
    if (n.masquerade && uplink && &n != uplink)
      plan.masquerade.push_back({n.name, n.subnet, n.interface, uplink->name, uplink->interface});
    bool holds_kernel_backend =
        std::any_of(plan.forwards.begin(), plan.forwards.end(), [&](const ResolvedForward& f) {
          return f.datapath == Datapath::kKernel && f.backend_network == n.name;
        });
    if (holds_kernel_backend) plan.hairpin.push_back({n.name, n.interface, n.subnet, n.address});
  }

  // The gateway routes between its networks as soon as it forwards or masquerades anything.
  if (!plan.kernel_forwards().empty() || !plan.masquerade.empty())
    plan.sysctls.push_back({"net.ipv4.ip_forward", "1"});
  std::sort(plan.sysctls.begin(), plan.sysctls.end());
  return plan;
}

}  // namespace labgate
