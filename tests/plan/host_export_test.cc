// The host side of a file with VLANs: golden Proxmox interfaces stanzas and networkd files for
// the example, and the rules they follow.
#include "plan/host_export.h"

#include <fstream>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/golden.h"
#include "support/valid_topology.h"
#include "topology/seed.h"

namespace labgate {
namespace {

using ::testing::HasSubstr;

std::string example_with_pve() {
  std::ifstream in(std::string(LABGATE_SOURCE_DIR) + "/examples/homelab-vlan.yaml");
  std::stringstream text;
  text << in.rdbuf();
  // The Proxmox host itself, on the home LAN (the seed's 192.168.1.55).
  std::string yaml = text.str();
  const std::string hosts = "hosts:\n";
  yaml.replace(yaml.find(hosts), hosts.size(),
               hosts + "  pve:                   { network: lan, address: 192.168.1.55 }\n");
  return yaml;
}

Plan plan_of(std::string_view text) {
  return compile(test_support::load_valid(text));
}

TEST(HostExport, ProxmoxInterfacesMatchGolden) {
  auto text =
      export_proxmox_interfaces(plan_of(example_with_pve()), {"pve", "eno1"}, "homelab-vlan.yaml");
  ASSERT_TRUE(text.ok()) << text.status().to_string();
  test_support::expect_golden("tests/plan/golden/homelab-vlan.interfaces", *text);
  EXPECT_THAT(*text, HasSubstr("\tbridge-vlan-aware yes\n\tbridge-vids 10 20 30 40\n"));
  EXPECT_THAT(*text, HasSubstr("iface vmbr0 inet static\n\taddress 192.168.1.55/24\n"
                               "\tgateway 192.168.1.1\n\tbridge-ports eno1\n"));
  EXPECT_THAT(*text, HasSubstr("talos-worker-01        bridge=vmbr0,tag=30 (cluster)"));
}

TEST(HostExport, HostInAVlanGetsAVlanInterface) {
  std::string yaml = example_with_pve();
  yaml.replace(yaml.find("{ network: lan, address: 192.168.1.55 }"),
               std::string("{ network: lan, address: 192.168.1.55 }").size(),
               "{ network: servers, address: 10.20.0.5 }");
  auto text = export_proxmox_interfaces(plan_of(yaml), {"pve", ""}, "x.yaml");
  ASSERT_TRUE(text.ok());
  EXPECT_THAT(*text, HasSubstr("iface vmbr0 inet manual\n\tbridge-ports none\n"));
  EXPECT_THAT(*text, HasSubstr("auto vmbr0.20\niface vmbr0.20 inet static\n"
                               "\taddress 10.20.0.5/24\n\tgateway 10.20.0.1\n"));
}

TEST(HostExport, RefusesAnUnknownHostAndAFileWithoutVlans) {
  EXPECT_FALSE(export_proxmox_interfaces(plan_of(example_with_pve()), {"nope", ""}, "x").ok());
  auto seed = export_proxmox_interfaces(plan_of(seed_topology_text()), {}, "x");
  ASSERT_FALSE(seed.ok());
  EXPECT_THAT(seed.status().to_string(), HasSubstr("no VLANs"));
}

TEST(HostExport, NetworkdMatchesGolden) {
  std::string text = export_networkd(plan_of(example_with_pve()), "homelab-vlan.yaml");
  test_support::expect_golden("tests/plan/golden/homelab-vlan.networkd", text);
  EXPECT_THAT(text, HasSubstr("### 20-vmbr0.10.netdev\n[NetDev]\nName=vmbr0.10\nKind=vlan\n\n"
                              "[VLAN]\nId=10\n"));
  EXPECT_THAT(text, HasSubstr("### 10-vmbr0.network\n[Match]\nName=vmbr0\n\n[Network]\n"
                              "Address=192.168.1.2/24\nGateway=192.168.1.1\nVLAN=vmbr0.10\n"));
}

}  // namespace
}  // namespace labgate
