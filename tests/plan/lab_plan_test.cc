#include "plan/lab_plan.h"
#include "lab/upstream_resolver.h"

#include <string>

#include <gtest/gtest.h>

#include "support/valid_topology.h"
#include "topology/loader.h"
#include "topology/seed.h"

namespace labgate {
namespace {

// plan_lab with the topology's own Plan, as `lab up` calls it.
// (The tests below keep the out-parameter form, which reads well in EXPECT_TRUE.)
bool plan_lab(const Topology& t, const std::string& lab, LabPlan* plan, std::string* error) {
  Result<LabPlan> r = labgate::plan_lab(t, compile(t), lab);
  *error = r.error();
  if (r) *plan = *r;
  return r.ok();
}

using test_support::load_valid;

LabPlan seed_lab(const std::string& name = "labgate") {
  LabPlan plan;
  std::string error;
  EXPECT_TRUE(plan_lab(load_valid(seed_topology_text()), name, &plan, &error)) << error;
  return plan;
}

std::vector<std::string> addresses(const LabNode& n) {
  std::vector<std::string> out;
  for (const auto& a : n.addresses) out.push_back(a.str() + "@" + a.device);
  return out;
}

std::vector<std::string> listeners(const LabNode& n) {
  std::vector<std::string> out;
  for (const auto& l : n.listeners) out.push_back(l.spec());
  return out;
}

// The seed's lab, node by node: the contract docs/lab.md describes.
TEST(LabPlan, SeedNodes) {
  LabPlan plan = seed_lab();
  struct Row {
    const char* name;
    LabRole role;
    const char* network;
    std::vector<std::string> addresses;
    const char* default_via;  // "" for none
    std::vector<std::string> listeners;
  };
  const Row expected[] = {
      {"gateway", LabRole::kGateway, "", {}, "", {}},
      {"upstream",
       LabRole::kUpstream,
       "lan",
       {"192.168.1.1/24@eth0", "203.0.113.10/32@lo"},
       "",
       {"tcp:0.0.0.0:80=upstream", "tcp:0.0.0.0:443=upstream"}},
      // The VIP is held by the control plane node, and the API service runs there.
      {"talos-controlplane-01",
       LabRole::kHost,
       "cluster",
       {"192.168.100.60/24@eth0", "192.168.100.50/32@eth0"},
       "192.168.100.1",
       {"tcp:192.168.100.50:6443=kubernetes-api"}},
      {"talos-worker-01",
       LabRole::kHost,
       "cluster",
       {"192.168.100.70/24@eth0"},
       "192.168.100.1",
       {}},
      {"ingress",
       LabRole::kService,
       "cluster",
       {"192.168.100.80/24@eth0"},
       "192.168.100.1",
       {"tcp:192.168.100.80:80=ingress", "tcp:192.168.100.80:443=ingress"}},
      {"sftp",
       LabRole::kService,
       "cluster",
       {"192.168.100.81/24@eth0"},
       "192.168.100.1",
       {"tcp:192.168.100.81:22=sftp"}},
      // Clients take the first address nothing in the file uses (.1 is the router on the LAN).
      {"client-lan", LabRole::kClient, "lan", {"192.168.1.2/24@eth0"}, "192.168.1.55", {}},
      {"client-cluster",
       LabRole::kClient,
       "cluster",
       {"192.168.100.2/24@eth0"},
       "192.168.100.1",
       {}},
  };
  ASSERT_EQ(plan.nodes.size(), std::size(expected));
  for (size_t i = 0; i < plan.nodes.size(); ++i) {
    const LabNode& n = plan.nodes[i];
    const Row& e = expected[i];
    SCOPED_TRACE(e.name);
    EXPECT_EQ(n.name, e.name);
    EXPECT_EQ(n.netns, std::string("lg-labgate-") + e.name);
    EXPECT_EQ(n.role, e.role);
    EXPECT_EQ(n.network, e.network);
    EXPECT_EQ(addresses(n), e.addresses);
    EXPECT_EQ(n.default_via ? n.default_via->str() : "", e.default_via);
    EXPECT_EQ(listeners(n), e.listeners);
    EXPECT_EQ(n.veth, i == 0 ? "" : "veth" + std::to_string(i));
    EXPECT_LE(n.veth.size(), 15u);
  }
  ASSERT_EQ(plan.bridges.size(), 2u);
  EXPECT_EQ(plan.bridges[0].name, "vmbr0");
  EXPECT_EQ(plan.bridges[0].address.str(), "192.168.1.55/24");
  EXPECT_EQ(plan.bridges[1].name, "vmbr1");
  EXPECT_EQ(plan.bridges[1].address.str(), "192.168.100.1/24");
  ASSERT_TRUE(plan.gateway_default_via);
  EXPECT_EQ(plan.gateway_default_via->str(), "192.168.1.1");
  EXPECT_EQ(plan.internet.str(), kLabInternetAddress);
  // The seed has a dns: section: the gateway runs labgate's DNS, first on the LAN address.
  EXPECT_TRUE(plan.dns);
  EXPECT_EQ(plan.dns_address.str(), "192.168.1.55");
}

TEST(LabPlan, Lookups) {
  LabPlan plan = seed_lab();
  EXPECT_EQ(plan.node_of_service("kubernetes-api")->name, "talos-controlplane-01");
  EXPECT_EQ(plan.node_of_service("ingress")->name, "ingress");
  EXPECT_EQ(plan.node_of_service("nope"), nullptr);
  EXPECT_EQ(plan.node_with_address(*IpAddress::parse("192.168.100.50"))->name,
            "talos-controlplane-01");
  EXPECT_EQ(plan.node_with_address(*IpAddress::parse("192.168.100.1"))->name, "gateway");
  EXPECT_EQ(plan.client_of("lan")->primary().str(), "192.168.1.2");
}

// Everything is created inside the namespaces; the gateway's batch enslaves every veth.
TEST(LabPlan, Batches) {
  LabPlan plan = seed_lab("t1");
  std::string root = root_batch(plan);
  EXPECT_NE(root.find("netns add lg-t1-gateway\n"), std::string::npos);
  EXPECT_NE(root.find("link add name vmbr1 netns lg-t1-gateway type bridge\n"), std::string::npos);
  EXPECT_NE(root.find("link add name veth2 netns lg-t1-gateway type veth peer name eth0 netns "
                      "lg-t1-talos-controlplane-01\n"),
            std::string::npos);
  // Every `link add` names a namespace: nothing lands in the machine's own.
  size_t adds = 0;
  for (size_t at = root.find("link add"); at != std::string::npos;
       at = root.find("link add", at + 1)) {
    ++adds;
    size_t eol = root.find('\n', at);
    EXPECT_NE(root.substr(at, eol - at).find(" netns "), std::string::npos);
  }
  EXPECT_EQ(adds, 2u + 7u);

  std::string gw = node_batch(plan, *plan.find("gateway"));
  EXPECT_NE(gw.find("addr add 192.168.1.55/24 dev vmbr0\n"), std::string::npos);
  EXPECT_NE(gw.find("link set veth1 master vmbr0\n"), std::string::npos);
  EXPECT_NE(gw.find("link set veth4 master vmbr1\n"), std::string::npos);
  EXPECT_NE(gw.find("route add default via 192.168.1.1\n"), std::string::npos);
  EXPECT_EQ(gw.find("link set lo up\n"), 0u);

  std::string up = node_batch(plan, *plan.find("upstream"));
  EXPECT_NE(up.find("addr add 203.0.113.10/32 dev lo\n"), std::string::npos);
  // The upstream has no way back into the cluster except through masquerade.
  EXPECT_EQ(up.find("route"), std::string::npos);

  std::string vm = node_batch(plan, *plan.find("talos-controlplane-01"));
  EXPECT_EQ(vm,
            "link set lo up\n"
            "addr add 192.168.100.60/24 dev eth0\n"
            "addr add 192.168.100.50/32 dev eth0\n"
            "link set eth0 up\n"
            "route add default via 192.168.100.1\n");
}

TEST(LabPlan, LabNames) {
  EXPECT_TRUE(is_lab_name("labgate"));
  EXPECT_TRUE(is_lab_name("t12345"));
  EXPECT_FALSE(is_lab_name(""));
  EXPECT_FALSE(is_lab_name("a-b"));  // '-' would make prefixes of two labs overlap
  EXPECT_FALSE(is_lab_name("Lab"));
  EXPECT_FALSE(is_lab_name("abcdefghijklm"));
  EXPECT_EQ(lab_netns_prefix("x"), "lg-x-");
  LabPlan plan;
  std::string error;
  EXPECT_FALSE(plan_lab(load_valid(seed_topology_text()), "a-b", &plan, &error));
  EXPECT_NE(error.find("lab name"), std::string::npos);
}

TEST(LabPlan, RefusesClashingNodeNames) {
  const char* text = R"(version: 1
networks:
  lan: { interface: vmbr0, subnet: 192.168.1.0/24, address: 192.168.1.55, router: 192.168.1.1, uplink: true }
hosts:
  upstream: { network: lan, address: 192.168.1.9 }
)";
  LabPlan plan;
  std::string error;
  EXPECT_FALSE(plan_lab(load_valid(text), "t", &plan, &error));
  EXPECT_NE(error.find("'upstream'"), std::string::npos) << error;
}

TEST(LabPlan, ClientSkipsPoolsAndFailsWhenFull) {
  const char* text = R"(version: 1
networks:
  lan: { interface: vmbr0, subnet: 192.168.1.0/24, address: 192.168.1.1, uplink: true }
  tiny: { interface: vmbr1, subnet: 10.0.0.0/30, address: 10.0.0.1 }
hosts:
  only: { network: tiny, address: 10.0.0.2 }
pools:
  p: { network: lan, range: 192.168.1.2-192.168.1.9 }
)";
  LabPlan plan;
  std::string error;
  EXPECT_FALSE(plan_lab(load_valid(text), "t", &plan, &error));
  EXPECT_NE(error.find("no free address"), std::string::npos) << error;
  EXPECT_NE(error.find("'tiny'"), std::string::npos) << error;
}

TEST(LabPlan, NoRouterUplinkGetsAnUpstreamOnAFreeAddress) {
  const char* text = R"(version: 1
networks:
  lan: { interface: vmbr0, subnet: 192.168.1.0/24, address: 192.168.1.1, uplink: true }
pools:
  p: { network: lan, range: 192.168.1.2-192.168.1.9 }
)";
  LabPlan plan;
  std::string error;
  ASSERT_TRUE(plan_lab(load_valid(text), "t", &plan, &error)) << error;
  EXPECT_EQ(plan.find("upstream")->primary().str(), "192.168.1.10");
  EXPECT_EQ(plan.gateway_default_via->str(), "192.168.1.10");
  EXPECT_EQ(plan.client_of("lan")->primary().str(), "192.168.1.11");
}

// The upstream node holds the file's DNS upstreams that are the router or off every network.
TEST(LabPlan, UpstreamNodeRunsTheResolvers) {
  const char* text = R"(version: 1
networks:
  lan: { interface: vmbr0, subnet: 192.168.1.0/24, address: 192.168.1.55, router: 192.168.1.1, uplink: true }
dns:
  zone: cluster
  upstreams: [192.168.1.1, 9.9.9.9, 192.168.1.53]
)";
  LabPlan plan;
  std::string error;
  ASSERT_TRUE(plan_lab(load_valid(text), "t", &plan, &error)) << error;
  ASSERT_EQ(plan.resolvers.size(), 2u);
  EXPECT_EQ(plan.resolvers[0].str(), "192.168.1.1");
  EXPECT_EQ(plan.resolvers[1].str(), "9.9.9.9");
  const LabNode* up = plan.find("upstream");
  EXPECT_TRUE(up->has_address(*IpAddress::parse("9.9.9.9")));
  EXPECT_FALSE(up->has_address(*IpAddress::parse("192.168.1.53")));
}

TEST(LabPlan, ResolverConfigAnswersOnlyFromLocalData) {
  std::string conf =
      upstream_resolver_config({*IpAddress::parse("192.168.1.1"), *IpAddress::parse("9.9.9.9")},
                               *IpAddress::parse("203.0.113.10"));
  EXPECT_NE(conf.find("  interface: 192.168.1.1\n  interface: 9.9.9.9\n"), std::string::npos);
  EXPECT_NE(conf.find("local-zone: \".\" static"), std::string::npos);
  EXPECT_NE(conf.find("local-data: \"internet.labgate.test. 300 IN A 203.0.113.10\""),
            std::string::npos);
}

// `via: proxy` forwards make the gateway run `labgate run`, which lab up waits for on the
// first TCP one.
TEST(LabPlan, ProxyForwardsRunInTheGateway) {
  const char* text = R"(version: 1
networks:
  lan: { interface: vmbr0, subnet: 192.168.1.0/24, address: 192.168.1.55, router: 192.168.1.1, uplink: true }
  cluster: { interface: vmbr1, subnet: 192.168.100.0/24, address: 192.168.100.1 }
services:
  web: { address: 192.168.100.80, ports: { http: 80, dns: "53/udp" } }
forwards:
  - { listen: lan:5353, to: web:dns, via: proxy }
  - { listen: lan:8080, to: web:http, via: proxy }
  - { listen: lan:80, to: web:http }
)";
  LabPlan plan;
  std::string error;
  ASSERT_TRUE(plan_lab(load_valid(text), "t", &plan, &error)) << error;
  EXPECT_FALSE(plan.dns);
  EXPECT_TRUE(plan.proxy);
  ASSERT_TRUE(plan.proxy_ready);
  EXPECT_EQ(plan.proxy_ready->first.str(), "192.168.1.55");
  EXPECT_EQ(plan.proxy_ready->second, 8080);
  EXPECT_EQ(plan.gateway_services(), "proxy");
  EXPECT_EQ(seed_lab().gateway_services(), "DNS");
}

}  // namespace
}  // namespace labgate
