// `plan --from`: what changes from the seed's NAT layout to the VLAN layout.
#include "plan/migration.h"

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

std::string example(const std::string& name) {
  std::ifstream in(std::string(LABGATE_SOURCE_DIR) + "/examples/" + name);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

struct Loaded {
  Topology topology;
  Plan plan;
  explicit Loaded(std::string_view text)
      : topology(test_support::load_valid(text)), plan(compile(topology)) {}
};

TEST(Migration, SeedToVlanLayoutMatchesGolden) {
  Loaded today(example("homelab.yaml"));
  Loaded future(example("homelab-vlan.yaml"));
  std::string report = migration_report({today.topology, today.plan, "homelab.yaml"},
                                        {future.topology, future.plan, "homelab-vlan.yaml"});
  test_support::expect_golden("tests/plan/golden/homelab-to-vlan.migration", report);
  // The cluster moves from vmbr1 to VLAN 30; the LAN loses the forwards, the users gain directly.
  EXPECT_THAT(report, HasSubstr("  ~ cluster: vmbr1 192.168.100.0/24 gateway 192.168.100.1 "
                                "masquerade\n      -> vmbr0.30 192.168.100.0/24 gateway "
                                "192.168.100.1 (VLAN 30 on vmbr0) masquerade\n"));
  EXPECT_THAT(report, HasSubstr("  lan loses:\n      ingress:http (was forward lan:80)\n"));
  EXPECT_THAT(report, HasSubstr("  users gains:\n      ingress:http (direct)\n"));
  EXPECT_THAT(report, HasSubstr("+++ homelab-vlan.yaml\n"));
}

TEST(Migration, ReachIsSameNetworkDirectForwardOrNothing) {
  Loaded seed(seed_topology_text());
  MigrationSide side{seed.topology, seed.plan, "seed"};
  EXPECT_EQ(reach(side, "cluster", "ingress", "https"), "same network");
  EXPECT_EQ(reach(side, "lan", "ingress", "https"), "forward lan:443");
  EXPECT_EQ(reach(side, "lan", "nope", "https"), "");
  Loaded vlan(example("homelab-vlan.yaml"));
  MigrationSide future{vlan.topology, vlan.plan, "vlan"};
  EXPECT_EQ(reach(future, "users", "files", "smb"), "direct");
  EXPECT_EQ(reach(future, "iot", "files", "smb"), "");
  EXPECT_EQ(reach(future, "lan", "ingress", "https"), "");
}

TEST(Migration, SameFileChangesNothing) {
  Loaded a(seed_topology_text());
  std::string report = migration_report({a.topology, a.plan, "a"}, {a.topology, a.plan, "a"});
  EXPECT_THAT(report, HasSubstr("networks:\n  (unchanged)\n"));
  EXPECT_THAT(report,
              HasSubstr("access (clients of a network -> service ports):\n  (unchanged)\n"));
  EXPECT_THAT(report, HasSubstr("ruleset (table inet labgate):\n  (unchanged)\n"));
}

}  // namespace
}  // namespace labgate
