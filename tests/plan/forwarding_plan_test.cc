#include "plan/forwarding_plan.h"

#include <string>

#include <gtest/gtest.h>

#include "support/valid_topology.h"
#include "topology/loader.h"
#include "topology/seed.h"

namespace labgate {
namespace {

Topology load_valid(std::string_view text) {
  return test_support::load_valid(text, test_support::Allow::kNoDiagnostics);
}

IpAddress ip(const char* s) {
  return *IpAddress::parse(s);
}

// The seed: four kernel forwards from the LAN address into the cluster, client IPs kept.
TEST(ForwardingPlan, ResolvesEveryForwardOfTheSeed) {
  ForwardingPlan plan = compile_forwarding_plan(load_valid(seed_topology_text()));
  struct Row {
    uint16_t listen_port;
    const char* service;
    const char* service_port;
    const char* backend;
    uint16_t backend_port;
  };
  const Row expected[] = {
      {80, "ingress", "http", "192.168.100.80", 80},
      {443, "ingress", "https", "192.168.100.80", 443},
      {6443, "kubernetes-api", "api", "192.168.100.50", 6443},
      {2222, "sftp", "ssh", "192.168.100.81", 22},
  };
  ASSERT_EQ(plan.forwards.size(), std::size(expected));
  for (size_t i = 0; i < std::size(expected); ++i) {
    const ResolvedForward& f = plan.forwards[i];
    const Row& e = expected[i];
    SCOPED_TRACE(e.service_port);
    EXPECT_EQ(f.listen_network, "lan");
    EXPECT_EQ(f.listen_interface, "vmbr0");
    EXPECT_EQ(f.listen_address, ip("192.168.1.55"));
    EXPECT_EQ(f.listen_port, e.listen_port);
    EXPECT_EQ(f.protocol, Protocol::kTcp);
    EXPECT_EQ(f.service, e.service);
    EXPECT_EQ(f.service_port, e.service_port);
    EXPECT_EQ(f.backend_address, ip(e.backend));
    EXPECT_EQ(f.backend_port, e.backend_port);
    EXPECT_EQ(f.backend_network, "cluster");
    EXPECT_EQ(f.backend_interface, "vmbr1");
    EXPECT_EQ(f.backend_gateway, ip("192.168.100.1"));
    EXPECT_EQ(f.datapath, Datapath::kKernel);
    EXPECT_EQ(f.snat, SnatMode::kHairpinOnly);
  }
  EXPECT_EQ(plan.kernel_forwards().size(), 4u);
}

TEST(ForwardingPlan, SeedMasqueradesTheClusterOutOfTheLan) {
  ForwardingPlan plan = compile_forwarding_plan(load_valid(seed_topology_text()));
  ASSERT_EQ(plan.masquerade.size(), 1u);
  EXPECT_EQ(plan.masquerade[0].network, "cluster");
  EXPECT_EQ(plan.masquerade[0].source.str(), "192.168.100.0/24");
  EXPECT_EQ(plan.masquerade[0].interface, "vmbr1");
  EXPECT_EQ(plan.masquerade[0].uplink_network, "lan");
  EXPECT_EQ(plan.masquerade[0].uplink_interface, "vmbr0");

  ASSERT_EQ(plan.networks.size(), 2u);
  EXPECT_EQ(plan.networks[0].network, "lan");
  EXPECT_EQ(plan.networks[1].network, "cluster");
  EXPECT_EQ(plan.networks[1].interface, "vmbr1");
  EXPECT_EQ(plan.networks[1].inbound, InboundPolicy::kDrop);

  // Every backend is on the cluster network, so only it needs NAT reflection.
  ASSERT_EQ(plan.hairpin.size(), 1u);
  EXPECT_EQ(plan.hairpin[0].network, "cluster");
  EXPECT_EQ(plan.hairpin[0].gateway, ip("192.168.100.1"));

  ASSERT_EQ(plan.sysctls.size(), 1u);
  EXPECT_EQ(plan.sysctls[0], (Sysctl{"net.ipv4.ip_forward", "1"}));
}

constexpr const char* kMixed = R"(version: 1
networks:
  lan:   { interface: eth0, subnet: 10.0.0.0/24, address: 10.0.0.1, router: 10.0.0.254, uplink: true }
  dmz:   { interface: eth1, subnet: 10.1.0.0/24, address: 10.1.0.1, inbound: accept }
  lab:   { interface: eth2, subnet: 10.2.0.0/24, address: 10.2.0.1, masquerade: true }
services:
  web:   { address: 10.1.0.10, ports: { http: 80 } }
  dns:   { address: 10.2.0.53, ports: { dns: 53/udp } }
  proxied: { address: 10.2.0.20, ports: { https: 443 } }
forwards:
  - { listen: lan:8080, to: web:http, snat: true }
  - { listen: lan:53, to: dns:dns }
  - { listen: dmz:8443, to: proxied:https, via: proxy }
)";

TEST(ForwardingPlan, KeepsProtocolSnatModeAndDatapathPerForward) {
  ForwardingPlan plan = compile_forwarding_plan(load_valid(kMixed));
  ASSERT_EQ(plan.forwards.size(), 3u);
  EXPECT_EQ(plan.forwards[0].snat, SnatMode::kAlways);
  EXPECT_EQ(plan.forwards[0].backend_gateway, ip("10.1.0.1"));
  EXPECT_EQ(plan.forwards[0].backend_interface, "eth1");
  EXPECT_EQ(plan.forwards[1].protocol, Protocol::kUdp);
  EXPECT_EQ(plan.forwards[1].backend_port, 53);
  EXPECT_EQ(plan.forwards[2].datapath, Datapath::kProxy);
  EXPECT_EQ(plan.forwards[2].listen_address, ip("10.1.0.1"));

  // Only kernel forwards reach the kernel, and only their backends' networks need reflection:
  // lab holds a proxy backend too, but also the kernel dns backend; dmz holds web.
  auto kernel = plan.kernel_forwards();
  ASSERT_EQ(kernel.size(), 2u);
  EXPECT_EQ(kernel[0]->service, "web");
  EXPECT_EQ(kernel[1]->service, "dns");
  ASSERT_EQ(plan.hairpin.size(), 2u);
  EXPECT_EQ(plan.hairpin[0].network, "dmz");
  EXPECT_EQ(plan.hairpin[1].network, "lab");

  ASSERT_EQ(plan.masquerade.size(), 1u);
  EXPECT_EQ(plan.masquerade[0].network, "lab");
  EXPECT_EQ(plan.networks[1].inbound, InboundPolicy::kAccept);
}

TEST(ForwardingPlan, ProxyOnlyForwardsNeedNoKernelForwarding) {
  ForwardingPlan plan = compile_forwarding_plan(load_valid(R"(version: 1
networks:
  lan: { interface: eth0, subnet: 10.0.0.0/24, address: 10.0.0.1 }
  lab: { interface: eth2, subnet: 10.2.0.0/24, address: 10.2.0.1 }
services:
  web: { address: 10.2.0.20, ports: { https: 443 } }
forwards:
  - { listen: lan:443, to: web:https, via: proxy }
)"));
  EXPECT_EQ(plan.forwards.size(), 1u);
  EXPECT_TRUE(plan.kernel_forwards().empty());
  EXPECT_TRUE(plan.hairpin.empty());
  EXPECT_TRUE(plan.masquerade.empty());
  EXPECT_TRUE(plan.sysctls.empty());
}

TEST(ForwardingPlan, SkipsEntitiesThatFailedToLoad) {
  Topology t = load_valid(seed_topology_text());
  t.forwards[0].ok = false;
  t.networks[1].ok = false;  // cluster: every backend is on it
  ForwardingPlan plan = compile_forwarding_plan(t);
  EXPECT_TRUE(plan.forwards.empty());
  EXPECT_TRUE(plan.masquerade.empty());
  EXPECT_EQ(plan.networks.size(), 1u);
}

}  // namespace
}  // namespace labgate
