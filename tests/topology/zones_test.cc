// VLANs, zones and policies: the loader and validate_zones() on a table of one-change documents
// (every diagnostic of each, at FILE:LINE:COL), as in validate_test.cc.
#include <gtest/gtest.h>

#include "topology/loader.h"
#include "topology/topology_test_util.h"
#include "topology/validate_zones.h"

namespace labgate::testing {
namespace {

// Line numbers matter: the rows refer to them.
constexpr std::string_view kZoneBase =
    "networks:\n"                                                                       //  1
    "  lan:\n"                                                                          //  2
    "    interface: vmbr0\n"                                                            //  3
    "    subnet: 192.168.1.0/24\n"                                                      //  4
    "    address: 192.168.1.2\n"                                                        //  5
    "    router: 192.168.1.1\n"                                                         //  6
    "    uplink: true\n"                                                                //  7
    "  users:\n"                                                                        //  8
    "    interface: vmbr0.10\n"                                                         //  9
    "    vlan: { id: 10, trunk: vmbr0 }\n"                                              // 10
    "    subnet: 10.10.0.0/24\n"                                                        // 11
    "    address: 10.10.0.1\n"                                                          // 12
    "  servers:\n"                                                                      // 13
    "    interface: vmbr0.20\n"                                                         // 14
    "    vlan: { id: 20, trunk: vmbr0 }\n"                                              // 15
    "    subnet: 10.20.0.0/24\n"                                                        // 16
    "    address: 10.20.0.1\n"                                                          // 17
    "  iot:\n"                                                                          // 18
    "    interface: vmbr0.40\n"                                                         // 19
    "    vlan: { id: 40, trunk: vmbr0 }\n"                                              // 20
    "    subnet: 10.40.0.0/24\n"                                                        // 21
    "    address: 10.40.0.1\n"                                                          // 22
    "zones:\n"                                                                          // 23
    "  wan: { networks: [lan], intra: accept }\n"                                       // 24
    "  users: { networks: [users], intra: accept }\n"                                   // 25
    "  servers: { networks: [servers], intra: accept }\n"                               // 26
    "  iot: { networks: [iot], intra: drop }\n"                                         // 27
    "policies:\n"                                                                       // 28
    "  rules:\n"                                                                        // 29
    "    - { from: users, to: servers, proto: tcp, ports: [443, 6443] }\n"              // 30
    "    - { from: servers, to: wan }\n"                                                // 31
    "    - { from: users, to: gateway, proto: tcp, ports: 22, source: 10.10.0.10 }\n";  // 32

void expect_zone_row(const Row& row) {
  std::string text = edited(row.edits, kZoneBase);
  Diagnostics diagnostics;
  check_topology(text, diagnostics);
  EXPECT_EQ(summarize(diagnostics), row.expected) << dump(diagnostics) << "--- document:\n" << text;
  if (!row.hint.empty()) {
    bool found = false;
    for (const auto& d : diagnostics.all()) found |= d.hint.find(row.hint) != std::string::npos;
    EXPECT_TRUE(found) << "no hint contains '" << row.hint << "'\n" << dump(diagnostics);
  }
}

TEST(Zones, BaseIsClean) {
  Diagnostics diagnostics;
  Topology t = check_topology(kZoneBase, diagnostics);
  EXPECT_TRUE(diagnostics.all().empty()) << dump(diagnostics);
  ASSERT_EQ(t.zones.size(), 4u);
  EXPECT_EQ(t.zones[1].networks, std::vector<std::string>{"users"});
  EXPECT_FALSE(t.zones[3].intra_accept);
  ASSERT_TRUE(t.networks[1].vlan.has_value());
  EXPECT_EQ(t.networks[1].vlan->id, 10);
  EXPECT_EQ(t.networks[1].vlan->trunk, "vmbr0");
  ASSERT_EQ(t.policies.rules.size(), 3u);
  EXPECT_EQ(t.policies.rules[0].ports, (std::vector<uint16_t>{443, 6443}));
  EXPECT_EQ(t.policies.rules[0].protocol, RuleProtocol::kTcp);
  EXPECT_EQ(t.policies.rules[1].protocol, RuleProtocol::kAny);
  EXPECT_EQ(t.policies.rules[2].to, kGatewayZone);
  ASSERT_TRUE(t.policies.rules[2].source.has_value());
  EXPECT_EQ(t.policies.rules[2].source->str(), "10.10.0.10/32");
}

class ZoneRows : public ::testing::TestWithParam<Row> {};

TEST_P(ZoneRows, ReportsExactlyTheseDiagnostics) {
  expect_zone_row(GetParam());
}

// clang-format off
INSTANTIATE_TEST_SUITE_P(Vlans, ZoneRows, ::testing::Values(
    Row{"vlan_id_zero", {{"id: 10,", "id: 0,"}}, {error_at(10, 17, "invalid-value")}},
    Row{"vlan_id_4095", {{"id: 10,", "id: 4095,"}}, {error_at(10, 17, "invalid-value")}},
    Row{"vlan_id_twice_on_one_trunk", {{"id: 20,", "id: 10,"}}, {error_at(15, 17, "duplicate-vlan")}},
    Row{"same_id_on_two_trunks", {{"id: 20, trunk: vmbr0", "id: 10, trunk: vmbr9"}}, {}},
    Row{"vlan_without_trunk", {{"{ id: 10, trunk: vmbr0 }", "{ id: 10 }"}}, {error_at(10, 11, "missing-key")}},
    Row{"vlan_trunk_is_itself", {{"trunk: vmbr0 }\n    subnet: 10.20", "trunk: vmbr0.20 }\n    subnet: 10.20"}}, {error_at(15, 28, "invalid-value")}},
    Row{"vlan_bad_trunk_name", {{"trunk: vmbr0 }\n    subnet: 10.20", "trunk: 'a b' }\n    subnet: 10.20"}}, {error_at(15, 28, "invalid-value")}}
), row_name);

INSTANTIATE_TEST_SUITE_P(ZoneMembership, ZoneRows, ::testing::Values(
    Row{"unknown_network", {{"networks: [servers]", "networks: [severs]"}}, {error_at(26, 25, "unknown-network")}, "did you mean 'servers'?"},
    Row{"network_in_two_zones", {{"networks: [servers]", "networks: [servers, users]"}}, {error_at(26, 34, "network-in-two-zones")}},
    Row{"network_twice_in_one_zone", {{"networks: [servers]", "networks: [servers, servers]"}}, {error_at(26, 34, "network-in-two-zones")}},
    Row{"network_in_no_zone", {{"  iot: { networks: [iot], intra: drop }\n", "  iot: { networks: [], intra: drop }\n"}}, {error_at(18, 3, "network-without-zone")}},
    Row{"intra_is_required", {{"networks: [iot], intra: drop }", "networks: [iot] }"}}, {error_at(27, 8, "missing-key")}},
    Row{"inbound_beside_zones", {{"    address: 10.40.0.1\n", "    address: 10.40.0.1\n    inbound: accept\n"}}, {error_at(23, 5, "inbound-with-zones")}},
    Row{"zone_named_gateway", {{"  iot: {", "  gateway: {"}}, {error_at(27, 12, "invalid-value")}},
    Row{"policies_without_zones", {{"zones:\n  wan: { networks: [lan], intra: accept }\n  users: { networks: [users], intra: accept }\n  servers: { networks: [servers], intra: accept }\n  iot: { networks: [iot], intra: drop }\n", ""}}, {error_at(23, 1, "policies-without-zones")}}
), row_name);

INSTANTIATE_TEST_SUITE_P(Rules, ZoneRows, ::testing::Values(
    Row{"unknown_from_zone", {{"from: servers, to: wan", "from: server, to: wan"}}, {error_at(31, 15, "unknown-zone")}, "did you mean 'servers'?"},
    Row{"unknown_to_zone", {{"from: servers, to: wan", "from: servers, to: wna"}}, {error_at(31, 28, "unknown-zone")}},
    Row{"from_gateway", {{"from: servers, to: wan", "from: gateway, to: wan"}}, {error_at(31, 15, "invalid-reference")}},
    Row{"inside_one_zone", {{"from: servers, to: wan", "from: servers, to: servers"}}, {error_at(31, 28, "rule-never-matches")}},
    Row{"to_zone_without_networks", {{"  iot: { networks: [iot], intra: drop }\n", "  iot: { networks: [iot], intra: drop }\n  empty: { networks: [], intra: drop }\n"}, {"from: servers, to: wan", "from: servers, to: empty"}}, {error_at(32, 28, "rule-never-matches")}},
    Row{"from_zone_without_networks", {{"  iot: { networks: [iot], intra: drop }\n", "  iot: { networks: [iot], intra: drop }\n  empty: { networks: [], intra: drop }\n"}, {"from: servers, to: wan", "from: empty, to: wan"}}, {error_at(32, 15, "rule-never-matches")}},
    Row{"ports_without_protocol", {{"proto: tcp, ports: [443, 6443]", "ports: [443, 6443]"}}, {error_at(30, 42, "rule-never-matches")}},
    Row{"ports_on_icmp", {{"proto: tcp, ports: [443, 6443]", "proto: icmp, ports: [443]"}}, {error_at(30, 55, "rule-never-matches")}},
    Row{"source_outside_zone", {{"source: 10.10.0.10", "source: 10.20.0.10"}}, {error_at(32, 66, "rule-never-matches")}},
    Row{"source_anywhere_from_uplink", {{"from: servers, to: wan", "from: wan, to: servers, source: 8.8.8.8"}}, {}},
    Row{"bad_port", {{"ports: [443, 6443]", "ports: [443, 0]"}}, {error_at(30, 60, "invalid-value")}},
    Row{"bad_proto", {{"proto: tcp, ports: [443", "proto: sctp, ports: [443"}}, {error_at(30, 42, "invalid-value")}},
    Row{"shadowed_by_whole_pair", {{"    - { from: users, to: servers, proto: tcp", "    - { from: users, to: servers }\n    - { from: users, to: servers, proto: tcp"}}, {warning_at(31, 7, "rule-shadowed")}},
    Row{"shadowed_by_superset_of_ports", {{"    - { from: servers, to: wan }\n", "    - { from: users, to: servers, proto: tcp, ports: 443 }\n    - { from: servers, to: wan }\n"}}, {warning_at(31, 7, "rule-shadowed")}},
    Row{"narrower_first_is_not_shadowing", {{"    - { from: servers, to: wan }\n", "    - { from: servers, to: wan, proto: tcp, ports: 80 }\n    - { from: servers, to: wan }\n"}}, {}},
    Row{"other_protocol_is_not_shadowed", {{"    - { from: servers, to: wan }\n", "    - { from: users, to: servers, proto: udp, ports: 443 }\n    - { from: servers, to: wan }\n"}}, {}},
    Row{"wider_source_shadows", {{"source: 10.10.0.10 }\n", "source: 10.10.0.10 }\n    - { from: users, to: gateway, proto: tcp, ports: 22, source: 10.10.0.10 }\n"}}, {warning_at(33, 7, "rule-shadowed")}},
    Row{"log_group_out_of_range", {{"policies:\n", "policies:\n  log: { group: 0 }\n"}}, {error_at(29, 17, "invalid-value")}}
), row_name);
// clang-format on

TEST(Zones, RuleCovers) {
  PolicyRule all{"a", "b", RuleProtocol::kAny, {}, std::nullopt, true, true};
  PolicyRule web{"a", "b", RuleProtocol::kTcp, {443}, std::nullopt, true, true};
  PolicyRule webs{"a", "b", RuleProtocol::kTcp, {80, 443}, std::nullopt, true, true};
  PolicyRule other_pair{"a", "c", RuleProtocol::kTcp, {443}, std::nullopt, true, true};
  PolicyRule from_host{"a",  "b", RuleProtocol::kTcp, {443}, IpPrefix::parse("10.0.0.5/32"),
                       true, true};
  PolicyRule from_net{"a",  "b", RuleProtocol::kTcp, {443}, IpPrefix::parse("10.0.0.0/24"),
                      true, true};
  EXPECT_TRUE(rule_covers(all, web));
  EXPECT_TRUE(rule_covers(webs, web));
  EXPECT_FALSE(rule_covers(web, webs));
  EXPECT_FALSE(rule_covers(web, all));
  EXPECT_FALSE(rule_covers(all, other_pair));
  EXPECT_TRUE(rule_covers(web, from_host));
  EXPECT_TRUE(rule_covers(from_net, from_host));
  EXPECT_FALSE(rule_covers(from_host, from_net));
  EXPECT_FALSE(rule_covers(from_host, web));
}

}  // namespace
}  // namespace labgate::testing
