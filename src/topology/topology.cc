#include "topology/topology.h"

#include <algorithm>
#include <cctype>

namespace labgate {

const char* to_string(Protocol p) {
  return p == Protocol::kTcp ? "tcp" : "udp";
}

const char* to_string(InboundPolicy p) {
  return p == InboundPolicy::kDrop ? "drop" : "accept";
}

const char* to_string(Datapath d) {
  return d == Datapath::kKernel ? "kernel" : "proxy";
}

const char* to_string(Balance b) {
  return b == Balance::kRoundRobin ? "round-robin" : "least-connections";
}

const char* to_string(RuleProtocol p) {
  switch (p) {
    case RuleProtocol::kTcp:
      return "tcp";
    case RuleProtocol::kUdp:
      return "udp";
    case RuleProtocol::kIcmp:
      return "icmp";
    case RuleProtocol::kAny:
      break;
  }
  return "any";
}

const ServicePort* Service::find_port(const std::string& port_name) const {
  for (const auto& p : ports)
    if (p.name == port_name) return &p;
  return nullptr;
}

namespace {

template <typename T>
const T* find_by_name(const std::vector<T>& items, const std::string& name) {
  auto it = std::find_if(items.begin(), items.end(), [&](const T& t) { return t.name == name; });
  return it == items.end() ? nullptr : &*it;
}

}  // namespace

const Network* Topology::find_network(const std::string& name) const {
  return find_by_name(networks, name);
}

const Host* Topology::find_host(const std::string& name) const {
  return find_by_name(hosts, name);
}

const Service* Topology::find_service(const std::string& name) const {
  return find_by_name(services, name);
}

const Zone* Topology::find_zone(const std::string& name) const {
  return find_by_name(zones, name);
}

const Network* Topology::uplink() const {
  for (const auto& n : networks)
    if (n.uplink) return &n;
  return nullptr;
}

const Network* Topology::network_containing(IpAddress a) const {
  for (const auto& n : networks)
    if (n.ok && n.subnet.contains(a)) return &n;
  return nullptr;
}

bool Dns::may_recurse(const std::string& network) const {
  return !recursion_listed ||
         std::find(recursion.begin(), recursion.end(), network) != recursion.end();
}

std::vector<DnsName> Topology::zone_names() const {
  std::vector<DnsName> out = dns.names;
  if (!dns.enabled || dns.zone.empty()) return out;
  auto lower = [](std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  const std::string suffix = "." + lower(dns.zone);
  for (const auto& app : apps) {
    const std::string& host = app.host();
    if (!app.ok || host.size() <= suffix.size() || !lower(host).ends_with(suffix)) continue;
    out.push_back({host.substr(0, host.size() - suffix.size()), app.ingress_service(), true});
  }
  return out;
}

}  // namespace labgate
