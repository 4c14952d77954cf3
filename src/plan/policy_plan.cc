#include "plan/policy_plan.h"

#include <algorithm>

#include <fmt/format.h>

namespace labgate {

bool ZonePairPolicy::allows_all() const {
  if (rules.empty()) return false;
  const PlannedRule& r = rules.front();
  return r.accept && r.protocol == RuleProtocol::kAny && r.ports.empty() && !r.source;
}

const PolicyZone* PolicyPlan::zone(const std::string& name) const {
  for (const auto& z : zones)
    if (z.name == name) return &z;
  return nullptr;
}

const PolicyZone* PolicyPlan::zone_of_network(const std::string& network) const {
  for (const auto& z : zones)
    if (std::find(z.networks.begin(), z.networks.end(), network) != z.networks.end()) return &z;
  return nullptr;
}

const ZonePairPolicy* PolicyPlan::pair(const std::string& from, const std::string& to) const {
  for (const auto& p : pairs)
    if (p.from == from && p.to == to) return &p;
  return nullptr;
}

namespace {

bool rule_matches(const PlannedRule& r, Protocol protocol, uint16_t port,
                  std::optional<IpAddress> source) {
  if (r.protocol == RuleProtocol::kIcmp) return false;  // the matrix probes tcp and udp
  if (r.protocol == RuleProtocol::kTcp && protocol != Protocol::kTcp) return false;
  if (r.protocol == RuleProtocol::kUdp && protocol != Protocol::kUdp) return false;
  if (!r.ports.empty() && std::find(r.ports.begin(), r.ports.end(), port) == r.ports.end())
    return false;
  if (r.source && (!source || !r.source->contains(*source))) return false;
  return true;
}

PlannedRule accept_all(std::string comment) {
  PlannedRule r;
  r.comment = std::move(comment);
  return r;
}

// One zone per network, from `inbound` and `masquerade` (the file has no `zones:`).
void derive_zones(const Topology& t, PolicyPlan& plan) {
  std::vector<const Network*> nets;
  for (const auto& n : t.networks)
    if (n.ok) nets.push_back(&n);
  for (const Network* n : nets)
    plan.zones.push_back({n->name, {n->name}, {n->interface}, {n->subnet}, true, n->uplink});
  for (const Network* a : nets)
    for (const Network* b : nets) {
      if (a == b) continue;
      ZonePairPolicy p{a->name, b->name, {}};
      if (b->inbound == InboundPolicy::kAccept)
        p.rules.push_back(accept_all(b->name + " inbound accept"));
      else if (a->masquerade && b->uplink)
        p.rules.push_back(accept_all(a->name + " egress"));
      plan.pairs.push_back(std::move(p));
    }
  for (const Network* a : nets)
    plan.pairs.push_back({a->name, kGatewayZone, {accept_all("input not filtered")}});
}

void explicit_zones(const Topology& t, PolicyPlan& plan) {
  plan.explicit_zones = true;
  plan.log_group = t.policies.log_group;
  plan.log_rate = t.policies.log_rate;
  for (const auto& z : t.zones) {
    if (!z.ok) continue;
    PolicyZone pz{z.name, {}, {}, {}, z.intra_accept, false};
    for (const auto& name : z.networks) {
      const Network* n = t.find_network(name);
      if (!n || !n->ok) continue;
      pz.networks.push_back(n->name);
      pz.interfaces.push_back(n->interface);
      pz.subnets.push_back(n->subnet);
      pz.uplink |= n->uplink;
    }
    plan.zones.push_back(std::move(pz));
  }
  auto rules_of = [&](const std::string& from, const std::string& to) {
    std::vector<PlannedRule> out;
    const auto& rules = t.policies.rules;
    for (size_t i = 0; i < rules.size(); ++i) {
      const PolicyRule& r = rules[i];
      if (!r.ok || r.from != from || r.to != to) continue;
      out.push_back({static_cast<int>(i), r.protocol, r.ports, r.source, r.accept,
                     fmt::format("policies.rules.{}", i)});
    }
    return out;
  };
  for (const auto& a : plan.zones)
    for (const auto& b : plan.zones)
      if (&a != &b) plan.pairs.push_back({a.name, b.name, rules_of(a.name, b.name)});
  for (const auto& a : plan.zones)
    plan.pairs.push_back({a.name, kGatewayZone, rules_of(a.name, kGatewayZone)});
}

// DNS where it is served, and the userspace proxy's listeners.
void gateway_services(const Topology& t, PolicyPlan& plan) {
  if (t.dns.enabled) {
    std::vector<std::string> served;
    for (const auto& n : t.networks) {
      bool listed = t.dns.listen.empty() || std::find(t.dns.listen.begin(), t.dns.listen.end(),
                                                      n.name) != t.dns.listen.end();
      if (n.ok && listed) served.push_back(n.interface);
    }
    if (!served.empty()) {
      plan.gateway_services.push_back({"dns", Protocol::kUdp, 53, served});
      plan.gateway_services.push_back({"dns", Protocol::kTcp, 53, served});
    }
  }
  for (const auto& f : t.forwards) {
    if (!f.ok || f.via != Datapath::kProxy) continue;
    const Network* n = t.find_network(f.listen_network);
    const Service* s = t.find_service(f.service);
    const ServicePort* sp = s ? s->find_port(f.service_port) : nullptr;
    if (!n || !n->ok || !sp) continue;
    plan.gateway_services.push_back({fmt::format("forward {}:{}", f.listen_network, f.listen_port),
                                     sp->protocol,
                                     f.listen_port,
                                     {n->interface}});
  }
}

}  // namespace

bool PolicyPlan::allows(const std::string& from, const std::string& to, Protocol protocol,
                        uint16_t port, std::optional<IpAddress> source) const {
  if (from == to) {
    const PolicyZone* z = zone(from);
    return z && z->intra_accept;
  }
  const ZonePairPolicy* p = pair(from, to);
  if (!p) return false;
  for (const auto& r : p->rules)
    if (rule_matches(r, protocol, port, source)) return r.accept;
  return false;
}

bool PolicyPlan::allows_ping(const std::string& from, const std::string& to,
                             std::optional<IpAddress> source) const {
  if (from == to) {
    const PolicyZone* z = zone(from);
    return z && z->intra_accept;
  }
  const ZonePairPolicy* p = pair(from, to);
  if (!p) return false;
  for (const auto& r : p->rules) {
    bool icmp = r.protocol == RuleProtocol::kAny || r.protocol == RuleProtocol::kIcmp;
    if (icmp && r.ports.empty() && (!r.source || (source && r.source->contains(*source))))
      return r.accept;
  }
  return false;
}

bool PolicyPlan::gateway_service_open(const std::string& interface, Protocol protocol,
                                      uint16_t port) const {
  for (const auto& s : gateway_services)
    if (s.protocol == protocol && s.port == port &&
        std::find(s.interfaces.begin(), s.interfaces.end(), interface) != s.interfaces.end())
      return true;
  return false;
}

PolicyPlan compile_policy_plan(const Topology& topology) {
  PolicyPlan plan;
  if (topology.zones.empty())
    derive_zones(topology, plan);
  else
    explicit_zones(topology, plan);
  gateway_services(topology, plan);
  return plan;
}

}  // namespace labgate
