// Unit tests of the show renderers on topologies other than the seed (the seed is golden-tested
// in show_golden_test.cc).
#include <sstream>
#include <string>
#include <string_view>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "show/diagram.h"
#include "show/format.h"
#include "show/json.h"
#include "show/text.h"
#include "support/valid_topology.h"
#include "topology/loader.h"

namespace labgate::show {
namespace {

// The show functions read the topology and its Plan; these tests start from a topology.
nlohmann::ordered_json render_json(const Topology& t) {
  return show::render_json(t, compile(t));
}
std::string render_diagram(const Topology& t) {
  return show::render_diagram(compile(t));
}
std::string render_forwards(const Topology& t) {
  return show::render_forwards(compile(t));
}
std::string render_dns(const Topology& t) {
  return show::render_dns(t, compile(t));
}
std::string render_address_plan(const Topology& t) {
  return show::render_address_plan(t, compile(t));
}

using ::testing::HasSubstr;
using ::testing::Not;

using test_support::load_valid;

TEST(ShowFormat, CompactRange) {
  auto r = [](const char* text) { return compact_range(*IpRange::parse(text)); };
  EXPECT_EQ(r("192.168.100.80-85"), "192.168.100.80-85");
  EXPECT_EQ(r("192.168.100.7-192.168.100.7"), "192.168.100.7");
  EXPECT_EQ(r("10.0.0.250-10.0.1.3"), "10.0.0.250-10.0.1.3");
  EXPECT_EQ(r("2001:db8::80-2001:db8::85"), "2001:db8::80-2001:db8::85");  // no v6 shorthand
  EXPECT_EQ(r("2001:db8::7-2001:db8::7"), "2001:db8::7");
}

TEST(ShowFormat, PortListMarksUdp) {
  std::vector<ServicePort> ports = {{"http", 80, Protocol::kTcp}, {"dns", 53, Protocol::kUdp}};
  EXPECT_EQ(port_list(ports), "http:80 dns:53/udp");
}

TEST(ShowFormat, TableAlignsByDisplayWidth) {
  TextTable t("> ");
  t.add_row({"a", "→", "x"});
  t.add_row({"long", "", "y"});
  EXPECT_EQ(t.render(), "> a     →  x\n> long     y\n");
  EXPECT_EQ(display_width("┌─┴─┐"), 5u);
  EXPECT_EQ(pad("→", 3), "→  ");
}

// Three networks, a host on the uplink, no DNS, a UDP forward by the proxy with SNAT.
constexpr std::string_view kThree = R"(
gateway: { name: gw }
networks:
  lan:     { interface: eth0, subnet: 10.0.0.0/24, address: 10.0.0.2, router: 10.0.0.1, uplink: true }
  lab:     { interface: eth1, subnet: 10.1.0.0/24, address: 10.1.0.1, masquerade: true }
  p2p:     { interface: eth2, subnet: 10.2.0.0/31, address: 10.2.0.0, inbound: accept }
hosts:
  nas: { network: lan, address: 10.0.0.10 }
  phone: { network: lan, address: 10.0.0.20 }
  peer: { network: p2p, address: 10.2.0.1 }
pools:
  dhcp: { network: lan, range: 10.0.0.30-39 }
services:
  dns: { address: 10.1.0.53, ports: { dns: 53/udp } }
  tv: { address: 10.0.0.30, ports: { web: 8080 } }
forwards:
  - { listen: lan:5353, to: dns:dns, via: proxy, snat: true }
  - { listen: lan:8080, to: tv:web }
)";

TEST(ShowDiagram, UplinkAboveTheGatewayOthersBelow) {
  std::string d = render_diagram(load_valid(kThree));
  EXPECT_THAT(d, HasSubstr("Internet\n"));
  EXPECT_THAT(d, HasSubstr("│ router 10.0.0.1 │"));
  EXPECT_THAT(d, HasSubstr("│ lan  10.0.0.0/24  eth0, uplink\n"));
  // The uplink's own hosts branch off the trunk above the gateway, which continues below them.
  EXPECT_THAT(d, HasSubstr("        ├─ 10.0.0.10        nas\n"));
  EXPECT_THAT(d, HasSubstr("        ├─ 10.0.0.20        phone\n"));  // not └─: the trunk goes on
  EXPECT_THAT(
      d, HasSubstr("        │  └─ 10.0.0.30     tv     service web:8080\n"));  // a pool's service
  EXPECT_LT(d.find("nas"), d.find("gw (labgate)"));
  EXPECT_THAT(d, HasSubstr("├─ lab  10.1.0.0/24  eth1, masquerade, inbound drop\n"));
  EXPECT_THAT(d, HasSubstr("└─ p2p  10.2.0.0/31  eth2, inbound accept\n"));
  EXPECT_THAT(d, HasSubstr("lan:5353/udp  →  dns:dns"));
  EXPECT_LT(d.find("gw (labgate)"), d.find("├─ lab"));
  EXPECT_LT(d.find("├─ lab"), d.find("└─ p2p"));
  // Every line of a box has the same width.
  size_t box_width = 0;
  std::istringstream lines(d);
  for (std::string l; std::getline(lines, l);) {
    if (l.find("│ gw") == std::string::npos && l.find("│   eth") == std::string::npos) continue;
    if (box_width == 0) box_width = display_width(l);
    EXPECT_EQ(display_width(l), box_width) << l;
  }
  EXPECT_GT(box_width, 0u);
}

TEST(ShowDiagram, NoUplinkNoInternet) {
  std::string d = render_diagram(load_valid(R"(
networks:
  only: { interface: eth0, subnet: 10.0.0.0/30, address: 10.0.0.1 }
hosts:
  h: { network: only, address: 10.0.0.2 }
)"));
  EXPECT_THAT(d, Not(HasSubstr("Internet")));
  EXPECT_THAT(d, Not(HasSubstr("┴")));  // nothing above the gateway box
  EXPECT_THAT(d, HasSubstr("└─ only  10.0.0.0/30  eth0, inbound drop\n"));
  EXPECT_THAT(d, HasSubstr("└─ 10.0.0.2  h\n"));
}

TEST(ShowTextSections, ForwardsShowDatapathAndSnat) {
  std::string t = render_forwards(load_valid(kThree));
  EXPECT_THAT(t,
              HasSubstr("lan 10.0.0.2:5353/udp  →  dns 10.1.0.53:53 (dns)   proxy     always\n"));
}

TEST(ShowTextSections, NoDnsSection) {
  EXPECT_EQ(render_dns(load_valid(kThree)), "DNS\n  no 'dns' section: labgate serves no names\n");
}

TEST(ShowTextSections, SlashThirtyOneHasNoNetworkOrBroadcastGaps) {
  std::string t = render_address_plan(load_valid(kThree));
  EXPECT_THAT(t, HasSubstr("p2p  10.2.0.0/31  (2 assignable, 2 used, 0 free)"));
}

TEST(ShowTextSections, DnsSaysWhereItIsServedAndWhoGetsNoAnswer) {
  Topology t = load_valid(R"(
networks:
  lan:     { interface: eth0, subnet: 10.0.0.0/24, address: 10.0.0.2, router: 10.0.0.1, uplink: true }
  lab:     { interface: eth1, subnet: 10.1.0.0/24, address: 10.1.0.1, masquerade: true }
services:
  web: { address: 10.1.0.80, ports: { http: 80 } }
  db:  { address: 10.1.0.5, ports: { pg: 5432 } }
forwards:
  - { listen: lan:80, to: web:http }
dns:
  zone: home.arpa
  names: { www: web, "*.db": db }
  listen: [lan]
  recursion: [lan, lab]
)");
  std::string d = render_dns(t);
  EXPECT_THAT(d, HasSubstr("  zone home.arpa, ttl 60s, upstreams none\n"));
  EXPECT_THAT(d, HasSubstr("  served on lan; recursion for clients on lan, lab\n"));
  EXPECT_THAT(d, HasSubstr("  NAME            SERVICE  FROM lan            FROM lab\n"));
  EXPECT_THAT(d, HasSubstr("  www.home.arpa   web      10.0.0.2 (gateway)  10.1.0.80 (service)\n"));
  EXPECT_THAT(d, HasSubstr("  *.db.home.arpa  db       REFUSED             10.1.0.5 (service)\n"));
  auto j = render_json(t);
  EXPECT_EQ(j["dns"]["listen"], nlohmann::ordered_json({"lan"}));
  EXPECT_EQ(j["dns"]["names"][1]["wildcard"], true);
  EXPECT_TRUE(j["dns"]["names"][1]["views"][0]["answer"].is_null());
  EXPECT_EQ(j["dns"]["names"][1]["views"][0]["kind"], "refused");
}

TEST(ShowTextSections, DnsDefaultsToEveryNetwork) {
  Topology t = load_valid(R"(
networks:
  a: { interface: eth0, subnet: 10.0.0.0/24, address: 10.0.0.1 }
  b: { interface: eth1, subnet: 10.1.0.0/24, address: 10.1.0.1 }
dns: { zone: lab }
)");
  EXPECT_THAT(render_dns(t),
              HasSubstr("served on every network; recursion for clients on every network\n"));
  EXPECT_EQ(render_json(t)["dns"]["recursion"], nlohmann::ordered_json({"a", "b"}));
}

TEST(ShowTextSections, DnsWithManyNetworksIsAListPerName) {
  std::string yaml = R"(
networks:
  lan: { interface: eth0, subnet: 10.0.0.0/24, address: 10.0.0.2, router: 10.0.0.1, uplink: true }
)";
  for (int i = 1; i <= 6; ++i)
    yaml += fmt::format(
        "  network-{0}: {{ interface: eth{0}, subnet: 10.{0}.0.0/24, address: 10.{0}.0.1 }}\n", i);
  yaml += R"(
services:
  web: { address: 10.3.0.80, ports: { http: 80 } }
forwards:
  - { listen: lan:80, to: web:http }
dns: { zone: lab, names: { www: web } }
)";
  std::string d = render_dns(load_valid(yaml));
  EXPECT_THAT(d, HasSubstr("  www.lab → web\n"
                           "    from lan        10.0.0.2 (gateway)\n"
                           "    from network-1  REFUSED\n"
                           "    from network-2  REFUSED\n"
                           "    from network-3  10.3.0.80 (service)\n"));
  std::istringstream lines(d);
  for (std::string l; std::getline(lines, l);) EXPECT_LE(display_width(l), kTextWidth) << l;
}

TEST(ShowJsonFields, NullsWhereFieldsDoNotApply) {
  auto j = render_json(load_valid(kThree));
  EXPECT_TRUE(j["dns"].is_null());
  EXPECT_EQ(j["networks"][2]["inbound"], "accept");
  EXPECT_TRUE(j["networks"][1]["router"].is_null());
  EXPECT_EQ(j["forwards"][0]["datapath"], "proxy");
  EXPECT_EQ(j["forwards"][0]["snat"], "always");
  EXPECT_EQ(j["forwards"][0]["listen"]["protocol"], "udp");
  const auto& lab = j["address_plan"][1];
  EXPECT_EQ(lab["network"], "lab");
  for (const auto& e : lab["entries"]) {
    if (e["role"] == "free") {
      EXPECT_TRUE(e["name"].is_null());
      EXPECT_TRUE(e["ports"].is_null());
    }
    if (e["role"] == "service") {
      EXPECT_EQ(e["ports"][0]["protocol"], "udp");
    }
  }
}

}  // namespace
}  // namespace labgate::show
