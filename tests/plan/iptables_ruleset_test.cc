#include "plan/iptables_ruleset.h"

#include <sstream>
#include <string>

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

TEST(IptablesRuleset, SeedMatchesGolden) {
  std::string actual = compile_iptables_restore(plan_of(seed_topology_text()), kSeedTopologyName);
  test_support::expect_golden("tests/plan/golden/homelab.iptables", actual);
}

TEST(IptablesRuleset, TouchesOnlyLabgateChains) {
  std::string text = compile_iptables_restore(plan_of(seed_topology_text()), "x");
  std::istringstream lines(text);
  int rules = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("-A ")) {
      ++rules;
      EXPECT_TRUE(line.starts_with("-A LABGATE-")) << line;
    }
    if (line.starts_with(":")) {
      EXPECT_TRUE(line.starts_with(":LABGATE-")) << line;
    }
  }
  // 4 forwards x (prerouting + output) + hairpin + masquerade + 3 state + egress + 2 inbound.
  EXPECT_EQ(rules, 8 + 2 + 6);
}

TEST(IptablesRuleset, SnatForwardsMatchTheirOriginalDestination) {
  std::string text = compile_iptables_restore(plan_of(R"(version: 1
networks:
  lan: { interface: eth0, subnet: 10.0.0.0/24, address: 10.0.0.1, router: 10.0.0.254, uplink: true }
  lab: { interface: eth2, subnet: 10.2.0.0/24, address: 10.2.0.1, inbound: accept }
services:
  dns: { address: 10.2.0.53, ports: { dns: 53/udp } }
  web: { address: 10.2.0.80, ports: { http: 80 } }
forwards:
  - { listen: lan:53, to: dns:dns, snat: true }
  - { listen: lan:8080, to: web:http, via: proxy }
)"),
                                              "x");
  EXPECT_THAT(text, HasSubstr("-A LABGATE-PREROUTING -d 10.0.0.1/32 -p udp -m udp --dport 53 "));
  EXPECT_THAT(text, HasSubstr("-j DNAT --to-destination 10.2.0.53:53\n"));
  EXPECT_THAT(text, HasSubstr("-p udp -m conntrack --ctstate DNAT --ctorigdst 10.0.0.1/32 "
                              "--ctorigdstport 53 -m comment --comment \"lan:53 snat\" -j SNAT "
                              "--to-source 10.2.0.1\n"));
  EXPECT_THAT(text, Not(HasSubstr("8080")));       // the proxy serves it
  EXPECT_THAT(text, Not(HasSubstr("! -i eth2")));  // lab accepts inbound connections
  EXPECT_THAT(text, Not(HasSubstr("MASQUERADE")));
}

}  // namespace
}  // namespace labgate
