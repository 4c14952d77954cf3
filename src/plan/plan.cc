#include "plan/plan.h"

namespace labgate {

std::vector<IpAddress> DnsPlan::listen_addresses() const {
  std::vector<IpAddress> out;
  for (const auto& n : networks)
    if (n.served) out.push_back(n.address);
  return out;
}

std::vector<IpPrefix> DnsPlan::recursion_subnets() const {
  std::vector<IpPrefix> out;
  for (const auto& n : networks)
    if (n.recursion) out.push_back(n.subnet);
  return out;
}

const DnsNetwork* DnsPlan::find(const std::string& name) const {
  for (const auto& n : networks)
    if (n.network == name) return &n;
  return nullptr;
}

namespace {

DnsPlan compile_dns(const Topology& t) {
  DnsPlan d;
  d.enabled = t.dns.enabled;
  d.zone = t.dns.zone;
  d.gateway_name = t.gateway_name;
  d.ttl = t.dns.ttl;
  d.query_log_entries = t.dns.enabled ? t.dns.query_log_entries : 0;
  d.unreachable_nxdomain = t.dns.unreachable_nxdomain;
  d.upstreams = t.dns.upstreams;
  for (const auto& n : t.networks) {
    if (!n.ok) continue;
    bool served = t.dns.listen.empty();
    for (const auto& name : t.dns.listen) served = served || name == n.name;
    d.networks.push_back(
        {n.name, n.address, n.subnet, served, t.dns.may_recurse(n.name), n.uplink});
  }
  d.views = build_dns_views(t);
  return d;
}

std::vector<PlannedService> plan_services(const Topology& t) {
  std::vector<PlannedService> out;
  for (const auto& s : t.services) {
    if (!s.ok) continue;
    const Network* net = t.network_containing(s.address);
    if (!net || !net->ok) continue;
    out.push_back({s.name, s.address, net->name, net->inbound, s.ports});
  }
  return out;
}

}  // namespace

const PlannedNetwork* Plan::network(const std::string& name) const {
  for (const auto& n : networks)
    if (n.name == name) return &n;
  return nullptr;
}

const PlannedNetwork* Plan::uplink() const {
  for (const auto& n : networks)
    if (n.uplink) return &n;
  return nullptr;
}

Plan compile(const Topology& topology) {
  Plan plan;
  for (const auto& n : topology.networks)
    if (n.ok)
      plan.networks.push_back({n.name, n.interface, n.subnet, n.address, n.uplink, n.masquerade,
                               n.inbound, n.vlan, n.router});
  plan.forwarding = compile_forwarding_plan(topology);
  plan.dns = compile_dns(topology);
  plan.addresses = build_address_plan(topology);
  plan.services = plan_services(topology);
  plan.http = {topology.http.enabled, topology.http.address, topology.http.port};
  plan.policy = compile_policy_plan(topology);
  plan.apps = compile_apps(topology, plan.dns.views);
  plan.nodes = compile_nodes(topology);
  return plan;
}

}  // namespace labgate
