#include "plan/dns_views.h"

#include <string>
#include <string_view>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/valid_topology.h"
#include "topology/loader.h"

namespace labgate {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

using test_support::load_valid;

// The seed, plus a metrics service that is only reachable from its own network, a NAS on the
// LAN, and a storage network that reaches the ingress through a forward of its own.
constexpr std::string_view kTopology = R"(
gateway: { name: pve }
networks:
  lan:     { interface: vmbr0, subnet: 192.168.1.0/24, address: 192.168.1.55, router: 192.168.1.1, uplink: true }
  cluster: { interface: vmbr1, subnet: 192.168.100.0/24, address: 192.168.100.1, masquerade: true }
  storage: { interface: vmbr2, subnet: 10.20.0.0/30, address: 10.20.0.1 }
services:
  ingress: { address: 192.168.100.80, ports: { http: 80, https: 443 } }
  metrics: { address: 192.168.100.90, ports: { web: 3000 } }
  nas:     { address: 192.168.1.10, ports: { smb: 445 } }
forwards:
  - { listen: lan:80, to: ingress:http }
  - { listen: lan:3001, to: nas:smb }
  - { listen: lan:443, to: ingress:https }
  - { listen: storage:8443, to: ingress:https }
dns:
  zone: cluster
  names:
    argocd: ingress
    grafana: metrics
    nas: nas
    "*.apps": ingress
  upstreams: [192.168.1.1]
)";

struct ViewCase {
  const char* name;
  const char* network;
  DnsAnswerKind kind;
  const char* answer;  // "" for no answer
  std::vector<size_t> forwards;
  const char* reason_has;
};

TEST(DnsViews, SplitHorizonTable) {
  Topology t = load_valid(kTopology);
  const std::vector<ViewCase> cases = {
      {"argocd", "cluster", DnsAnswerKind::kService, "192.168.100.80", {}, "client's network"},
      {"argocd", "lan", DnsAnswerKind::kGateway, "192.168.1.55", {0, 2}, "lan:80/tcp, lan:443/tcp"},
      {"argocd", "storage", DnsAnswerKind::kGateway, "10.20.0.1", {3}, "storage:8443/tcp"},
      // A service with no forward from the LAN: LAN clients get no answer, not an address they
      // cannot use; a forward on the LAN to another service does not count.
      {"grafana", "lan", DnsAnswerKind::kRefused, "", {}, "no forward on 'lan' reaches it"},
      {"grafana", "storage", DnsAnswerKind::kRefused, "", {}, "no forward on 'storage'"},
      {"grafana", "cluster", DnsAnswerKind::kService, "192.168.100.90", {}, "client's network"},
      // A service on the uplink network: direct there; the forward on the LAN does not help the
      // cluster, which has no forward of its own to it.
      {"nas", "lan", DnsAnswerKind::kService, "192.168.1.10", {}, "'nas' is on 'lan'"},
      {"nas", "cluster", DnsAnswerKind::kRefused, "", {}, "no forward on 'cluster'"},
      {"*.apps", "lan", DnsAnswerKind::kGateway, "192.168.1.55", {0, 2}, "lan:80/tcp"},
  };
  for (const auto& c : cases) {
    const DnsName* name = nullptr;
    for (const auto& n : t.dns.names)
      if (n.name == c.name) name = &n;
    ASSERT_NE(name, nullptr) << c.name;
    const Network* net = t.find_network(c.network);
    ASSERT_NE(net, nullptr) << c.network;
    DnsView v = resolve_view(t, *name, *net);
    std::string where = std::string(c.name) + " from " + c.network;
    EXPECT_EQ(v.kind, c.kind) << where;
    EXPECT_EQ(v.address ? v.address->str() : "", c.answer) << where;
    EXPECT_EQ(v.forwards, c.forwards) << where;
    EXPECT_THAT(v.reason, HasSubstr(c.reason_has)) << where;
  }
}

TEST(DnsViews, TableCoversEveryNameFromEveryNetwork) {
  Topology t = load_valid(kTopology);
  DnsViewTable table = build_dns_views(t);
  EXPECT_THAT(table.networks, ElementsAre("lan", "cluster", "storage"));
  ASSERT_EQ(table.names.size(), 4u);
  std::vector<std::string> cells;
  for (const auto& row : table.names) {
    ASSERT_EQ(row.views.size(), 3u);
    std::string line = row.fqdn + (row.wildcard ? " (wildcard)" : "") + " ->";
    for (const auto& v : row.views) line += " " + (v.address ? v.address->str() : "REFUSED");
    cells.push_back(line);
  }
  EXPECT_THAT(cells, ElementsAre("argocd.cluster -> 192.168.1.55 192.168.100.80 10.20.0.1",
                                 "grafana.cluster -> REFUSED 192.168.100.90 REFUSED",
                                 "nas.cluster -> 192.168.1.10 REFUSED REFUSED",
                                 "*.apps.cluster (wildcard) -> 192.168.1.55 192.168.100.80 "
                                 "10.20.0.1"));
  EXPECT_EQ(table.names[3].name, "*.apps");
  EXPECT_EQ(table.names[3].service, "ingress");
}

TEST(DnsViews, NoDnsSectionMeansNoNames) {
  Topology t = load_valid(R"(
networks:
  n: { interface: eth0, subnet: 10.0.0.0/24, address: 10.0.0.1 }
)");
  DnsViewTable table = build_dns_views(t);
  EXPECT_THAT(table.networks, ElementsAre("n"));
  EXPECT_TRUE(table.names.empty());
}

TEST(DnsViews, UnknownServiceIsRefusedNotAnError) {
  // An unvalidated model (e.g. mid-edit): never crash, never answer.
  Topology t = load_valid(kTopology);
  DnsName ghost{"ghost", "no-such-service", true};
  DnsView v = resolve_view(t, ghost, *t.find_network("lan"));
  EXPECT_EQ(v.kind, DnsAnswerKind::kRefused);
  EXPECT_FALSE(v.address);
  EXPECT_THAT(v.reason, HasSubstr("'no-such-service' is not defined"));
}

struct MatchCase {
  const char* qname;
  const char* matches;  // the name of the file that answers, or nullptr
};

TEST(MatchName, ExactWildcardAndClosestEncloser) {
  Topology t = load_valid(R"(
networks:
  n: { interface: eth0, subnet: 10.0.0.0/24, address: 10.0.0.1 }
services:
  web: { address: 10.0.0.80, ports: { http: 80 } }
dns:
  zone: home.arpa
  names:
    argocd: web
    "*.apps": web
    x.apps: web
    "*.deep.lab": web
)");
  const std::vector<MatchCase> cases = {
      {"argocd.home.arpa", "argocd"},
      {"ARGOCD.Home.Arpa.", "argocd"},  // case-insensitive, final dot optional
      {"foo.apps.home.arpa", "*.apps"},
      {"a.b.apps.home.arpa", "*.apps"},  // a wildcard covers any depth below it
      {"x.apps.home.arpa", "x.apps"},    // an exact name wins over the wildcard
      {"y.x.apps.home.arpa", nullptr},   // x.apps exists and has no wildcard child
      {"apps.home.arpa", nullptr},       // exists only as a parent: not covered by *.apps
      {"*.apps.home.arpa", "*.apps"},    // the wildcard's own name
      {"q.deep.lab.home.arpa", "*.deep.lab"},
      {"lab.home.arpa", nullptr},  // an empty non-terminal
      {"nope.home.arpa", nullptr},
      {"home.arpa", nullptr},  // the apex itself has no address record here
      {"argocd.cluster", nullptr},
      {"argocd.xhome.arpa", nullptr},  // a suffix match must end at a label boundary
      {"", nullptr},
  };
  for (const auto& c : cases) {
    std::optional<DnsName> m = match_name(t, c.qname);
    if (!c.matches)
      EXPECT_FALSE(m) << c.qname << " matched " << (m ? m->name : "");
    else
      EXPECT_TRUE(m && m->name == c.matches) << c.qname << " matched " << (m ? m->name : "none");
  }
}

TEST(MatchName, WildcardAtTheApex) {
  Topology t = load_valid(R"(
networks:
  n: { interface: eth0, subnet: 10.0.0.0/24, address: 10.0.0.1 }
services:
  web: { address: 10.0.0.80, ports: { http: 80 } }
dns:
  zone: cluster
  names:
    "*": web
    argocd: web
    x.y: web
)");
  std::optional<DnsName> m = match_name(t, "anything.cluster");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->name, "*");
  EXPECT_EQ(match_name(t, "argocd.cluster")->name, "argocd");
  EXPECT_FALSE(match_name(t, "cluster"));
  // y exists as the parent of x.y, so neither it nor names under it fall to the apex wildcard.
  EXPECT_FALSE(match_name(t, "y.cluster"));
  EXPECT_FALSE(match_name(t, "z.y.cluster"));
  EXPECT_EQ(match_name(t, "x.y.cluster")->name, "x.y");
}

}  // namespace
}  // namespace labgate
