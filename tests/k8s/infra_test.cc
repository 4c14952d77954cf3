// `export terraform` and `export talos` of the seed against golden files (LABGATE_UPDATE_GOLDEN=1
// rewrites them), and the roles and routes derived from the file.
#include "k8s/infra.h"

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "plan/plan.h"
#include "support/golden.h"
#include "support/valid_topology.h"
#include "topology/seed.h"

namespace labgate::k8s {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

void expect_golden(const std::string& name, const std::string& actual) {
  test_support::expect_golden("tests/k8s/golden/" + name, actual);
}

NodePlan seed_nodes() {
  return compile(
             test_support::load_valid(seed_topology_text(), test_support::Allow::kNoDiagnostics))
      .nodes;
}

TEST(ExportTerraform, SeedMatchesGolden) {
  std::string text = render_tfvars(seed_nodes());
  expect_golden("seed.auto.tfvars.json", text);
  auto json = nlohmann::json::parse(text);
  EXPECT_EQ(json["api_vip"], "192.168.100.50");
  EXPECT_EQ(json["hosts"]["talos-worker-01"]["address"], "192.168.100.70");
  EXPECT_EQ(json["hosts"]["talos-worker-01"]["prefix_length"], 24);
  EXPECT_EQ(json["hosts"]["talos-worker-01"]["gateway"], "192.168.100.1");
  EXPECT_EQ(json["hosts"]["talos-controlplane-01"]["control_plane"], true);
  EXPECT_FALSE(json["hosts"].contains("kubernetes-vip"));  // a VIP, not a machine
  EXPECT_EQ(json["pools"]["loadbalancer"]["first"], "192.168.100.80");
  EXPECT_EQ(json["pools"]["loadbalancer"]["last"], "192.168.100.85");
}

TEST(ExportTalos, SeedMatchesGolden) {
  auto all = render_talos(seed_nodes(), "", "eth0");
  ASSERT_TRUE(all);
  expect_golden("seed-talos.yaml", *all);
}

TEST(ExportTalos, ControlPlaneCarriesTheVipWorkerDoesNot) {
  NodePlan nodes = seed_nodes();
  auto cp = render_talos(nodes, "talos-controlplane-01", "ens18");
  ASSERT_TRUE(cp);
  EXPECT_THAT(*cp, HasSubstr("kind: LinkConfig\nname: ens18\naddresses:\n"
                             "  - address: 192.168.100.60/24\nroutes:\n"
                             "  - gateway: 192.168.100.1\n"));
  EXPECT_THAT(*cp, HasSubstr("kind: ResolverConfig\nnameservers:\n  - address: 192.168.100.1\n"));
  EXPECT_THAT(*cp, HasSubstr("kind: Layer2VIPConfig\nname: 192.168.100.50\nlink: ens18\n"));
  auto worker = render_talos(nodes, "talos-worker-01", "eth0");
  ASSERT_TRUE(worker);
  EXPECT_THAT(*worker, Not(HasSubstr("Layer2VIPConfig")));
  EXPECT_FALSE(render_talos(nodes, "kubernetes-vip", "eth0"));
  EXPECT_FALSE(render_talos(nodes, "nope", "eth0"));
}

TEST(ExportTalos, UplinkHostRoutesViaTheRouterAndDnsOnlyWhereServed) {
  Topology t = test_support::load_valid(R"(networks:
  lan: { interface: eth0, subnet: 10.0.0.0/24, address: 10.0.0.1, router: 10.0.0.254, uplink: true }
  lab: { interface: eth1, subnet: 10.1.0.0/16, address: 10.1.0.1 }
hosts:
  nas: { network: lan, address: 10.0.0.5 }
  node: { network: lab, address: 10.1.2.3 }
dns:
  zone: home.arpa
  listen: [lab]
)");
  NodePlan nodes = compile(t).nodes;
  auto nas = render_talos(nodes, "nas", "eth0");
  ASSERT_TRUE(nas);
  EXPECT_THAT(*nas, HasSubstr("- gateway: 10.0.0.254\n"));
  EXPECT_THAT(*nas, Not(HasSubstr("ResolverConfig")));
  auto node = render_talos(nodes, "node", "eth0");
  ASSERT_TRUE(node);
  EXPECT_THAT(*node, HasSubstr("- address: 10.1.2.3/16\n"));
  EXPECT_THAT(*node, HasSubstr("nameservers:\n  - address: 10.1.0.1\n"));
  auto json = nlohmann::json::parse(render_tfvars(nodes));
  EXPECT_TRUE(json["api_vip"].is_null());
  EXPECT_TRUE(json["hosts"]["nas"]["nameserver"].is_null());
}

}  // namespace
}  // namespace labgate::k8s
