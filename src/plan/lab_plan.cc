#include "plan/lab_plan.h"

#include <map>
#include <set>

#include <fmt/format.h>

namespace labgate {

const char* to_string(LabRole r) {
  switch (r) {
    case LabRole::kGateway:
      return "gateway";
    case LabRole::kUpstream:
      return "upstream";
    case LabRole::kHost:
      return "host";
    case LabRole::kService:
      return "service";
    case LabRole::kClient:
      return "client";
  }
  return "?";
}

std::string LabAddress::str() const {
  return fmt::format("{}/{}", address.str(), prefix_length);
}

std::string LabListener::spec() const {
  return fmt::format("{}:{}:{}={}", to_string(protocol), address.str(), port, label);
}

IpAddress LabNode::primary() const {
  for (const auto& a : addresses)
    if (a.device == kLabNodeInterface) return a.address;
  return IpAddress{};
}

bool LabNode::has_address(IpAddress a) const {
  for (const auto& x : addresses)
    if (x.address == a) return true;
  return false;
}

std::string LabPlan::gateway_services() const {
  if (dns && proxy) return "DNS, proxy";
  return dns ? "DNS" : proxy ? "proxy" : "";
}

const LabNode* LabPlan::find(const std::string& node) const {
  for (const auto& n : nodes)
    if (n.name == node) return &n;
  return nullptr;
}

const LabNode* LabPlan::node_with_address(IpAddress a) const {
  for (const auto& n : nodes)
    if (n.has_address(a)) return &n;
  for (const auto& b : bridges)
    if (b.address.address == a) return find("gateway");
  return nullptr;
}

const LabNode* LabPlan::node_of_service(const std::string& service) const {
  for (const auto& n : nodes)
    for (const auto& l : n.listeners)
      if (n.role != LabRole::kUpstream && l.label == service) return &n;
  return nullptr;
}

const LabNode* LabPlan::client_of(const std::string& network) const {
  return find("client-" + network);
}

bool is_lab_name(const std::string& name) {
  if (name.empty() || name.size() > 12) return false;
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return false;
  return true;
}

std::string lab_netns_prefix(const std::string& lab) {
  return "lg-" + lab + "-";
}

namespace {

class Planner {
 public:
  Planner(const Topology& t, const Plan& compiled, const std::string& lab, LabPlan* plan,
          std::string* error)
      : t_(t), compiled_(compiled), plan_(*plan), error_(*error) {
    plan_ = LabPlan{};
    plan_.lab = lab;
  }

  bool run() {
    if (!is_lab_name(plan_.lab))
      return fail(fmt::format("lab name '{}' must be 1-12 lowercase letters or digits", plan_.lab));
    gateway();
    dns();
    proxy();
    upstream();
    hosts();
    services();
    clients();
    return error_.empty();
  }

 private:
  bool fail(std::string message) {
    if (error_.empty()) error_ = std::move(message);
    return false;
  }

  LabNode& add_node(const std::string& name, LabRole role, const std::string& network) {
    if (!names_.insert(name).second)
      fail(fmt::format("two lab nodes would be named '{}'; rename the host or service", name));
    LabNode n;
    n.name = name;
    n.netns = lab_netns_prefix(plan_.lab) + name;
    n.role = role;
    n.network = network;
    if (role != LabRole::kGateway) n.veth = fmt::format("veth{}", plan_.nodes.size());
    plan_.nodes.push_back(std::move(n));
    return plan_.nodes.back();
  }

  // Puts `node` on `network` at `address`, with a default route via the gateway.
  void attach(LabNode& node, const Network& net, IpAddress address, bool default_route = true) {
    node.addresses.push_back(LabAddress{address, net.subnet.length, kLabNodeInterface});
    if (default_route) node.default_via = net.address;
  }

  void gateway() {
    add_node("gateway", LabRole::kGateway, "");
    for (const auto& n : t_.networks) {
      if (!n.ok) continue;
      plan_.bridges.push_back(
          LabBridge{n.interface, n.name, LabAddress{n.address, n.subnet.length, n.interface}});
    }
  }

  void proxy() {
    for (const auto& f : compiled_.forwarding.forwards) {
      if (f.datapath != Datapath::kProxy) continue;
      plan_.proxy = true;
      if (f.protocol == Protocol::kTcp && !plan_.proxy_ready)
        plan_.proxy_ready = std::make_pair(f.listen_address, f.listen_port);
    }
  }

  void dns() {
    if (!compiled_.dns.enabled) return;
    std::vector<IpAddress> served = compiled_.dns.listen_addresses();
    if (served.empty()) return;
    plan_.dns = true;
    plan_.dns_address = served.front();
  }

  void upstream() {
    const Network* up = t_.uplink();
    if (!up) return;
    IpAddress router = up->router ? IpAddress(*up->router) : free_address(*up);
    plan_.gateway_default_via = router;
    plan_.internet = *IpAddress::parse(kLabInternetAddress);
    LabNode& node = add_node("upstream", LabRole::kUpstream, up->name);
    attach(node, *up, router, /*default_route=*/false);
    node.addresses.push_back(LabAddress{plan_.internet, 32, "lo"});
    for (uint16_t port : kLabUpstreamTcpPorts)
      node.listeners.push_back(LabListener{Protocol::kTcp, IpAddress{}, port, "upstream"});
    taken_.insert(router);
    for (IpAddress resolver : t_.dns.upstreams) {
      if (resolver == router) {
        plan_.resolvers.push_back(resolver);
      } else if (!t_.network_containing(resolver) && resolver != plan_.internet) {
        node.addresses.push_back(LabAddress{resolver, 32, "lo"});
        plan_.resolvers.push_back(resolver);
      }
    }
  }

  // The host whose node carries `h`'s address: itself, or the end of its held_by chain.
  const Host* holder_of(const Host& h) const {
    const Host* at = &h;
    for (size_t hops = 0; hops <= t_.hosts.size() && !at->held_by.empty(); ++hops) {
      const Host* next = t_.find_host(at->held_by);
      if (!next) break;
      at = next;
    }
    return at;
  }

  void hosts() {
    for (const auto& h : t_.hosts) {
      if (!h.ok || !h.held_by.empty()) continue;
      const Network* net = t_.find_network(h.network);
      if (!net) continue;
      attach(add_node(h.name, LabRole::kHost, h.network), *net, h.address);
    }
    for (const auto& h : t_.hosts) {
      if (!h.ok || h.held_by.empty()) continue;
      const Host* holder = holder_of(h);
      for (auto& n : plan_.nodes)
        if (n.name == holder->name && n.role == LabRole::kHost)
          n.addresses.push_back(LabAddress{h.address, 32, kLabNodeInterface});
    }
  }

  LabNode* node_holding(IpAddress a) {
    for (auto& n : plan_.nodes)
      if (n.role == LabRole::kHost && n.has_address(a)) return &n;
    return nullptr;
  }

  void services() {
    for (const auto& s : t_.services) {
      if (!s.ok) continue;
      LabNode* node = node_holding(s.address);
      if (!node) {
        const Network* net = t_.network_containing(s.address);
        if (!net) continue;
        node = &add_node(s.name, LabRole::kService, net->name);
        attach(*node, *net, s.address);
      }
      for (const auto& p : s.ports)
        node->listeners.push_back(LabListener{p.protocol, s.address, p.port, s.name});
    }
  }

  // The first assignable address of `net` that nothing in the file (or the lab) uses.
  IpAddress free_address(const Network& net) const {
    std::set<IpAddress> used = taken_;
    for (const auto& n : t_.networks) {
      used.insert(n.address);
      if (n.router) used.insert(*n.router);
    }
    for (const auto& h : t_.hosts) used.insert(h.address);
    for (const auto& s : t_.services) used.insert(s.address);
    // Either family: a pool is stepped over whole, so a large (IPv6) pool costs one step.
    for (std::optional<IpAddress> a = net.subnet.first(); a && net.subnet.contains(*a);
         a = a->next()) {
      if (!net.subnet.is_assignable(*a) || used.count(*a)) continue;
      const Pool* in_pool = nullptr;
      for (const auto& p : t_.pools)
        if (p.ok && p.range.contains(*a)) in_pool = &p;
      if (!in_pool) return *a;
      a = in_pool->range.last;
    }
    return IpAddress{};
  }

  void clients() {
    for (const auto& n : t_.networks) {
      if (!n.ok) continue;
      IpAddress a = free_address(n);
      if (a == IpAddress{}) {
        fail(fmt::format("network '{}' ({}) has no free address for its lab client", n.name,
                         n.subnet.str()));
        continue;
      }
      taken_.insert(a);
      attach(add_node("client-" + n.name, LabRole::kClient, n.name), n, a);
    }
  }

  const Topology& t_;
  const Plan& compiled_;
  LabPlan& plan_;
  std::string& error_;
  std::set<std::string> names_;
  std::set<IpAddress>
      taken_;  // addresses the lab itself assigned (an upstream off the file, clients)
};

}  // namespace

Result<LabPlan> plan_lab(const Topology& topology, const Plan& compiled, const std::string& lab) {
  LabPlan plan;
  std::string error;
  if (!Planner(topology, compiled, lab, &plan, &error).run())
    return Result<LabPlan>::failure(error);
  return plan;
}

std::string root_batch(const LabPlan& plan) {
  std::string out;
  const LabNode* gateway = plan.find("gateway");
  for (const auto& n : plan.nodes) out += fmt::format("netns add {}\n", n.netns);
  for (const auto& b : plan.bridges)
    out += fmt::format("link add name {} netns {} type bridge\n", b.name, gateway->netns);
  for (const auto& n : plan.nodes) {
    if (n.role == LabRole::kGateway) continue;
    out += fmt::format("link add name {} netns {} type veth peer name {} netns {}\n", n.veth,
                       gateway->netns, kLabNodeInterface, n.netns);
  }
  return out;
}

std::string node_batch(const LabPlan& plan, const LabNode& node) {
  std::string out = "link set lo up\n";
  if (node.role == LabRole::kGateway) {
    for (const auto& b : plan.bridges) {
      out += fmt::format("addr add {} dev {}\n", b.address.str(), b.name);
      out += fmt::format("link set {} up\n", b.name);
    }
    for (const auto& n : plan.nodes) {
      if (n.role == LabRole::kGateway) continue;
      for (const auto& b : plan.bridges)
        if (b.network == n.network) out += fmt::format("link set {} master {}\n", n.veth, b.name);
      out += fmt::format("link set {} up\n", n.veth);
    }
    if (plan.gateway_default_via)
      out += fmt::format("route add default via {}\n", plan.gateway_default_via->str());
    return out;
  }
  for (const auto& a : node.addresses)
    out += fmt::format("addr add {} dev {}\n", a.str(), a.device);
  out += fmt::format("link set {} up\n", kLabNodeInterface);
  if (node.default_via) out += fmt::format("route add default via {}\n", node.default_via->str());
  return out;
}

}  // namespace labgate
