// The SVG picture (show/svg.h): every fact of the text diagram is in it, its text is escaped, it
// is self-contained, and the same plan gives the same bytes.
#include <gtest/gtest.h>

#include "show/svg.h"
#include "topology/loader.h"

namespace labgate::show {
namespace {

Topology load(const std::string& yaml) {
  Diagnostics d;
  Topology t = check_topology(yaml, d);
  for (const auto& e : d.all()) ADD_FAILURE() << format_diagnostic("test.yaml", e);
  return t;
}

const char* kTwoNetworks = R"(version: 1
gateway: { name: edge }
networks:
  wan: { interface: eth0, subnet: 10.0.0.0/24, address: 10.0.0.2, router: 10.0.0.1, uplink: true }
  lab: { interface: eth1, subnet: 10.1.0.0/24, address: 10.1.0.1, masquerade: true }
hosts:
  box: { network: lab, address: 10.1.0.10 }
services:
  web: { address: 10.1.0.10, ports: { http: 80 } }
  web2: { address: 10.1.0.11, ports: { http: 80 } }
forwards:
  - { listen: wan:8080, to: [web:http, web2:http], via: proxy }
dns:
  zone: home.arpa
  names: { www: web }
)";

TEST(Svg, HoldsTheFactsOfTheDiagram) {
  Topology t = load(kTwoNetworks);
  const std::string svg = render_svg(compile(t));
  EXPECT_EQ(svg.rfind("<?xml", 0), 0u);
  EXPECT_NE(svg.find("<svg xmlns=\"http://www.w3.org/2000/svg\""), std::string::npos);
  EXPECT_EQ(svg.substr(svg.size() - 7), "</svg>\n");
  for (const char* fact :
       {"Internet", "router 10.0.0.1", "wan · 10.0.0.0/24 · uplink", ">10.0.0.2<",
        "lab · 10.1.0.0/24 · inbound drop, masquerade", ">10.1.0.1<", ">on eth1<", ">box<",
        ">wan:8080/tcp<", ">web:http, web2:http<", ">via proxy<", "zone home.arpa",
        ">www.home.arpa<", ">lab: 10.1.0.10<", "id=\"lg-net-wan\"", "id=\"lg-gateway\"",
        "id=\"lg-dns\""})
    EXPECT_NE(svg.find(fact), std::string::npos) << fact;
}

TEST(Svg, IsSelfContainedAndDeterministic) {
  Topology t = load(kTwoNetworks);
  const Plan plan = compile(t);
  const std::string svg = render_svg(plan);
  EXPECT_EQ(svg, render_svg(plan));
  // No reference to anything outside the document: no links, images, imported fonts or styles.
  for (const char* outside : {"href", "<image", "@import", "url(", "@font-face", "<script"})
    EXPECT_EQ(svg.find(outside), std::string::npos) << outside;
}

TEST(Svg, WithoutUplinkOrDnsStillDrawsTheGateway) {
  Topology t = load(R"(version: 1
networks:
  lab: { interface: eth1, subnet: 10.1.0.0/24, address: 10.1.0.1 }
)");
  const std::string svg = render_svg(compile(t));
  EXPECT_NE(svg.find("id=\"lg-gateway\""), std::string::npos);
  EXPECT_NE(svg.find("id=\"lg-net-lab\""), std::string::npos);
  EXPECT_EQ(svg.find("id=\"lg-dns\""), std::string::npos);
  EXPECT_EQ(svg.find("Internet"), std::string::npos);
  // One trunk: from the gateway down to its one network.
  const size_t line = svg.find("<line");
  ASSERT_NE(line, std::string::npos);
  EXPECT_EQ(svg.find("<line", line + 1), std::string::npos);
}

}  // namespace
}  // namespace labgate::show
