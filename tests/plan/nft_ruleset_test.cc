#include "plan/nft_ruleset.h"

#include <sstream>
#include <string>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/golden.h"
#include "support/valid_topology.h"
#include "topology/loader.h"
#include "topology/seed.h"

namespace labgate {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

ForwardingPlan plan_of(std::string_view text) {
  return compile_forwarding_plan(
      test_support::load_valid(text, test_support::Allow::kNoDiagnostics));
}

// Compares `actual` with tests/plan/golden/NAME; LABGATE_UPDATE_GOLDEN=1 rewrites the file.
void expect_golden(const std::string& name, const std::string& actual) {
  test_support::expect_golden("tests/plan/golden/" + name, actual);
}

constexpr const char* kMixed = R"(version: 1
networks:
  lan:   { interface: eth0, subnet: 10.0.0.0/24, address: 10.0.0.1, router: 10.0.0.254, uplink: true }
  dmz:   { interface: eth1, subnet: 10.1.0.0/24, address: 10.1.0.1, inbound: accept }
  lab:   { interface: eth2, subnet: 10.2.0.0/24, address: 10.2.0.1, masquerade: true }
services:
  web:   { address: 10.1.0.10, ports: { http: 80 } }
  dns:   { address: 10.2.0.53, ports: { dns: 53/udp } }
  syslog: { address: 10.2.0.54, ports: { syslog: 514/udp } }
  proxied: { address: 10.2.0.20, ports: { https: 443 } }
forwards:
  - { listen: lan:8080, to: web:http, snat: true }
  - { listen: lan:53, to: dns:dns }
  - { listen: lan:514, to: syslog:syslog, snat: true }
  - { listen: dmz:8443, to: proxied:https, via: proxy }
)";

TEST(NftRuleset, SeedMatchesGolden) {
  expect_golden("homelab.nft",
                compile_nft_script(plan_of(seed_topology_text()), kSeedTopologyName));
}

TEST(NftRuleset, MixedMatchesGolden) {
  expect_golden("mixed.nft", compile_nft_script(plan_of(kMixed), "mixed.yaml"));
}

TEST(NftRuleset, SeedKeepsClientAddressesExceptForHairpin) {
  std::string table = compile_nft_table(plan_of(seed_topology_text()));
  // No forward of the seed asks for SNAT: no snat map, and the only SNAT is NAT reflection.
  EXPECT_THAT(table, Not(HasSubstr("snat_tcp")));
  EXPECT_THAT(table, HasSubstr("ct status dnat ip saddr 192.168.100.0/24 ip daddr "
                               "192.168.100.0/24 oifname \"vmbr1\" snat ip to 192.168.100.1"));
  EXPECT_THAT(table, HasSubstr("ip saddr 192.168.100.0/24 oifname \"vmbr0\" masquerade"));
  EXPECT_THAT(table, HasSubstr("192.168.1.55 . 2222 : 192.168.100.81 . 22,"));
  EXPECT_THAT(table, Not(HasSubstr("dnat_udp")));  // no UDP forward, no UDP map
}

TEST(NftRuleset, OnlyKernelForwardsAndOnlySnatForwardsEnterTheirMaps) {
  std::string table = compile_nft_table(plan_of(kMixed));
  EXPECT_THAT(table, Not(HasSubstr("8443")));  // the proxy serves it
  EXPECT_THAT(table, HasSubstr("10.0.0.1 . 8080 : 10.1.0.1,"));
  EXPECT_THAT(table, HasSubstr("10.0.0.1 . 514 : 10.2.0.1,"));
  EXPECT_THAT(table, Not(HasSubstr("10.0.0.1 . 53 : 10.2.0.1")));  // keeps the client address
  EXPECT_THAT(table, HasSubstr("dnat ip to ip daddr . udp dport map @dnat_udp"));
  // dmz accepts inbound connections; lan and lab drop them.
  EXPECT_THAT(table, Not(HasSubstr("oifname \"eth1\" ct state new drop")));
  EXPECT_THAT(table, HasSubstr("iifname != \"eth2\" oifname \"eth2\" ct state new drop"));
  EXPECT_THAT(table, HasSubstr("iifname != \"eth0\" oifname \"eth0\" ct state new drop"));
}

// The plan carries both families, but a file cannot say IPv6 yet (the loader refuses it), so
// this plan gets IPv6 entries by hand: the nft words follow each entry's family, in maps of
// their own, and the IPv4 rules read as before.
TEST(NftRuleset, WordsFollowTheFamily) {
  auto ip = [](const char* text) { return *IpAddress::parse(text); };
  ForwardingPlan plan = plan_of(kMixed);
  ResolvedForward f = plan.forwards[0];  // lan:8080 -> web:http, SNAT'd
  f.listen_address = ip("2001:db8::1");
  f.backend_address = ip("2001:db8:1::10");
  f.backend_gateway = ip("2001:db8:1::1");
  plan.forwards.push_back(f);
  plan.masquerade.push_back(
      MasqueradeRule{"lab6", *IpPrefix::parse("2001:db8:2::/64"), "eth2", "lan", "eth0"});
  plan.hairpin.push_back(
      HairpinRule{"dmz6", "eth1", *IpPrefix::parse("2001:db8:1::/64"), ip("2001:db8:1::1")});
  std::string table = compile_nft_table(plan);
  EXPECT_THAT(table, HasSubstr("map dnat6_tcp {\n\t\ttype ipv6_addr . inet_service : ipv6_addr . "
                               "inet_service\n"));
  EXPECT_THAT(table, HasSubstr("\t\t\t2001:db8::1 . 8080 : 2001:db8:1::10 . 80, #"));
  EXPECT_THAT(table, HasSubstr("map snat6_tcp {\n\t\ttype ipv6_addr . inet_service : ipv6_addr\n"));
  EXPECT_THAT(table, HasSubstr("\t\t\t2001:db8::1 . 8080 : 2001:db8:1::1, #"));
  EXPECT_THAT(table,
              HasSubstr("meta l4proto tcp dnat ip6 to ip6 daddr . tcp dport map @dnat6_tcp\n"));
  EXPECT_THAT(table,
              HasSubstr("meta l4proto tcp ct status dnat snat ip6 to ct original ip6 daddr . "
                        "ct original proto-dst map @snat6_tcp\n"));
  EXPECT_THAT(table, HasSubstr("ct status dnat ip6 saddr 2001:db8:1::/64 ip6 daddr 2001:db8:1::/64 "
                               "oifname \"eth1\" snat ip6 to 2001:db8:1::1 comment"));
  EXPECT_THAT(table, HasSubstr("\t\tip6 saddr 2001:db8:2::/64 oifname \"eth0\" masquerade"));
  // The IPv4 maps and rules keep their names and words.
  EXPECT_THAT(table, HasSubstr("map dnat_tcp {\n\t\ttype ipv4_addr . inet_service : ipv4_addr . "
                               "inet_service\n"));
  EXPECT_THAT(table, HasSubstr("meta l4proto tcp dnat ip to ip daddr . tcp dport map @dnat_tcp\n"));
  EXPECT_THAT(table,
              Not(HasSubstr("ipv4_addr . inet_service : ipv4_addr . inet_service\n\t\telements"
                            " = {\n\t\t\t2001")));
}

TEST(NftRuleset, IsDeterministicAndReplacesOnlyItsOwnTable) {
  ForwardingPlan plan = plan_of(seed_topology_text());
  std::string script = compile_nft_script(plan, "x");
  EXPECT_EQ(script, compile_nft_script(plan, "x"));
  EXPECT_THAT(script, HasSubstr("table inet labgate {}\ndelete table inet labgate\ntable inet "
                                "labgate {\n"));
  // Every table the script names is labgate's.
  std::istringstream lines(script);
  for (std::string line; std::getline(lines, line);) {
    if (line.find("table ") != std::string::npos && line[0] != '#') {
      EXPECT_THAT(line, HasSubstr("table inet labgate")) << line;
    }
  }
}

TEST(NftRuleset, PerPacketRulesDoNotGrowWithForwards) {
  // 1,000 forwards add 1,000 map elements and not one rule.
  std::string many =
      "version: 1\nnetworks:\n"
      "  lan: { interface: vmbr0, subnet: 10.0.0.0/16, address: 10.0.0.1 }\n"
      "  lab: { interface: vmbr1, subnet: 10.1.0.0/16, address: 10.1.0.1 }\n"
      "services:\n  s: { address: 10.1.0.2, ports: {";
  for (int i = 0; i < 1000; ++i) many += fmt::format("{}p{}: {}", i ? ", " : " ", i, 1000 + i);
  many += " } }\nforwards:\n";
  for (int i = 0; i < 1000; ++i)
    many += fmt::format("  - {{ listen: lan:{}, to: s:p{} }}\n", 20000 + i, i);
  auto count_rules = [](const std::string& table) {
    int rules = 0;
    std::istringstream lines(table);
    for (std::string line; std::getline(lines, line);)
      rules += line.starts_with("\t\t") && !line.starts_with("\t\t\t") &&
               line.find("type ") == std::string::npos &&
               line.find("elements") == std::string::npos && line != "\t\t}";
    return rules;
  };
  std::string one = compile_nft_table(plan_of(R"(version: 1
networks:
  lan: { interface: vmbr0, subnet: 10.0.0.0/16, address: 10.0.0.1 }
  lab: { interface: vmbr1, subnet: 10.1.0.0/16, address: 10.1.0.1 }
services:
  s: { address: 10.1.0.2, ports: { p0: 1000 } }
forwards:
  - { listen: lan:20000, to: s:p0 }
)"));
  std::string thousand = compile_nft_table(plan_of(many));
  EXPECT_EQ(count_rules(one), count_rules(thousand));
  EXPECT_THAT(thousand, HasSubstr("10.0.0.1 . 20999 : 10.1.0.2 . 1999,"));
}

}  // namespace
}  // namespace labgate
