// The zone filter in `table inet labgate`: golden files per kind of policy, and the properties
// the design promises (no zones: today's text; dispatch by map; drops logged when asked).
#include "plan/nft_zones.h"

#include <fstream>
#include <sstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "plan/nft_ruleset.h"
#include "plan/plan.h"
#include "support/golden.h"
#include "support/valid_topology.h"
#include "topology/seed.h"

namespace labgate {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string read_example(const std::string& name) {
  std::ifstream in(std::string(LABGATE_SOURCE_DIR) + "/examples/" + name, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

Plan plan_of(std::string_view text) {
  return compile(test_support::load_valid(text, test_support::Allow::kNoDiagnostics));
}

std::string script_of(const Plan& p, const std::string& name) {
  return compile_nft_script(p.forwarding, p.policy, name);
}

// Three zones without logging: a pair accepted whole (map verdict accept), a pair with port
// rules (its chain), pairs with nothing (map verdict drop), a kernel forward (DNAT'd flows pass
// before the zones) and a proxy forward (a gateway service in the input filter), DNS served on
// one network only.
constexpr const char* kSmall = R"(version: 1
networks:
  lan:  { interface: eth0, subnet: 10.0.0.0/24, address: 10.0.0.1, router: 10.0.0.254, uplink: true }
  dmz:  { interface: eth1, subnet: 10.1.0.0/24, address: 10.1.0.1, masquerade: true }
  dmz2: { interface: eth3, subnet: 10.3.0.0/24, address: 10.3.0.1, masquerade: true }
  lab:  { interface: eth2, subnet: 10.2.0.0/24, address: 10.2.0.1, masquerade: true }
services:
  web:   { address: 10.1.0.10, ports: { http: 80, https: 443 } }
  db:    { address: 10.2.0.20, ports: { pg: 5432 } }
forwards:
  - { listen: lan:8080, to: web:http }
  - { listen: lab:8443, to: web:https, via: proxy }
dns:
  zone: lab
  names: { db: db }
  upstreams: [10.0.0.254]
  listen: [dmz]
zones:
  wan: { networks: [lan], intra: accept }
  dmz: { networks: [dmz, dmz2], intra: drop }
  lab: { networks: [lab], intra: accept }
policies:
  rules:
    - { from: dmz, to: wan }
    - { from: lab, to: dmz, proto: tcp, ports: [80, 443] }
    - { from: lab, to: dmz, proto: icmp }
    - { from: dmz, to: lab, proto: tcp, ports: 5432, source: 10.1.0.10 }
    - { from: lab, to: gateway, proto: udp, ports: 161, action: drop }
    - { from: lab, to: gateway, proto: tcp, ports: 22 }
)";

// The seed's future layout: VLAN interfaces, intra drop, logging, management from one host.
TEST(NftZones, VlanExampleMatchesGolden) {
  test_support::expect_golden(
      "tests/plan/golden/homelab-vlan.nft",
      script_of(plan_of(read_example("homelab-vlan.yaml")), "homelab-vlan.yaml"));
}

TEST(NftZones, SmallPolicyMatchesGolden) {
  test_support::expect_golden("tests/plan/golden/zones-small.nft",
                              script_of(plan_of(kSmall), "zones-small.yaml"));
}

TEST(NftZones, WithoutZonesTheTextIsTodays) {
  Plan seed = plan_of(seed_topology_text());
  EXPECT_FALSE(seed.policy.explicit_zones);
  EXPECT_EQ(compile_nft_table(seed.forwarding, seed.policy), compile_nft_table(seed.forwarding));
  EXPECT_THAT(compile_nft_table(seed.forwarding, seed.policy), Not(HasSubstr("zone_")));
}

TEST(NftZones, DispatchesThroughTheMapsAfterRepliesAndForwards) {
  Plan p = plan_of(kSmall);
  std::string t = compile_nft_table(p.forwarding, p.policy);
  size_t established = t.find("ct state established,related accept");
  size_t dnat = t.find("ct status dnat accept");
  size_t vmap = t.find("iifname . oifname vmap @zone_forward");
  ASSERT_NE(vmap, std::string::npos);
  EXPECT_LT(established, dnat);
  EXPECT_LT(dnat, vmap);
  // A whole pair is a verdict in the map; a pair without rules drops there; ports get a chain.
  EXPECT_THAT(t, HasSubstr("\"eth1\" . \"eth0\" : accept,"));
  EXPECT_THAT(t, HasSubstr("\"eth0\" . \"eth1\" : drop,"));
  EXPECT_THAT(t, HasSubstr("\"eth2\" . \"eth1\" : jump fwd_lab_dmz,"));
  EXPECT_THAT(t, HasSubstr("\"eth2\" . \"eth3\" : jump fwd_lab_dmz,"));
  // intra: drop between the two networks of dmz, and on one interface; accept in lab.
  EXPECT_THAT(t, HasSubstr("\"eth1\" . \"eth3\" : drop,"));
  EXPECT_THAT(t, HasSubstr("\"eth1\" . \"eth1\" : drop,"));
  EXPECT_THAT(t, HasSubstr("\"eth2\" . \"eth2\" : accept,"));
  EXPECT_THAT(t, HasSubstr("tcp dport { 80, 443 } accept comment \"policies.rules.1\""));
  EXPECT_THAT(t, HasSubstr("ip saddr 10.1.0.10/32 tcp dport 5432 accept"));
  // The old per-network rules are not there: the zones decide.
  EXPECT_THAT(t, Not(HasSubstr("ct state new drop")));
  EXPECT_THAT(t, Not(HasSubstr("egress")));
  // No logging asked: no log statement.
  EXPECT_THAT(t, Not(HasSubstr("log ")));
}

TEST(NftZones, InputOpensServicesWhereTheyAreServedThenTheRules) {
  Plan p = plan_of(kSmall);
  std::string t = compile_nft_table(p.forwarding, p.policy);
  // DNS is served on dmz (eth1) only, not on dmz2 (eth3), which shares the zone.
  EXPECT_THAT(t, HasSubstr("\tchain in_dmz {\n\t\tiifname \"eth1\" udp dport 53 accept comment "
                           "\"dns\"\n\t\tiifname \"eth1\" tcp dport 53 accept comment \"dns\"\n"
                           "\t\tdrop\n"));
  // The proxy listens on lab: open there, then the rules to the gateway in order.
  EXPECT_THAT(t, HasSubstr("\tchain in_lab {\n\t\ttcp dport 8443 accept comment \"forward "
                           "lab:8443\"\n\t\tudp dport 161 drop comment \"policies.rules.4\"\n"
                           "\t\ttcp dport 22 accept comment \"policies.rules.5\"\n\t\tdrop\n"));
  EXPECT_THAT(t, HasSubstr("\"eth0\" : jump in_wan,"));
}

TEST(NftZones, LogsDropsRateLimitedWhenAsked) {
  Plan p = plan_of(read_example("homelab-vlan.yaml"));
  std::string t = compile_nft_table(p.forwarding, p.policy);
  EXPECT_THAT(t, HasSubstr("limit rate 5/second log prefix \"labgate drop iot>gateway \" group 1\n"
                           "\t\tdrop\n"));
  // With logging, a pair without rules is a chain of its own, to log under its name.
  EXPECT_THAT(t, HasSubstr("\"vmbr0.40\" . \"vmbr0.20\" : jump fwd_iot_servers,"));
  EXPECT_THAT(t, HasSubstr("\"vmbr0.40\" . \"vmbr0.40\" : jump fwd_iot_iot,"));
}

}  // namespace
}  // namespace labgate

namespace labgate {
namespace {

// Consecutive rules that differ only in their ports are one set lookup, in the rules' order.
TEST(NftZones, MergesConsecutivePortRulesOfAPair) {
  std::string yaml = std::string(kSmall);
  const std::string rule = "    - { from: lab, to: dmz, proto: tcp, ports: [80, 443] }\n";
  yaml.replace(yaml.find(rule), rule.size(),
               rule +
                   "    - { from: lab, to: dmz, proto: tcp, ports: 8080 }\n"
                   "    - { from: lab, to: dmz, proto: tcp, ports: [22], action: drop }\n"
                   "    - { from: lab, to: dmz, proto: tcp, ports: 9000 }\n");
  Plan p = plan_of(yaml);
  std::string t = compile_nft_table(p.forwarding, p.policy);
  EXPECT_THAT(t,
              HasSubstr("\tchain fwd_lab_dmz {\n"
                        "\t\ttcp dport { 80, 443, 8080 } accept comment \"policies.rules.1-2\"\n"
                        "\t\ttcp dport 22 drop comment \"policies.rules.3\"\n"
                        "\t\ttcp dport 9000 accept comment \"policies.rules.4\"\n"
                        "\t\tmeta l4proto { icmp, ipv6-icmp } accept comment \"policies.rules.5\"\n"
                        "\t\tdrop\n"));
}

}  // namespace
}  // namespace labgate
