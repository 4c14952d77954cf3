#include "plan/address_plan.h"

#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "support/valid_topology.h"
#include "topology/loader.h"

namespace labgate {
namespace {

IpAddress ip(std::string_view text) {
  return *IpAddress::parse(text);
}

IpRange range(std::string_view text) {
  if (text.find('-') == std::string_view::npos) return IpRange{ip(text), ip(text)};
  return *IpRange::parse(text);
}

std::vector<std::string> strs(const std::vector<IpRange>& ranges) {
  std::vector<std::string> out;
  for (const auto& r : ranges) out.push_back(r.first == r.last ? r.first.str() : r.str());
  return out;
}

// A topology from YAML that must load and validate without errors.
Topology load(std::string_view yaml) {
  return test_support::load_valid(yaml, test_support::Allow::kNoDiagnostics);
}

struct FreeCase {
  const char* what;
  const char* subnet;
  std::vector<const char*> used;
  std::vector<std::string> free;
};

TEST(FreeRanges, Table) {
  const std::vector<FreeCase> cases = {
      {"empty /24: all but network and broadcast", "10.0.0.0/24", {}, {"10.0.0.1-10.0.0.254"}},
      {"both edges used", "10.0.0.0/24", {"10.0.0.1", "10.0.0.254"}, {"10.0.0.2-10.0.0.253"}},
      {"free at the start edge only", "10.0.0.0/24", {"10.0.0.2-10.0.0.254"}, {"10.0.0.1"}},
      {"pool at the end of the subnet",
       "10.0.0.0/24",
       {"10.0.0.1", "10.0.0.200-10.0.0.254"},
       {"10.0.0.2-10.0.0.199"}},
      {"unsorted, overlapping, adjacent",
       "10.0.0.0/24",
       {"10.0.0.15-10.0.0.30", "10.0.0.5", "10.0.0.10-10.0.0.20", "10.0.0.31"},
       {"10.0.0.1-10.0.0.4", "10.0.0.6-10.0.0.9", "10.0.0.32-10.0.0.254"}},
      {"used ranges outside or over the edges are clipped",
       "10.0.0.0/24",
       {"9.255.255.0-10.0.0.3", "10.0.0.250-10.0.1.9", "192.168.1.1"},
       {"10.0.0.4-10.0.0.249"}},
      {"/30: two assignable addresses", "10.0.0.0/30", {"10.0.0.1"}, {"10.0.0.2"}},
      {"/30 full", "10.0.0.0/30", {"10.0.0.2", "10.0.0.1"}, {}},
      {"/31: both addresses assignable (RFC 3021)", "10.0.0.0/31", {}, {"10.0.0.0-10.0.0.1"}},
      {"/31 with one used", "10.0.0.0/31", {"10.0.0.0"}, {"10.0.0.1"}},
      {"/32", "10.0.0.7/32", {}, {"10.0.0.7"}},
      {"/0 does not wrap past 255.255.255.255",
       "0.0.0.0/0",
       {"255.255.255.0-255.255.255.255"},
       {"0.0.0.1-255.255.254.255"}},
      // IPv6 (not reachable from a file yet): no broadcast, the subnet-router anycast (first)
      // address is not assignable below /127, and nothing wraps past ffff:...:ffff.
      {"IPv6 /64: all but the first",
       "2001:db8::/64",
       {},
       {"2001:db8::1-2001:db8::ffff:ffff:ffff:ffff"}},
      {"IPv6 /120 with used addresses and ranges",
       "2001:db8::/120",
       {"2001:db8::10-2001:db8::1f", "2001:db8::1", "2001:db8::ff"},
       {"2001:db8::2-2001:db8::f", "2001:db8::20-2001:db8::fe"}},
      {"IPv6 /127: both assignable (RFC 6164)", "2001:db8::/127", {"2001:db8::1"}, {"2001:db8::"}},
      {"IPv6 ::/0 does not wrap",
       "::/0",
       {"ffff::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
       {"::1-fffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff"}},
      {"IPv4 used ranges do not touch an IPv6 subnet",
       "2001:db8::/126",
       {"10.0.0.0-10.0.0.9"},
       {"2001:db8::1-2001:db8::3"}},
  };
  for (const auto& c : cases) {
    std::vector<IpRange> used;
    for (const char* u : c.used) used.push_back(range(u));
    EXPECT_EQ(strs(free_ranges(*IpPrefix::parse(c.subnet), used)), c.free) << c.what;
  }
}

// One entry as "role range name", for compact table comparisons.
std::vector<std::string> rows(const NetworkAddressPlan& plan) {
  std::vector<std::string> out;
  for (const auto& e : plan.entries) {
    std::string r = e.range.first == e.range.last ? e.range.first.str() : e.range.str();
    out.push_back(std::string(to_string(e.role)) + " " + r + (e.name.empty() ? "" : " " + e.name));
  }
  return out;
}

TEST(AddressPlan, SeedClusterNetworkMatchesTheSeedTable) {
  Diagnostics d;
  Topology t = check_topology(R"(
gateway: { name: pve }
networks:
  lan:     { interface: vmbr0, subnet: 192.168.1.0/24, address: 192.168.1.55, router: 192.168.1.1, uplink: true }
  cluster: { interface: vmbr1, subnet: 192.168.100.0/24, address: 192.168.100.1, masquerade: true }
hosts:
  talos-controlplane-01: { network: cluster, address: 192.168.100.60 }
  talos-worker-01:       { network: cluster, address: 192.168.100.70 }
  kubernetes-vip:        { network: cluster, address: 192.168.100.50, held_by: talos-controlplane-01 }
pools:
  loadbalancer: { network: cluster, range: 192.168.100.80-85 }
services:
  ingress:        { address: 192.168.100.80, ports: { http: 80, https: 443 } }
  kubernetes-api: { address: 192.168.100.50, ports: { api: 6443 } }
  sftp:           { address: 192.168.100.81, ports: { ssh: 22 } }
forwards:
  - { listen: lan:80,   to: ingress:http }
  - { listen: lan:6443, to: kubernetes-api:api }
  - { listen: lan:2222, to: sftp:ssh }
)",
                              d);
  ASSERT_FALSE(d.has_errors());
  auto plans = build_address_plan(t);
  ASSERT_EQ(plans.size(), 2u);
  EXPECT_EQ(plans[0].network, "lan");
  EXPECT_EQ(rows(plans[0]), (std::vector<std::string>{
                                "router 192.168.1.1 router",
                                "free 192.168.1.2-192.168.1.54",
                                "gateway 192.168.1.55 pve",
                                "free 192.168.1.56-192.168.1.254",
                            }));
  const NetworkAddressPlan& cluster = plans[1];
  EXPECT_EQ(cluster.network, "cluster");
  EXPECT_EQ(rows(cluster), (std::vector<std::string>{
                               "gateway 192.168.100.1 pve",
                               "free 192.168.100.2-192.168.100.49",
                               "virtual IP 192.168.100.50 kubernetes-vip",
                               "service 192.168.100.50 kubernetes-api",
                               "free 192.168.100.51-192.168.100.59",
                               "host 192.168.100.60 talos-controlplane-01",
                               "free 192.168.100.61-192.168.100.69",
                               "host 192.168.100.70 talos-worker-01",
                               "free 192.168.100.71-192.168.100.79",
                               "pool 192.168.100.80-192.168.100.85 loadbalancer",
                               "service 192.168.100.80 ingress",
                               "service 192.168.100.81 sftp",
                               "free 192.168.100.86-192.168.100.254",
                           }));
  EXPECT_EQ(cluster.entries[1].range.size(), 48u);  // "192.168.100.2-49 free (48 addresses)"
  EXPECT_EQ(cluster.entries[2].held_by, "talos-controlplane-01");
  EXPECT_EQ(cluster.entries[3].pool, "");
  EXPECT_EQ(cluster.entries[3].host, "kubernetes-vip");  // the API service answers on the VIP
  EXPECT_EQ(cluster.entries[10].host, "");
  EXPECT_EQ(cluster.entries[10].pool, "loadbalancer");
  ASSERT_EQ(cluster.entries[10].ports.size(), 2u);
  EXPECT_EQ(cluster.entries[10].ports[1].port, 443);
  // .1, .50, .60, .70 and the six pool addresses; the services add no address of their own.
  EXPECT_EQ(cluster.assignable, 254u);
  EXPECT_EQ(cluster.used, 10u);
  EXPECT_EQ(cluster.free(), 244u);
}

struct PlanCase {
  const char* what;
  const char* yaml;
  std::vector<std::string> rows;  // of the first network
  uint64_t assignable;
  uint64_t used;
};

TEST(AddressPlan, EdgesOfSmallSubnets) {
  const std::vector<PlanCase> cases = {
      {"pool up to the last assignable address: no free range after it",
       R"(
networks:
  n: { interface: eth0, subnet: 10.0.0.0/29, address: 10.0.0.1 }
pools:
  p: { network: n, range: 10.0.0.4-6 }
)",
       {"gateway 10.0.0.1 gateway", "free 10.0.0.2-10.0.0.3", "pool 10.0.0.4-10.0.0.6 p"},
       6,
       4},
      {"gateway at the top: the free range starts at the subnet's first host",
       R"(
networks:
  n: { interface: eth0, subnet: 10.0.0.0/28, address: 10.0.0.14 }
)",
       {"free 10.0.0.1-10.0.0.13", "gateway 10.0.0.14 gateway"},
       14,
       1},
      {"/30 fully used: gateway and one host",
       R"(
networks:
  n: { interface: eth0, subnet: 10.0.0.0/30, address: 10.0.0.1 }
hosts:
  peer: { network: n, address: 10.0.0.2 }
)",
       {"gateway 10.0.0.1 gateway", "host 10.0.0.2 peer"},
       2,
       2},
      {"/31 point-to-point: both addresses usable",
       R"(
networks:
  n: { interface: eth0, subnet: 10.0.0.0/31, address: 10.0.0.0 }
)",
       {"gateway 10.0.0.0 gateway", "free 10.0.0.1"},
       2,
       1},
      {"router and hosts in file order are sorted by address",
       R"(
networks:
  n: { interface: eth0, subnet: 10.0.0.0/24, address: 10.0.0.2, router: 10.0.0.1, uplink: true }
hosts:
  b: { network: n, address: 10.0.0.4 }
  a: { network: n, address: 10.0.0.3 }
)",
       {"router 10.0.0.1 router", "gateway 10.0.0.2 gateway", "host 10.0.0.3 a", "host 10.0.0.4 b",
        "free 10.0.0.5-10.0.0.254"},
       254,
       4},
  };
  for (const auto& c : cases) {
    Topology t = load(c.yaml);
    auto plans = build_address_plan(t);
    ASSERT_FALSE(plans.empty()) << c.what;
    EXPECT_EQ(rows(plans[0]), c.rows) << c.what;
    EXPECT_EQ(plans[0].assignable, c.assignable) << c.what;
    EXPECT_EQ(plans[0].used, c.used) << c.what;
  }
}

TEST(AddressPlan, EntitiesThatFailedToLoadAreSkipped) {
  Topology t;
  Network n;
  n.name = "n";
  n.interface = "eth0";
  n.subnet = *IpPrefix::parse("10.0.0.0/24");
  n.address = ip("10.0.0.1");
  t.networks.push_back(n);
  Network broken = n;
  broken.name = "broken";
  broken.ok = false;
  t.networks.push_back(broken);
  Host h{"h", "n", ip("10.0.0.9"), "", /*ok=*/false};
  t.hosts.push_back(h);
  Host outside{"outside", "n", ip("10.9.9.9"), "", true};  // unvalidated: outside its subnet
  t.hosts.push_back(outside);
  auto plans = build_address_plan(t);
  ASSERT_EQ(plans.size(), 1u);
  EXPECT_EQ(rows(plans[0]),
            (std::vector<std::string>{"gateway 10.0.0.1 gateway", "free 10.0.0.2-10.0.0.254"}));
}

}  // namespace
}  // namespace labgate
