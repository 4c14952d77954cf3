// The Plan: what compile() derives once for every consumer — the networks DNS serves and recurses
// for, the services' networks, and each forward's targets and proxy options with defaults applied.
#include "plan/plan.h"

#include <string>

#include <gtest/gtest.h>

#include "support/valid_topology.h"
#include "topology/seed.h"

namespace labgate {
namespace {

using test_support::load_valid;

const char* kFile = R"(networks:
  lan:     { interface: vmbr0, subnet: 192.168.1.0/24, address: 192.168.1.55, router: 192.168.1.1, uplink: true }
  cluster: { interface: vmbr1, subnet: 192.168.100.0/24, address: 192.168.100.1, masquerade: true }
  iot:     { interface: vmbr2, subnet: 192.168.50.0/24, address: 192.168.50.1 }
services:
  ingress:  { address: 192.168.100.80, ports: { http: 80, https: 443 } }
  ingress2: { address: 192.168.100.81, ports: { https: 8443 } }
  resolver: { address: 192.168.100.53, ports: { dns: "53/udp" } }
forwards:
  - { listen: lan:443, to: [ingress:https, ingress2:https], via: proxy, sni: true }
  - { listen: lan:444, to: ingress:https, via: proxy, health_check: { interval: 300ms, timeout: 50ms } }
  - { listen: lan:53, to: resolver:dns, via: proxy, sni: true, max_connections: 9 }
  - { listen: lan:80, to: ingress:http }
dns:
  zone: cluster
  listen: [lan, cluster]
  recursion: [cluster]
  upstreams: [192.168.1.1]
  names: { argocd: ingress, '*.apps': ingress2, dns: resolver }
)";

TEST(Plan, DnsServesAndRecursesWhereTheFileSays) {
  Plan plan = compile(load_valid(kFile));
  ASSERT_EQ(plan.dns.networks.size(), 3u);
  EXPECT_TRUE(plan.dns.networks[0].served);
  EXPECT_FALSE(plan.dns.networks[0].recursion);
  EXPECT_TRUE(plan.dns.networks[0].uplink);
  EXPECT_TRUE(plan.dns.networks[1].served);
  EXPECT_TRUE(plan.dns.networks[1].recursion);
  EXPECT_FALSE(plan.dns.networks[2].served);  // iot: not in dns.listen
  std::vector<std::string> listen;
  for (IpAddress a : plan.dns.listen_addresses()) listen.push_back(a.str());
  EXPECT_EQ(listen, (std::vector<std::string>{"192.168.1.55", "192.168.100.1"}));
  ASSERT_EQ(plan.dns.recursion_subnets().size(), 1u);
  EXPECT_EQ(plan.dns.recursion_subnets()[0].str(), "192.168.100.0/24");
  // The views table has one column per network, in the same order.
  EXPECT_EQ(plan.dns.views.networks, (std::vector<std::string>{"lan", "cluster", "iot"}));
  ASSERT_EQ(plan.dns.views.names.size(), 3u);
  EXPECT_EQ(plan.dns.views.names[0].service_address->str(), "192.168.100.80");
}

TEST(Plan, ForwardsCarryEveryTargetAndTheirProxyOptions) {
  Plan plan = compile(load_valid(kFile));
  ASSERT_EQ(plan.forwarding.forwards.size(), 4u);
  const ResolvedForward& pool = plan.forwarding.forwards[0];
  EXPECT_EQ(pool.label(), "lan:443 -> ingress:https");
  ASSERT_EQ(pool.targets().size(), 2u);
  EXPECT_EQ(pool.targets()[1],
            (ResolvedTarget{"ingress2", "https", *IpAddress::parse("192.168.100.81"), 8443}));
  // Several targets and no health_check: checked by default, here and nowhere else.
  EXPECT_EQ(pool.proxy.health_interval_ms, kDefaultHealthIntervalMs);
  EXPECT_EQ(pool.proxy.health_timeout_ms, kDefaultHealthTimeoutMs);
  // SNI routes: every name whose service has a TCP port named like the target's ("https").
  ASSERT_EQ(pool.proxy.sni_routes.size(), 2u);
  EXPECT_EQ(pool.proxy.sni_routes[0].server_name, "argocd.cluster");
  EXPECT_EQ(pool.proxy.sni_routes[1].server_name, "*.apps.cluster");
  EXPECT_EQ(pool.proxy.sni_routes[1].target.port, 8443);

  const ResolvedForward& checked = plan.forwarding.forwards[1];
  EXPECT_EQ(checked.proxy.health_interval_ms, 300u);
  EXPECT_EQ(checked.proxy.health_timeout_ms, 50u);

  const ResolvedForward& udp = plan.forwarding.forwards[2];
  EXPECT_EQ(udp.protocol, Protocol::kUdp);
  EXPECT_EQ(udp.proxy.max_connections, 9u);
  EXPECT_EQ(udp.proxy.ignored_over_udp, std::vector<std::string>{"'sni'"});

  EXPECT_EQ(plan.forwarding.proxy_forwards(Protocol::kTcp).size(), 2u);
  EXPECT_EQ(plan.forwarding.proxy_forwards(Protocol::kUdp).size(), 1u);
  EXPECT_EQ(plan.forwarding.kernel_forwards().size(), 1u);
}

TEST(Plan, ServicesAndNetworksAreResolved) {
  Plan plan = compile(load_valid(kFile));
  ASSERT_EQ(plan.services.size(), 3u);
  EXPECT_EQ(plan.services[0].network, "cluster");
  EXPECT_EQ(plan.services[0].inbound, InboundPolicy::kDrop);
  ASSERT_NE(plan.uplink(), nullptr);
  EXPECT_EQ(plan.uplink()->name, "lan");
  EXPECT_EQ(plan.network("iot")->gateway.str(), "192.168.50.1");
  EXPECT_EQ(plan.network("nosuch"), nullptr);
}

TEST(Plan, TheSeedCompilesToWhatEachPartCompilesTo) {
  Topology t = load_valid(seed_topology_text());
  Plan plan = compile(t);
  EXPECT_EQ(plan.forwarding.forwards.size(), compile_forwarding_plan(t).forwards.size());
  EXPECT_EQ(plan.addresses.size(), build_address_plan(t).size());
  EXPECT_EQ(plan.dns.views.names.size(), build_dns_views(t).names.size());
  EXPECT_TRUE(plan.dns.enabled);
  EXPECT_EQ(plan.dns.zone, "cluster");
}

}  // namespace
}  // namespace labgate

namespace labgate {
namespace {

// The `http:` section reaches the Plan as written; without it, loopback port 9153.
TEST(PlanTest, CarriesTheHttpEndpoint) {
  Plan seed = compile(test_support::load_valid(seed_topology_text()));
  EXPECT_TRUE(seed.http.enabled);
  EXPECT_EQ(seed.http.address.str(), "127.0.0.1");
  EXPECT_EQ(seed.http.port, 9153);
  Plan moved = compile(
      test_support::load_valid(std::string(kFile) + "http: { listen: 192.168.1.55:9100 }\n"));
  EXPECT_TRUE(moved.http.enabled);
  EXPECT_EQ(moved.http.address.str(), "192.168.1.55");
  EXPECT_EQ(moved.http.port, 9100);
  Plan off = compile(test_support::load_valid(std::string(kFile) + "http: { enabled: false }\n"));
  EXPECT_FALSE(off.http.enabled);
}

}  // namespace
}  // namespace labgate
