// The policy plan: derived from `inbound`/`masquerade` without zones, read from the file with
// them, and the matrix verdicts the lab expects (allows, gateway_service_open).
#include "plan/policy_plan.h"

#include <gtest/gtest.h>

#include "plan/dns_views.h"

#include "support/valid_topology.h"
#include "topology/seed.h"

namespace labgate {
namespace {

PolicyPlan policy_of(std::string_view text) {
  return compile_policy_plan(test_support::load_valid(text));
}

constexpr const char* kMixed = R"(version: 1
networks:
  lan:   { interface: eth0, subnet: 10.0.0.0/24, address: 10.0.0.1, router: 10.0.0.254, uplink: true }
  dmz:   { interface: eth1, subnet: 10.1.0.0/24, address: 10.1.0.1, inbound: accept }
  lab:   { interface: eth2, subnet: 10.2.0.0/24, address: 10.2.0.1, masquerade: true }
)";

TEST(PolicyPlan, WithoutZonesEachNetworkIsAZoneFromItsInbound) {
  PolicyPlan p = policy_of(kMixed);
  EXPECT_FALSE(p.explicit_zones);
  ASSERT_EQ(p.zones.size(), 3u);
  EXPECT_EQ(p.zones[2].interfaces, std::vector<std::string>{"eth2"});
  EXPECT_TRUE(p.zones[0].uplink);
  // 3 x 2 zone pairs, then 3 pairs to the gateway.
  ASSERT_EQ(p.pairs.size(), 9u);
  // inbound: accept opens dmz to everyone; masquerade opens lab -> lan; the rest is dropped.
  EXPECT_TRUE(p.allows("lan", "dmz", Protocol::kTcp, 80));
  EXPECT_TRUE(p.allows("lab", "dmz", Protocol::kUdp, 53));
  EXPECT_TRUE(p.allows("lab", "lan", Protocol::kTcp, 443));
  EXPECT_FALSE(p.allows("dmz", "lan", Protocol::kTcp, 443));
  EXPECT_FALSE(p.allows("lan", "lab", Protocol::kTcp, 22));
  EXPECT_FALSE(p.allows("dmz", "lab", Protocol::kTcp, 22));
  EXPECT_TRUE(p.allows("lab", "lab", Protocol::kTcp, 22));  // intra: one network, one interface
  EXPECT_TRUE(p.allows("lan", kGatewayZone, Protocol::kTcp, 22));  // input is not filtered
  EXPECT_EQ(p.pair("lab", "lan")->rules.at(0).comment, "lab egress");
}

TEST(PolicyPlan, SeedDerivesTheSeedsForwardChain) {
  PolicyPlan p = compile_policy_plan(test_support::load_valid(seed_topology_text()));
  EXPECT_TRUE(p.allows("cluster", "lan", Protocol::kTcp, 443));
  EXPECT_FALSE(p.allows("lan", "cluster", Protocol::kTcp, 443));  // only through the forwards
  // DNS is served on every network (no dns.listen).
  EXPECT_TRUE(p.gateway_service_open("vmbr0", Protocol::kUdp, 53));
  EXPECT_TRUE(p.gateway_service_open("vmbr1", Protocol::kTcp, 53));
  EXPECT_FALSE(p.gateway_service_open("vmbr1", Protocol::kTcp, 54));
}

constexpr const char* kZoned = R"(version: 1
networks:
  lan:   { interface: eth0, subnet: 10.0.0.0/24, address: 10.0.0.1, router: 10.0.0.254, uplink: true }
  users: { interface: eth0.10, vlan: { id: 10, trunk: eth0 }, subnet: 10.10.0.0/24, address: 10.10.0.1 }
  srv:   { interface: eth0.20, vlan: { id: 20, trunk: eth0 }, subnet: 10.20.0.0/24, address: 10.20.0.1 }
  k8s:   { interface: eth0.30, vlan: { id: 30, trunk: eth0 }, subnet: 10.30.0.0/24, address: 10.30.0.1 }
  iot:   { interface: eth0.40, vlan: { id: 40, trunk: eth0 }, subnet: 10.40.0.0/24, address: 10.40.0.1 }
zones:
  wan:     { networks: [lan], intra: accept }
  users:   { networks: [users], intra: accept }
  servers: { networks: [srv, k8s], intra: accept }
  iot:     { networks: [iot], intra: drop }
policies:
  log: { group: 3 }
  rules:
    - { from: users, to: servers, proto: tcp, ports: [443, 6443] }
    - { from: users, to: servers, proto: tcp, ports: 22, action: drop }
    - { from: users, to: servers, proto: tcp, source: 10.10.0.10 }
    - { from: servers, to: wan }
    - { from: users, to: gateway, proto: tcp, ports: 22, source: 10.10.0.10 }
)";

TEST(PolicyPlan, ZonesAndRulesFromTheFile) {
  PolicyPlan p = policy_of(kZoned);
  EXPECT_TRUE(p.explicit_zones);
  EXPECT_EQ(p.log_group, 3);
  EXPECT_EQ(p.log_rate, 10u);
  ASSERT_EQ(p.zones.size(), 4u);
  EXPECT_EQ(p.zones[2].networks, (std::vector<std::string>{"srv", "k8s"}));
  EXPECT_EQ(p.zones[2].interfaces, (std::vector<std::string>{"eth0.20", "eth0.30"}));
  EXPECT_EQ(p.zone_of_network("k8s")->name, "servers");
  ASSERT_EQ(p.pairs.size(), 4u * 3u + 4u);
  const ZonePairPolicy* us = p.pair("users", "servers");
  ASSERT_NE(us, nullptr);
  ASSERT_EQ(us->rules.size(), 3u);
  EXPECT_EQ(us->rules[1].index, 1);
  EXPECT_EQ(us->rules[2].comment, "policies.rules.2");
  EXPECT_TRUE(p.pair("servers", "wan")->allows_all());
  EXPECT_FALSE(us->allows_all());
  EXPECT_TRUE(p.pair("iot", "wan")->rules.empty());
}

struct Cell {
  const char* from;
  const char* to;
  Protocol protocol;
  uint16_t port;
  const char* source;  // nullptr: any
  bool allowed;
};

TEST(PolicyPlan, MatrixVerdictsFirstMatchDecides) {
  PolicyPlan p = policy_of(kZoned);
  const Cell cells[] = {
      {"users", "servers", Protocol::kTcp, 443, nullptr, true},
      {"users", "servers", Protocol::kTcp, 6443, nullptr, true},
      {"users", "servers", Protocol::kUdp, 443, nullptr, false},
      {"users", "servers", Protocol::kTcp, 8080, nullptr, false},
      {"users", "servers", Protocol::kTcp, 8080, "10.10.0.10", true},
      // The drop of 22 comes before the admin's rule.
      {"users", "servers", Protocol::kTcp, 22, "10.10.0.10", false},
      {"servers", "users", Protocol::kTcp, 443, nullptr, false},
      {"servers", "wan", Protocol::kUdp, 53, nullptr, true},
      {"iot", "wan", Protocol::kTcp, 443, nullptr, false},
      {"iot", "iot", Protocol::kTcp, 443, nullptr, false},
      {"servers", "servers", Protocol::kTcp, 1, nullptr, true},
      {"users", "gateway", Protocol::kTcp, 22, "10.10.0.10", true},
      {"users", "gateway", Protocol::kTcp, 22, "10.10.0.11", false},
      {"wan", "gateway", Protocol::kTcp, 22, nullptr, false},
  };
  for (const auto& c : cells) {
    std::optional<IpAddress> source;
    if (c.source) source = IpAddress::parse(c.source);
    EXPECT_EQ(p.allows(c.from, c.to, c.protocol, c.port, source), c.allowed)
        << c.from << " -> " << c.to << " " << to_string(c.protocol) << "/" << c.port;
  }
}

}  // namespace
}  // namespace labgate

namespace labgate {
namespace {

// Routed mode: a name of a service on another network answers its own address where the zones
// let the asking network reach one of its ports, and REFUSED where they do not.
TEST(PolicyPlan, RoutedDnsAnswersFollowTheZones) {
  std::string yaml = std::string(kZoned) +
                     "services:\n"
                     "  web: { address: 10.20.0.80, ports: { https: 443 } }\n"
                     "dns:\n  zone: lab\n  names: { web: web }\n  upstreams: [10.0.0.254]\n";
  Topology t = test_support::load_valid(yaml);
  DnsViewTable views = build_dns_views(t);
  ASSERT_EQ(views.names.size(), 1u);
  auto view_of = [&](const std::string& network) {
    for (size_t i = 0; i < views.networks.size(); ++i)
      if (views.networks[i] == network) return views.names[0].views[i];
    return DnsView{};
  };
  EXPECT_EQ(view_of("users").kind, DnsAnswerKind::kService);
  EXPECT_EQ(view_of("users").address->str(), "10.20.0.80");
  EXPECT_EQ(view_of("srv").address->str(), "10.20.0.80");  // its own network
  EXPECT_EQ(view_of("k8s").address->str(), "10.20.0.80");  // same zone, intra accept
  EXPECT_EQ(view_of("iot").kind, DnsAnswerKind::kRefused);
  EXPECT_EQ(view_of("lan").kind, DnsAnswerKind::kRefused);
  EXPECT_NE(view_of("iot").reason.find("reach none of its ports"), std::string::npos);
}

}  // namespace
}  // namespace labgate
