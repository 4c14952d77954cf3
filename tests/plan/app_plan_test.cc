// The apps in the Plan: defaults filled, and each host's answer per DNS view — for the seed, the
// same answers its `dns.names` gave before the names moved into `apps`.
#include "plan/app_plan.h"

#include <string>

#include <gtest/gtest.h>

#include "plan/plan.h"
#include "support/valid_topology.h"
#include "topology/seed.h"

namespace labgate {
namespace {

std::string views_of(const AppPlan& a) {
  std::string out;
  for (const auto& v : a.views)
    out += v.network + "=" + (v.address ? v.address->str() : "refused") + " ";
  return out;
}

TEST(AppPlan, SeedAppsResolveWhereTheIngressIsReached) {
  Plan plan =
      compile(test_support::load_valid(seed_topology_text(), test_support::Allow::kNoDiagnostics));
  ASSERT_EQ(plan.apps.size(), 3u);
  const char* names[] = {"argocd", "longhorn", "navidrome"};
  for (size_t i = 0; i < 3; ++i) {
    const AppPlan& a = plan.apps[i];
    SCOPED_TRACE(a.name);
    EXPECT_EQ(a.name, names[i]);
    EXPECT_EQ(a.host, std::string(names[i]) + ".cluster");
    EXPECT_EQ(a.zone_name, names[i]);
    EXPECT_EQ(a.ingress_service, "ingress");
    ASSERT_TRUE(a.ingress_address);
    EXPECT_EQ(a.ingress_address->str(), "192.168.100.80");
    // LAN clients reach the ingress through the gateway's forwards; cluster clients directly.
    EXPECT_EQ(views_of(a), "lan=192.168.1.55 cluster=192.168.100.80 ");
    ASSERT_TRUE(a.tailscale);
    EXPECT_EQ(a.tailscale->device, names[i]);
    ASSERT_TRUE(a.tls);
    EXPECT_EQ(a.tls->issuer, "ingress");
    EXPECT_EQ(a.tls->secret, std::string(names[i]) + "-tls");
    EXPECT_EQ(a.tailscale_object(), std::string(names[i]) + "-tailscale");
  }
  // The DNS views list the apps' names in file order, as dns.names did.
  ASSERT_EQ(plan.dns.views.names.size(), 3u);
  EXPECT_EQ(plan.dns.views.names[0].fqdn, "argocd.cluster");
  EXPECT_EQ(plan.dns.views.names[2].fqdn, "navidrome.cluster");
  EXPECT_EQ(plan.dns.views.names[1].service, "ingress");
}

TEST(AppPlan, HostOutsideTheZoneHasNoViews) {
  Plan plan = compile(test_support::load_valid(R"(networks:
  lan: { interface: eth0, subnet: 10.0.0.0/24, address: 10.0.0.1 }
services:
  ingress: { address: 10.0.0.80, ports: { https: 443 } }
dns:
  zone: home.arpa
apps:
  web:
    service: { namespace: web, name: web, port: 80 }
    ingress: { host: web.example.org }
)",
                                               test_support::Allow::kNoDiagnostics));
  ASSERT_EQ(plan.apps.size(), 1u);
  EXPECT_EQ(plan.apps[0].zone_name, "");
  EXPECT_TRUE(plan.apps[0].views.empty());
  EXPECT_EQ(plan.apps[0].ingress->ingress_class, "nginx");
  EXPECT_TRUE(plan.dns.views.names.empty());
}

}  // namespace
}  // namespace labgate
