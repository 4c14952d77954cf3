// The validator's rules: how the values of a topology relate to each other. Each row changes one
// thing in a valid topology and lists every diagnostic that must follow, so a row also proves
// that the mistake causes no cascade of further errors.
#include "topology/validate.h"

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "topology/loader.h"
#include "topology/topology_test_util.h"

namespace labgate {
namespace {

using testing::error_at;
using testing::Expected;
using testing::Row;
using testing::warning_at;

class ValidateRows : public ::testing::TestWithParam<Row> {};

TEST_P(ValidateRows, ReportsExactlyTheseDiagnostics) {
  testing::expect_row(GetParam());
}

const char* const kLanHost =
    "    held_by: node-1\n  nas:\n    network: lan\n    address: 192.168.1.10\n";

// clang-format off
INSTANTIATE_TEST_SUITE_P(Addresses, ValidateRows, ::testing::Values(
    Row{"host_outside_subnet", {{"192.168.100.60", "192.168.101.60"}},
        {error_at(16, 14, "address-outside-subnet")}, "use an address in 192.168.100.0/24"},
    Row{"gateway_outside_subnet", {{"192.168.1.55", "192.168.2.55"}},
        {error_at(5, 14, "address-outside-subnet")}},
    Row{"router_outside_subnet", {{"    router: 192.168.1.1\n", "    router: 10.0.0.1\n"}},
        {error_at(6, 13, "address-outside-subnet")}},
    Row{"service_in_other_network_is_checked_there", {{"    address: 192.168.100.80\n", "    address: 192.168.1.255\n"}},
        {error_at(27, 14, "reserved-address")}},
    Row{"host_on_network_address", {{"192.168.100.60", "192.168.100.0"}},
        {error_at(16, 14, "reserved-address")}, "between 192.168.100.1 and 192.168.100.254"},
    Row{"host_on_broadcast_address", {{"192.168.100.60", "192.168.100.255"}},
        {error_at(16, 14, "reserved-address")}},
    Row{"gateway_on_broadcast_address", {{"192.168.100.1\n", "192.168.100.255\n"}},
        {error_at(11, 14, "reserved-address")}},
    Row{"pool_includes_broadcast", {{"192.168.100.80-85", "192.168.100.250-255"}},
        {error_at(24, 12, "reserved-address")}, "broadcast"},
    Row{"host_on_gateway_address", {{"192.168.100.60", "192.168.100.1"}},
        {error_at(16, 14, "duplicate-address")}},
    Row{"two_hosts_one_address", {{"192.168.100.60", "192.168.100.50"}},
        {error_at(19, 14, "duplicate-address")}},
    Row{"host_on_router_address", {{"    held_by: node-1\n", "    held_by: node-1\n  nas:\n    network: lan\n    address: 192.168.1.1\n"}},
        {error_at(23, 14, "duplicate-address")}},
    Row{"router_is_gateway", {{"    router: 192.168.1.1\n", "    router: 192.168.1.55\n"}},
        {error_at(6, 13, "duplicate-address")}, "next hop"},
    Row{"service_on_gateway_address", {{"    address: 192.168.100.80\n", "    address: 192.168.100.1\n"}},
        {error_at(27, 14, "duplicate-address")}},
    Row{"service_on_router_address", {{"    address: 192.168.100.80\n", "    address: 192.168.1.1\n"}},
        {error_at(27, 14, "duplicate-address")}},
    Row{"two_services_one_address", {{"    address: 192.168.100.50\n    ports:", "    address: 192.168.100.80\n    ports:"}},
        {error_at(32, 14, "duplicate-address")}, "merge their ports"},
    Row{"duplicate_interface", {{"    interface: vmbr1\n", "    interface: vmbr0\n"}},
        {error_at(9, 16, "duplicate-interface")}},
    // Interface names are written into nft and iptables text: nothing those parsers interpret
    // (issue 12: 'a"drop;#' used to end the nft string and drop the network's rules).
    Row{"interface_with_quote", {{"    interface: vmbr1\n", "    interface: 'a\"drop;#'\n"}},
        {error_at(9, 16, "invalid-value")}, "letters, digits, '.', '-' or '_'"},
    Row{"interface_half_quote", {{"    interface: vmbr1\n", "    interface: 'ab\"c'\n"}},
        {error_at(9, 16, "invalid-value")}},
    Row{"interface_nft_wildcard", {{"    interface: vmbr1\n", "    interface: vmbr*\n"}},
        {error_at(9, 16, "invalid-value")}},
    Row{"interface_iptables_wildcard", {{"    interface: vmbr1\n", "    interface: vmbr+\n"}},
        {error_at(9, 16, "invalid-value")}},
    Row{"interface_backslash", {{"    interface: vmbr1\n", "    interface: 'a\\b'\n"}},
        {error_at(9, 16, "invalid-value")}},
    Row{"interface_semicolon", {{"    interface: vmbr1\n", "    interface: a;b\n"}},
        {error_at(9, 16, "invalid-value")}},
    Row{"interface_with_dot_dash_underscore", {{"    interface: vmbr1\n", "    interface: br_1-x.100\n"}},
        {}},
    Row{"overlapping_subnets", {{"    masquerade: true\n", "    masquerade: true\n  lab:\n    interface: vmbr2\n    subnet: 192.168.1.128/25\n    address: 192.168.1.129\n"}},
        {error_at(15, 13, "overlapping-subnets")}}),
    testing::row_name);

INSTANTIATE_TEST_SUITE_P(Uplink, ValidateRows, ::testing::Values(
    Row{"several_uplinks", {{"    masquerade: true\n", "    uplink: true\n"}},
        {warning_at(8, 3, "uplink-without-router"), error_at(12, 13, "several-uplinks")}},
    Row{"masquerade_uplink", {{"    uplink: true\n", "    uplink: true\n    masquerade: true\n"}},
        {error_at(8, 17, "masquerade-uplink")}},
    Row{"masquerade_without_uplink", {{"    uplink: true\n", "    uplink: false\n"}},
        {warning_at(6, 13, "router-off-uplink"), error_at(12, 17, "masquerade-without-uplink")},
        "only the uplink's router is used"},
    Row{"uplink_without_router", {{"    router: 192.168.1.1\n", ""}},
        {warning_at(2, 3, "uplink-without-router")}},
    Row{"router_off_uplink", {{"    masquerade: true\n", "    masquerade: true\n    router: 192.168.100.254\n"}},
        {warning_at(13, 13, "router-off-uplink")}}),
    testing::row_name);

INSTANTIATE_TEST_SUITE_P(References, ValidateRows, ::testing::Values(
    Row{"host_unknown_network", {{"    network: cluster\n    address: 192.168.100.60", "    network: clustr\n    address: 192.168.100.60"}},
        {error_at(15, 14, "unknown-network")}, "did you mean 'cluster'?"},
    Row{"pool_unknown_network", {{"    network: cluster\n    range:", "    network: cluser\n    range:"}},
        {error_at(23, 14, "unknown-network")}, "did you mean 'cluster'?"},
    Row{"forward_unknown_network", {{"  - listen: lan:80\n", "  - listen: wan:80\n"}},
        {error_at(36, 13, "unknown-network")}, "did you mean 'lan'?"},
    Row{"forward_unknown_network_no_suggestion", {{"  - listen: lan:80\n", "  - listen: elsewhere:80\n"}},
        {error_at(36, 13, "unknown-network")}, "define it under 'networks'"},
    Row{"dns_listen_unknown_network", {{"  zone: cluster\n", "  zone: cluster\n  listen: [lan, clutser]\n"}},
        {error_at(42, 17, "unknown-network")}, "did you mean 'cluster'?"},
    Row{"dns_recursion_unknown_network", {{"  zone: cluster\n", "  zone: cluster\n  recursion:\n    - lam\n"}},
        {error_at(43, 7, "unknown-network")}, "did you mean 'lan'?"},
    Row{"held_by_unknown_host", {{"    held_by: node-1\n", "    held_by: node-2\n"}},
        {error_at(20, 14, "unknown-host")}, "did you mean 'node-1'?"},
    Row{"held_by_itself", {{"    held_by: node-1\n", "    held_by: vip\n"}},
        {error_at(20, 14, "invalid-reference")}},
    Row{"held_by_host_on_other_network", {{"    held_by: node-1\n", kLanHost}, {"    held_by: node-1\n", "    held_by: nas\n"}},
        {error_at(20, 14, "invalid-reference")}, "same network"},
    Row{"forward_unknown_service", {{"    to: ingress:http\n", "    to: ingres:http\n"}},
        {error_at(37, 9, "unknown-service")}, "did you mean 'ingress'?"},
    Row{"dns_name_unknown_service", {{"    argocd: ingress\n", "    argocd: ingest\n"}},
        {error_at(43, 13, "unknown-service")}, "did you mean 'ingress'?"},
    Row{"forward_unknown_port", {{"    to: api:api\n", "    to: api:apii\n"}},
        {error_at(39, 9, "unknown-port")}, "did you mean 'api'?"},
    Row{"forward_unknown_port_lists_ports", {{"    to: api:api\n", "    to: ingress:smtp\n"}},
        {warning_at(31, 3, "unused-service"), error_at(39, 9, "unknown-port")}, "its ports are: http, https"}),
    testing::row_name);

INSTANTIATE_TEST_SUITE_P(ServicesAndPools, ValidateRows, ::testing::Values(
    Row{"service_unreachable", {{"    address: 192.168.100.50\n    ports:", "    address: 10.0.0.50\n    ports:"}},
        {error_at(32, 14, "service-unreachable")}},
    Row{"duplicate_port", {{"      api: 6443\n", "      api: 6443\n      api2: 6443\n"}},
        {error_at(35, 13, "duplicate-port")}},
    Row{"same_port_other_protocol_is_fine", {{"      api: 6443\n", "      api: 6443\n      quic: 6443/udp\n"}},
        {}},
    Row{"pool_outside_subnet", {{"192.168.100.80-85", "192.168.101.80-85"}},
        {error_at(24, 12, "pool-outside-subnet"),
         // The services at .80 are no longer in any pool, which is fine; nothing else changes.
        }},
    Row{"pool_half_outside_subnet", {{"192.168.100.80-85", "192.168.100.250-192.168.101.5"}},
        {error_at(24, 12, "pool-outside-subnet")}},
    Row{"overlapping_pools", {{"    range: 192.168.100.80-85\n", "    range: 192.168.100.80-85\n  lb2:\n    network: cluster\n    range: 192.168.100.84-90\n"}},
        {error_at(27, 12, "overlapping-pools")}},
    Row{"pool_contains_host", {{"192.168.100.80-85", "192.168.100.55-85"}},
        {error_at(24, 12, "pool-contains-static")}, "shrink the pool"},
    Row{"pool_contains_gateway", {{"192.168.100.80-85", "192.168.100.1-20"}},
        {error_at(24, 12, "pool-contains-static")}},
    // The seed's design: a service may sit on a host's address and inside a pool.
    Row{"service_on_host_and_in_pool_is_fine", {}, {}}),
    testing::row_name);

INSTANTIATE_TEST_SUITE_P(ForwardsAndDns, ValidateRows, ::testing::Values(
    Row{"duplicate_forward", {{"    to: api:api\n", "    to: api:api\n  - listen: lan:80\n    to: ingress:https\n"}},
        {error_at(40, 13, "duplicate-forward")}, "one service only"},
    // Several targets (more in forward_backends_test.cc).
    Row{"duplicate_backend", {{"    to: ingress:http\n", "    to: [ingress:http, ingress:http]\n    via: proxy\n"}},
        {error_at(37, 24, "duplicate-backend")}, "name each backend once"},
    Row{"backend_not_tcp", {{"      api: 6443\n", "      api: 6443\n      dns: 53/udp\n"},
                            {"    to: ingress:http\n", "    to: [ingress:http, api:dns]\n    via: proxy\n"}},
        {error_at(38, 24, "backend-not-tcp")}},
    Row{"same_listen_port_other_network_is_fine", {{"    to: api:api\n", "    to: api:api\n  - listen: cluster:80\n    to: ingress:http\n"}},
        {}},
    Row{"forwarding_loop", {{"    - 192.168.1.1\n", "    - 192.168.1.55\n"}},
        {error_at(45, 7, "forwarding-loop")}},
    Row{"forwarding_loop_other_network", {{"    - 192.168.1.1\n", "    - 192.168.100.1\n"}},
        {error_at(45, 7, "forwarding-loop")}},
    Row{"upstream_unreachable", {{"    router: 192.168.1.1\n", ""}, {"    - 192.168.1.1\n", "    - 9.9.9.9\n"}},
        {warning_at(2, 3, "uplink-without-router"), error_at(44, 7, "upstream-unreachable")}},
    Row{"upstream_beyond_router_is_fine", {{"    - 192.168.1.1\n", "    - 9.9.9.9\n"}}, {}},
    Row{"unused_service", {{"      api: 6443\n", "      api: 6443\n  extra:\n    address: 192.168.100.90\n    ports:\n      http: 80\n"}},
        {warning_at(35, 3, "unused-service")}, "add a forward or a name"}),
    testing::row_name);
// clang-format on

TEST(Validate, NoNetworksIsOneError) {
  for (const char* text : {"networks: {}\n", "networks:\n", "version: 1\nnetworks:\n"}) {
    Diagnostics diagnostics;
    check_topology(text, diagnostics);
    ASSERT_EQ(diagnostics.all().size(), 1u) << text << testing::dump(diagnostics);
    EXPECT_EQ(diagnostics.all()[0].code, "no-networks");
    EXPECT_EQ(diagnostics.all()[0].severity, Severity::kError);
  }
}

TEST(Validate, NoNetworksOnAHandBuiltTopology) {
  Topology t;
  Diagnostics diagnostics;
  validate(t, diagnostics);
  ASSERT_EQ(diagnostics.all().size(), 1u);
  EXPECT_EQ(diagnostics.all()[0].code, "no-networks");
}

std::string read_source(const std::string& relative) {
  std::ifstream in(std::string(LABGATE_SOURCE_DIR) + "/" + relative);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(Validate, SeedHasNoErrorsAndNoWarnings) {
  std::string text = read_source("examples/homelab.yaml");
  ASSERT_FALSE(text.empty());
  Diagnostics diagnostics;
  Topology t = check_topology(text, diagnostics);
  EXPECT_TRUE(diagnostics.all().empty()) << testing::dump(diagnostics);
  // The seed's whole network is in the model.
  EXPECT_EQ(t.networks.size(), 2u);
  EXPECT_EQ(t.hosts.size(), 3u);
  EXPECT_EQ(t.pools.size(), 1u);
  EXPECT_EQ(t.services.size(), 3u);
  EXPECT_EQ(t.forwards.size(), 4u);
  EXPECT_EQ(t.apps.size(), 3u);
  EXPECT_EQ(t.zone_names().size(), 3u);  // the apps' hosts
  // The kubernetes-api service shares the VIP host's address: allowed by design.
  EXPECT_EQ(t.find_service("kubernetes-api")->address, t.find_host("kubernetes-vip")->address);
}

TEST(Validate, EveryExampleIsClean) {
  // Every file under examples/ is something users copy: it must check without warnings.
  int examples = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(LABGATE_SOURCE_DIR) + "/examples")) {
    if (entry.path().extension() != ".yaml") continue;
    ++examples;
    std::string relative = "examples/" + entry.path().filename().string();
    Diagnostics diagnostics;
    check_topology(read_source(relative), diagnostics);
    EXPECT_TRUE(diagnostics.all().empty()) << relative << "\n" << testing::dump(diagnostics);
  }
  EXPECT_GE(examples, 1);
}

// Every code that the loader or the validator can emit is asserted, at an exact position, by a
// row of these tests: a new rule without a test fails here.
TEST(Validate, EveryDiagnosticCodeHasATest) {
  std::set<std::string> codes = {"syntax"};
  const std::regex code(R"re("([a-z]+(-[a-z]+)+)")re");
  for (const char* source :
       {"src/topology/loader.cc", "src/topology/yaml_tree.cc", "src/topology/load_context.cc",
        "src/topology/load_document.cc", "src/topology/load_networks.cc",
        "src/topology/load_hosts.cc", "src/topology/load_pools.cc", "src/topology/load_services.cc",
        "src/topology/load_forwards.cc", "src/topology/load_dns.cc", "src/topology/load_context.h",
        "src/topology/validate.cc"}) {
    std::string text = read_source(source);
    ASSERT_FALSE(text.empty()) << source;
    for (std::sregex_iterator it(text.begin(), text.end(), code), end; it != end; ++it)
      codes.insert((*it)[1]);
  }
  std::string tests =
      read_source("tests/topology/loader_test.cc") + read_source("tests/topology/validate_test.cc");
  ASSERT_GE(codes.size(), 30u);
  for (const auto& c : codes)
    EXPECT_NE(tests.find("\"" + c + "\")"), std::string::npos) << "no test asserts " << c;
}

TEST(Validate, ManyIndependentErrorsAreAllReportedInOneRun) {
  std::string text = testing::edited({
      {"    interface: vmbr1\n", "    interface: vmbr0\n"},         // duplicate-interface
      {"192.168.100.60", "192.168.101.60"},                         // address-outside-subnet
      {"    held_by: node-1\n", "    held_by: node-9\n"},           // unknown-host
      {"192.168.100.80-85", "192.168.100.80-300"},                  // invalid-value
      {"      https: 443\n", "      https: 443\n      web: 80\n"},  // duplicate-port
      {"    to: api:api\n", "    to: api:apx\n"},                   // unknown-port
      {"  - listen: lan:80\n", "  - listen: lna:80\n"},             // unknown-network
      {"    argocd: ingress\n", "    argocd: ingress\n    bad_name: api\n"},  // invalid-name
      {"    - 192.168.1.1\n", "    - 192.168.1.55\n"},                        // forwarding-loop
      {"    uplink: true\n", "    uplink: true\n    colour: blue\n"},         // unknown-key
  });
  Diagnostics diagnostics;
  check_topology(text, diagnostics);
  EXPECT_EQ(testing::summarize(diagnostics), (std::vector<Expected>{
                                                 error_at(8, 5, "unknown-key"),
                                                 error_at(10, 16, "duplicate-interface"),
                                                 error_at(17, 14, "address-outside-subnet"),
                                                 error_at(21, 14, "unknown-host"),
                                                 error_at(25, 12, "invalid-value"),
                                                 error_at(32, 12, "duplicate-port"),
                                                 error_at(38, 13, "unknown-network"),
                                                 error_at(41, 9, "unknown-port"),
                                                 error_at(46, 5, "invalid-name"),
                                                 error_at(48, 7, "forwarding-loop"),
                                             }))
      << testing::dump(diagnostics);
}

// One typo in a reference is one diagnostic: no follow-up errors about what the reference would
// have made valid, and no warning about the entity it was meant to name.
TEST(Validate, OneTypoIsOneError) {
  struct Case {
    std::vector<testing::Edit> edits;
    Expected expected;
  };
  const Case kCases[] = {
      {{{"    network: cluster\n    address: 192.168.100.60",
         "    network: clustre\n    address: 192.168.100.60"}},
       error_at(15, 14, "unknown-network")},
      {{{"  - listen: lan:6443\n", "  - listen: lam:6443\n"}}, error_at(38, 13, "unknown-network")},
      // api is used only by this forward: the typo must not also make it "unused".
      {{{"    to: api:api\n", "    to: apu:api\n"}}, error_at(39, 9, "unknown-service")},
      {{{"    argocd: ingress\n", "    argocd: ingres\n"},
        {"    to: ingress:http\n", "    to: api:api\n"},
        {"  - listen: lan:80\n", "  - listen: lan:81\n"}},
       error_at(43, 13, "unknown-service")},
      // A network that fails to load is one error, not one per host, pool and service on it.
      {{{"    interface: vmbr1\n", "    interface: vmbr/1\n"}}, error_at(9, 16, "invalid-value")},
      {{{"    subnet: 192.168.100.0/24\n", "    subnet: 192.168.100.0/244\n"}},
       error_at(10, 13, "invalid-value")},
      {{{"    address: 192.168.1.55\n", "    address: 192.168.1.555\n"}},
       error_at(5, 14, "invalid-value")},
      {{{"    network: cluster\n    address: 192.168.100.50",
         "    network: cluster\n    address: 192.168.100.5O"}},
       error_at(19, 14, "invalid-value")},
  };
  for (const auto& c : kCases) {
    std::string text = testing::edited(c.edits);
    Diagnostics diagnostics;
    check_topology(text, diagnostics);
    EXPECT_EQ(testing::summarize(diagnostics), std::vector<Expected>{c.expected})
        << testing::dump(diagnostics);
  }
}

}  // namespace
}  // namespace labgate
