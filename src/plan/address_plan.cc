#include "plan/address_plan.h"

#include <algorithm>
#include <iterator>
#include <map>
#include <tuple>

namespace labgate {

const char* to_string(AddressRole role) {
  switch (role) {
    case AddressRole::kGateway:
      return "gateway";
    case AddressRole::kRouter:
      return "router";
    case AddressRole::kHost:
      return "host";
    case AddressRole::kVirtualIp:
      return "virtual IP";
    case AddressRole::kPool:
      return "pool";
    case AddressRole::kService:
      return "service";
    case AddressRole::kFree:
      return "free";
  }
  return "?";
}

const char* to_key(AddressRole role) {
  return role == AddressRole::kVirtualIp ? "virtual_ip" : to_string(role);
}

IpRange assignable_range(const IpPrefix& subnet) {
  // As IpPrefix::is_assignable: IPv4 loses the network and broadcast addresses below /31, IPv6
  // the subnet-router anycast address (the first) below /127.
  const bool v4 = subnet.family() == IpFamily::kV4;
  if (subnet.length >= (v4 ? 31 : 127)) return IpRange{subnet.first(), subnet.last()};
  return IpRange{*subnet.first().next(), v4 ? *subnet.last().prev() : subnet.last()};
}

std::vector<IpRange> free_ranges(const IpPrefix& subnet, std::vector<IpRange> used) {
  const IpRange usable = assignable_range(subnet);
  std::sort(used.begin(), used.end(),
            [](const IpRange& a, const IpRange& b) { return a.first < b.first; });
  std::vector<IpRange> out;
  // `next` is the first address not yet known to be used; nullopt once a used range reaches the
  // family's last address (255.255.255.255 or ffff:...:ffff), so stepping past it cannot wrap.
  std::optional<IpAddress> next = usable.first;
  for (const auto& r : used) {
    if (!r.overlaps(usable)) continue;
    IpAddress first = std::max(r.first, usable.first);
    IpAddress last = std::min(r.last, usable.last);
    if (next && first > *next) out.push_back(IpRange{*next, *first.prev()});
    if (next && last >= *next) next = last.next();
  }
  if (next && *next <= usable.last) out.push_back(IpRange{*next, usable.last});
  return out;
}

namespace {

AddressPlanEntry single(AddressRole role, IpAddress a, std::string name) {
  AddressPlanEntry e;
  e.role = role;
  e.range = IpRange{a, a};
  e.name = std::move(name);
  return e;
}

NetworkAddressPlan plan_for(const Topology& t, const Network& net) {
  NetworkAddressPlan plan;
  plan.network = net.name;
  plan.subnet = net.subnet;
  auto& entries = plan.entries;
  auto inside = [&](IpAddress a) { return net.subnet.contains(a); };

  if (inside(net.address))
    entries.push_back(single(AddressRole::kGateway, net.address, t.gateway_name));
  if (net.router && inside(*net.router) && *net.router != net.address)
    entries.push_back(single(AddressRole::kRouter, *net.router, "router"));
  for (const auto& h : t.hosts) {
    if (!h.ok || h.network != net.name || !inside(h.address)) continue;
    auto e =
        single(h.held_by.empty() ? AddressRole::kHost : AddressRole::kVirtualIp, h.address, h.name);
    e.held_by = h.held_by;
    entries.push_back(std::move(e));
  }
  for (const auto& p : t.pools) {
    if (!p.ok || p.network != net.name) continue;
    if (!inside(p.range.first) || !inside(p.range.last)) continue;
    AddressPlanEntry e;
    e.role = AddressRole::kPool;
    e.range = p.range;
    e.name = p.name;
    entries.push_back(std::move(e));
  }
  // A service belongs to the network whose subnet holds its address (there is no other link).
  // Hosts and pools are indexed by address first, so the plan is O(n log n) in the topology.
  std::map<IpAddress, std::string> host_at;
  for (const auto& h : t.hosts)
    if (h.ok && h.network == net.name) host_at.emplace(h.address, h.name);
  std::map<IpAddress, const Pool*> pool_from;  // by first address; validated pools are disjoint
  for (const auto& p : t.pools)
    if (p.ok && p.network == net.name) pool_from.emplace(p.range.first, &p);
  for (const auto& s : t.services) {
    if (!s.ok || t.network_containing(s.address) != &net) continue;
    auto e = single(AddressRole::kService, s.address, s.name);
    e.ports = s.ports;
    if (auto it = pool_from.upper_bound(s.address); it != pool_from.begin()) {
      const Pool* p = std::prev(it)->second;
      if (p->range.contains(s.address)) e.pool = p->name;
    }
    if (auto it = host_at.find(s.address); it != host_at.end()) e.host = it->second;
    entries.push_back(std::move(e));
  }

  std::vector<IpRange> used;
  for (const auto& e : entries) used.push_back(e.range);
  plan.assignable = assignable_range(net.subnet).size();
  plan.used = plan.assignable;
  for (const auto& r : free_ranges(net.subnet, std::move(used))) {
    AddressPlanEntry e;
    e.role = AddressRole::kFree;
    e.range = r;
    plan.used -= r.size();
    entries.push_back(std::move(e));
  }
  std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
    return std::tie(a.range.first, a.role, a.name) < std::tie(b.range.first, b.role, b.name);
  });
  return plan;
}

}  // namespace

std::vector<NetworkAddressPlan> build_address_plan(const Topology& topology) {
  std::vector<NetworkAddressPlan> out;
  for (const auto& net : topology.networks)
    if (net.ok) out.push_back(plan_for(topology, net));
  return out;
}

}  // namespace labgate
