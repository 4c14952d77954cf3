// The Plan: everything labgate derives from a validated Topology, compiled once per command.
//
// Every consumer — the nftables and iptables compilers, show, the exports, the lab, verify and the
// daemon — reads the Plan. Names are looked up and forwards resolved here (and in topology/) and
// nowhere else, so the consumers cannot disagree about what the file means.
//
// Contract: compile() is pure and total. It expects a Topology that validate() accepted; on one
// that it did not, entities with ok=false and references that do not resolve are skipped, never
// reported (reporting is validation's job).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "net/ip_address.h"
#include "plan/address_plan.h"
#include "plan/app_plan.h"
#include "plan/dns_views.h"
#include "plan/forwarding_plan.h"
#include "plan/node_plan.h"
#include "plan/policy_plan.h"
#include "topology/topology.h"

namespace labgate {

// One network as the DNS service sees it: a view (index into DnsPlan::networks, the same order as
// DnsViewTable::networks), whether the gateway answers on it, and whether its clients may ask for
// names outside the zone.
struct DnsNetwork {
  std::string network;
  IpAddress address;  // the gateway's address on it: where DNS listens when `served`
  IpPrefix subnet;
  bool served = false;     // in dns.listen, or dns.listen is unset
  bool recursion = false;  // dns.recursion allows it (every network when unset)
  bool uplink = false;     // the network that leads to the internet
};

struct DnsPlan {
  bool enabled = false;  // the file has a `dns:` section
  std::string zone;      // "cluster"
  std::string gateway_name;
  uint32_t ttl = 60;
  std::vector<IpAddress> upstreams;
  std::vector<DnsNetwork> networks;   // every network that loaded, in file order
  DnsViewTable views;                 // networks in the same order as `networks`
  uint32_t query_log_entries = 0;     // dns.query_log.entries; 0: no query log
  bool unreachable_nxdomain = false;  // dns.unreachable: nxdomain (else REFUSED)

  // The gateway's addresses on the served networks, in file order.
  std::vector<IpAddress> listen_addresses() const;
  // The subnets whose clients may use the forwarder, in file order.
  std::vector<IpPrefix> recursion_subnets() const;
  // The network named `name`, or nullptr.
  const DnsNetwork* find(const std::string& name) const;
};

// A network of the gateway, as every consumer needs it.
struct PlannedNetwork {
  std::string name;
  std::string interface;
  IpPrefix subnet;
  IpAddress gateway;  // the gateway's own address on it
  bool uplink = false;
  bool masquerade = false;
  InboundPolicy inbound = InboundPolicy::kDrop;
  std::optional<Vlan> vlan;         // set when the network is a VLAN on a trunk
  std::optional<IpAddress> router;  // the uplink's next hop
};

// A service with the network its address is on, resolved.
struct PlannedService {
  std::string name;
  IpAddress address;
  std::string network;                           // the network containing `address`
  InboundPolicy inbound = InboundPolicy::kDrop;  // that network's policy for other networks
  std::vector<ServicePort> ports;
};

// `labgate run`'s read-only HTTP endpoint (topology.h, Http): where it listens, if at all.
struct HttpPlan {
  bool enabled = true;
  IpAddress address = IpAddress::v4(0x7f000001);
  uint16_t port = 9153;
};

struct Plan {
  std::vector<PlannedNetwork> networks;  // every network that loaded, in file order
  ForwardingPlan forwarding;
  DnsPlan dns;
  std::vector<NetworkAddressPlan> addresses;  // one per network that loaded, in file order
  std::vector<PlannedService> services;       // every service on a known network, in file order
  HttpPlan http;
  PolicyPlan policy;          // zones and what may pass between them
  std::vector<AppPlan> apps;  // every app that loaded, in file order
  NodePlan nodes;             // the cluster's machines, VIPs and pools

  const PlannedNetwork* network(const std::string& name) const;
  const PlannedNetwork* uplink() const;  // nullptr if the file has none (or it failed to load)
};

Plan compile(const Topology& topology);

}  // namespace labgate
