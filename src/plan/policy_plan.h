// The policy plan: which new connections may pass between zones and to the gateway itself,
// resolved from a validated Topology (docs/zones.md).
//
// One model for both kinds of file:
// - with `zones:`, the zones and `policies.rules` of the file (explicit = true);
// - without, one zone per network, named after it, derived from the networks' `inbound` and
//   `masquerade` settings: a zone may be entered from every other one when its network has
//   `inbound: accept`, a masquerading network may reach the uplink, the gateway takes everything
//   (its input is not filtered). The nftables compiler keeps today's ruleset for this case; the
//   lab and verify read the same matrix either way.
//
// Every pair of distinct zones is present, in file order (from, then to), followed by each zone's
// pair to the gateway; a pair's rules are in file order and the first match decides; what no rule
// accepts is dropped. Flows a forward DNATs are not subject to pairs (the forward allows them).
//
// Contract: compile_policy_plan() is pure and total; entities with ok=false and references that do
// not resolve are skipped.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "net/ip_address.h"
#include "topology/topology.h"

namespace labgate {

struct PolicyZone {
  std::string name;
  std::vector<std::string> networks;    // in the zone's order
  std::vector<std::string> interfaces;  // of those networks, same order
  std::vector<IpPrefix> subnets;        // likewise
  bool intra_accept = true;             // traffic between two networks of the zone
  bool uplink = false;                  // holds the uplink: its sources are the internet
};

// One rule of a pair. `index` is its position in policies.rules (file), or -1 when derived.
struct PlannedRule {
  int index = -1;
  RuleProtocol protocol = RuleProtocol::kAny;
  std::vector<uint16_t> ports;
  std::optional<IpPrefix> source;
  bool accept = true;
  std::string comment;  // "policies.rules.3" or what it was derived from
};

struct ZonePairPolicy {
  std::string from;
  std::string to;  // a zone, or kGatewayZone
  std::vector<PlannedRule> rules;

  // Whether the pair accepts every new connection (its first rule matches everything).
  bool allows_all() const;
};

// A service the gateway itself offers on some networks' interfaces, opened in the input filter
// before the pair rules: DNS where it is served, the userspace proxy's listeners.
struct GatewayService {
  std::string name;  // "dns", "forward lan:8443"
  Protocol protocol = Protocol::kTcp;
  uint16_t port = 0;
  std::vector<std::string> interfaces;  // in file order of the networks
};

struct PolicyPlan {
  bool explicit_zones = false;  // the file has `zones:`
  std::vector<PolicyZone> zones;
  std::vector<ZonePairPolicy> pairs;  // zone pairs, then zone -> gateway pairs
  std::vector<GatewayService> gateway_services;
  uint16_t log_group = 0;  // nflog group of dropped new connections; 0: not logged
  uint32_t log_rate = 10;  // per second

  const PolicyZone* zone(const std::string& name) const;
  const PolicyZone* zone_of_network(const std::string& network) const;
  const ZonePairPolicy* pair(const std::string& from, const std::string& to) const;

  // The policy's verdict for a new connection from zone `from` (from `source`) to zone `to` (or
  // kGatewayZone) on protocol/port: what the lab's matrix expects. Inside one zone: intra.
  // Gateway services are not considered (see gateway_service_open).
  bool allows(const std::string& from, const std::string& to, Protocol protocol, uint16_t port,
              std::optional<IpAddress> source = std::nullopt) const;
  // The same for an ICMP echo (rules of protocol any or icmp without ports).
  bool allows_ping(const std::string& from, const std::string& to,
                   std::optional<IpAddress> source = std::nullopt) const;
  // Whether the gateway service on protocol/port is open on `interface`.
  bool gateway_service_open(const std::string& interface, Protocol protocol, uint16_t port) const;
};

PolicyPlan compile_policy_plan(const Topology& topology);

}  // namespace labgate
