#include "dns/export.h"
#include "plan/plan.h"

#include <gtest/gtest.h>

#include "diag/diagnostic.h"
#include "topology/loader.h"

namespace labgate::dns {
namespace {

constexpr const char* kTopology = R"(
version: 1
gateway: { name: pve }
networks:
  lan:     { interface: vmbr0, subnet: 192.168.1.0/24, address: 192.168.1.55, router: 192.168.1.1, uplink: true }
  cluster: { interface: vmbr1, subnet: 192.168.100.0/24, address: 192.168.100.1 }
services:
  ingress: { address: 192.168.100.80, ports: { http: 80 } }
  nas:     { address: 192.168.1.20, ports: { smb: 445 } }
forwards:
  - { listen: lan:80, to: ingress:http }
dns:
  zone: cluster
  ttl: 120
  names:
    argocd: ingress
    "*.apps": ingress
    nas: nas
)";

Topology topology() {
  Diagnostics d;
  Topology t = check_topology(kTopology, d);
  EXPECT_FALSE(d.has_errors());
  return t;
}

std::string body(const std::string& text) {
  return text.substr(text.find('\n') + 1);  // without the header comment
}

struct Case {
  ExportFormat format;
  const char* view;
  const char* want;
};

TEST(ExportDns, EveryFormatForEachView) {
  const Case cases[] = {
      {ExportFormat::kHosts, "",  // the uplink: the LAN
       "192.168.1.55 argocd.cluster\n"
       "# *.apps.cluster: a wildcard cannot be written here; use --format dnsmasq or zone\n"
       "192.168.1.20 nas.cluster\n"},
      {ExportFormat::kPihole, "lan",
       "192.168.1.55 argocd.cluster\n"
       "# *.apps.cluster: a wildcard cannot be written here; put "
       "'address=/apps.cluster/192.168.1.55' in /etc/dnsmasq.d/\n"
       "192.168.1.20 nas.cluster\n"},
      {ExportFormat::kDnsmasq, "cluster",
       "host-record=argocd.cluster,192.168.100.80\n"
       "# *.apps.cluster: dnsmasq also answers apps.cluster itself\n"
       "address=/apps.cluster/192.168.100.80\n"
       "# nas.cluster: no answer on 'cluster' ('nas' is on 'lan' and no forward on 'cluster' "
       "reaches it)\n"},
      {ExportFormat::kZone, "lan",
       "$ORIGIN cluster.\n$TTL 120\n"
       "@ IN SOA pve.cluster. hostmaster.cluster. 1 3600 600 86400 120\n"
       "@ IN NS pve.cluster.\n"
       "pve IN A 192.168.1.55\n"
       "argocd IN A 192.168.1.55\n"
       "*.apps IN A 192.168.1.55\n"
       "nas IN A 192.168.1.20\n"},
  };
  Topology t = topology();
  for (const auto& c : cases) {
    auto text = export_dns(compile(t).dns, c.format, c.view);
    ASSERT_TRUE(text) << text.error();
    EXPECT_EQ(body(*text), c.want) << c.view;
    EXPECT_NE(text->find("as clients on network"), std::string::npos);
  }
}

TEST(ExportDns, Errors) {
  Topology t = topology();
  auto unknown = export_dns(compile(t).dns, ExportFormat::kHosts, "nosuch");
  EXPECT_FALSE(unknown);
  EXPECT_NE(unknown.error().find("nosuch"), std::string::npos);
  t.dns.enabled = false;
  EXPECT_FALSE(export_dns(compile(t).dns, ExportFormat::kHosts, ""));
  EXPECT_FALSE(parse_export_format("bind"));
  EXPECT_EQ(parse_export_format("zone"), ExportFormat::kZone);
}

}  // namespace
}  // namespace labgate::dns
