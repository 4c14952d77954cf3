#include "plan/node_plan.h"

#include <algorithm>

namespace labgate {

const PlannedNode* NodePlan::node(const std::string& name) const {
  auto it = std::find_if(nodes.begin(), nodes.end(), [&](const auto& n) { return n.name == name; });
  return it == nodes.end() ? nullptr : &*it;
}

NodePlan compile_nodes(const Topology& t) {
  NodePlan plan;
  auto dns_serves = [&](const std::string& network) {
    if (!t.dns.enabled) return false;
    if (t.dns.listen.empty()) return true;
    return std::find(t.dns.listen.begin(), t.dns.listen.end(), network) != t.dns.listen.end();
  };
  for (const auto& h : t.hosts) {
    const Network* net = t.find_network(h.network);
    if (!h.ok || !net || !net->ok) continue;
    if (!h.held_by.empty()) {
      plan.vips.push_back({h.name, h.network, h.address, h.held_by});
      continue;
    }
    PlannedNode n;
    n.name = h.name;
    n.network = h.network;
    n.address = h.address;
    n.prefix_length = net->subnet.length;
    if (net->uplink)
      n.default_gateway = net->router;
    else
      n.default_gateway = net->address;
    if (dns_serves(net->name)) n.nameserver = net->address;
    plan.nodes.push_back(std::move(n));
  }
  for (const auto& vip : plan.vips)
    for (auto& n : plan.nodes)
      if (n.name == vip.held_by) {
        n.control_plane = true;
        n.vips.push_back(vip.address);
      }
  for (const auto& p : t.pools)
    if (p.ok) plan.pools.push_back({p.name, p.network, p.range});
  return plan;
}

}  // namespace labgate
