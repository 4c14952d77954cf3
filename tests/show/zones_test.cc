// Unit tests of show/zones.h: the texts of rules, pairs and open gateway services, and the
// ZONES / POLICIES / GATEWAY INPUT sections (the zones example is golden-tested in
// show_golden_test.cc).
#include "show/zones.h"

#include <string>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "show/json.h"
#include "show/svg.h"
#include "show/text.h"
#include "support/valid_topology.h"

namespace labgate::show {
namespace {

using test_support::load_valid;
using ::testing::HasSubstr;
using ::testing::Not;

// Three zones; `lab` has two networks, and a proxy forward opens a port on only one of them.
constexpr const char* kZones = R"(version: 1
gateway: { name: gw }
networks:
  wan: { interface: eth0, subnet: 10.0.0.0/24, address: 10.0.0.2, router: 10.0.0.1, uplink: true }
  lab: { interface: eth1.10, vlan: { id: 10, trunk: eth1 }, subnet: 10.1.0.0/24, address: 10.1.0.1, masquerade: true }
  lab2: { interface: eth2, subnet: 10.2.0.0/24, address: 10.2.0.1 }
  iot: { interface: eth3, subnet: 10.3.0.0/24, address: 10.3.0.1 }
services:
  web: { address: 10.1.0.10, ports: { http: 80 } }
forwards:
  - { listen: lab2:8080, to: web:http, via: proxy }
dns:
  zone: home.arpa
  names: { www: web }
  listen: [lab, lab2, iot]
zones:
  wan: { networks: [wan], intra: accept }
  lab: { networks: [lab, lab2], intra: accept }
  iot: { networks: [iot], intra: drop }
policies:
  rules:
    - { from: lab, to: wan }
    - { from: wan, to: lab, proto: tcp, ports: 22, action: drop }
    - { from: wan, to: lab, proto: tcp, ports: [80, 443] }
    - { from: iot, to: lab, proto: udp, source: 10.3.0.0/28 }
    - { from: iot, to: wan, proto: icmp }
    - { from: lab, to: gateway, proto: tcp, ports: 22, source: 10.1.0.10 }
    - { from: iot, to: gateway, action: drop }
)";

TEST(ShowZones, RuleAndPairTexts) {
  const Plan plan = compile(load_valid(kZones));
  const PolicyPlan& p = plan.policy;
  EXPECT_EQ(pair_text(*p.pair("lab", "wan")), "accept");
  EXPECT_EQ(pair_text(*p.pair("wan", "lab")), "drop 22/tcp; 80,443/tcp");
  EXPECT_EQ(pair_text(*p.pair("iot", "lab")), "udp from 10.3.0.0/28");
  EXPECT_EQ(pair_text(*p.pair("iot", "wan")), "icmp");
  EXPECT_EQ(pair_text(*p.pair("wan", "iot")), "drop");  // no rule
  EXPECT_EQ(pair_text(*p.pair("lab", kGatewayZone)), "22/tcp from 10.1.0.10");
  EXPECT_EQ(pair_text(*p.pair("iot", kGatewayZone)), "drop");  // only a drop rule
  EXPECT_EQ(rule_text(p.pair("iot", kGatewayZone)->rules.front()), "drop");
  EXPECT_EQ(intra_text(*p.zone("iot")), "intra: drop");
  EXPECT_EQ(vlan_text(*plan.network("lab")), "10 on eth1");
  EXPECT_EQ(vlan_text(*plan.network("lab2")), "-");
}

TEST(ShowZones, OpenServicesMergeProtocolsAndNameTheirNetworks) {
  const Plan plan = compile(load_valid(kZones));
  std::vector<std::string> lab;
  for (const auto& s : open_services(plan.policy, *plan.policy.zone("lab"))) lab.push_back(s.text);
  EXPECT_THAT(lab, ::testing::ElementsAre("dns 53/udp+tcp", "forward lab2:8080 8080/tcp on lab2"));
  EXPECT_TRUE(open_services(plan.policy, *plan.policy.zone("wan")).empty());
}

TEST(ShowZones, TextSections) {
  const Topology t = load_valid(kZones);
  const std::string text = render_text(t, compile(t));
  EXPECT_THAT(text,
              HasSubstr("ZONES\n  ZONE  NETWORK       INTERFACE  VLAN        SUBNET       INTRA\n"
                        "  wan   wan (uplink)  eth0       -           10.0.0.0/24  accept\n"
                        "  lab   lab           eth1.10    10 on eth1  10.1.0.0/24  accept\n"
                        "        lab2          eth2       -           10.2.0.0/24\n"));
  EXPECT_THAT(text, HasSubstr("  FROM \\ TO  wan            lab                      iot\n"
                              "  wan        intra: accept  drop 22/tcp; 80,443/tcp  drop\n"));
  EXPECT_THAT(text, HasSubstr("GATEWAY INPUT (new connections to the gateway, gw, itself"));
  EXPECT_THAT(text, HasSubstr("  lab   22/tcp from 10.1.0.10  dns 53/udp+tcp, forward lab2:8080"));
  // Before the address plan, after the networks.
  EXPECT_LT(text.find("NETWORKS"), text.find("ZONES"));
  EXPECT_LT(text.find("GATEWAY INPUT"), text.find("ADDRESS PLAN"));
  EXPECT_THAT(text, Not(HasSubstr("nflog")));  // no policies.log
}

TEST(ShowZones, ManyZonesBecomeAListOfPairs) {
  std::string yaml = "networks:\n";
  std::string zones = "zones:\n";
  for (int i = 0; i < 9; ++i) {
    yaml += fmt::format(
        "  network-{0}: {{ interface: eth{0}, subnet: 10.{0}.0.0/24, address: "
        "10.{0}.0.1 }}\n",
        i);
    zones += fmt::format("  zone-number-{0}: {{ networks: [network-{0}], intra: accept }}\n", i);
  }
  yaml += zones +
          "policies:\n  log: { group: 3 }\n  rules:\n"
          "    - { from: zone-number-1, to: zone-number-2, proto: tcp, ports: 443 }\n";
  const std::string text = render_zones(compile(load_valid(yaml)));
  EXPECT_THAT(text, HasSubstr("  zone-number-1  →  zone-number-2  443/tcp\n"));
  EXPECT_THAT(text, HasSubstr("  every other pair: drop\n"));
  EXPECT_THAT(text, Not(HasSubstr("FROM \\ TO")));
  EXPECT_THAT(text, HasSubstr("logged to nflog group 3, at most 10 a second per chain"));
}

TEST(ShowZones, NothingWithoutZones) {
  const Topology t = load_valid(R"(networks:
  lan: { interface: eth0, subnet: 10.0.0.0/24, address: 10.0.0.1, inbound: accept }
)");
  const Plan plan = compile(t);
  EXPECT_EQ(render_zones(plan), "");
  EXPECT_FALSE(render_json(t, plan).contains("zones"));
  EXPECT_THAT(render_svg(plan), Not(HasSubstr("zone")));
}

TEST(ShowZones, JsonAndSvg) {
  const Topology t = load_valid(kZones);
  const Plan plan = compile(t);
  auto j = render_json(t, plan)["zones"];
  EXPECT_EQ(j["zones"][1]["name"], "lab");
  EXPECT_EQ(j["zones"][1]["networks"][0]["vlan"]["id"], 10);
  EXPECT_EQ(j["zones"][1]["networks"][1]["vlan"], nullptr);
  EXPECT_EQ(j["zones"][1]["gateway_services"][1]["networks"],
            nlohmann::ordered_json::array({"lab2"}));
  EXPECT_EQ(j["log"], nullptr);
  bool found = false;
  for (const auto& pair : j["pairs"])
    if (pair["from"] == "wan" && pair["to"] == "lab") {
      found = true;
      EXPECT_EQ(pair["summary"], "drop 22/tcp; 80,443/tcp");
      EXPECT_EQ(pair["rules"][0]["action"], "drop");
      EXPECT_EQ(pair["rules"][1]["ports"], nlohmann::ordered_json::array({80, 443}));
    }
  EXPECT_TRUE(found);
  const std::string svg = render_svg(plan);
  for (const char* fact :
       {"lab · 10.1.0.0/24 · VLAN 10 on eth1 · masquerade · zone lab", "id=\"lg-zones\"",
        ">intra: drop<", ">drop 22/tcp; 80,443/tcp<", "class=\"zone-stripe\"", ">to gw itself<"})
    EXPECT_THAT(svg, HasSubstr(fact)) << fact;
}

}  // namespace
}  // namespace labgate::show
