// The keys of a `via: proxy` forward with several backends: `to:` as a list, `balance`,
// `health_check` and `accept_proxy`. Each row changes the first forward of kValidBase (lines 36-37)
// and lists every diagnostic that must follow, with its line and column.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "topology/loader.h"
#include "topology/topology_test_util.h"

namespace labgate {
namespace {

using testing::error_at;
using testing::Row;

const std::string kTo = "    to: ingress:http\n";  // line 37

// The first forward's `to` line replaced by `lines` (which start at line 37).
std::vector<testing::Edit> forward(const std::string& lines) {
  return {{kTo, lines}};
}

class ForwardBackendRows : public ::testing::TestWithParam<Row> {};

TEST_P(ForwardBackendRows, ReportsExactlyTheseDiagnostics) {
  testing::expect_row(GetParam());
}

// clang-format off
INSTANTIATE_TEST_SUITE_P(Backends, ForwardBackendRows, ::testing::Values(
    Row{"list_with_proxy", forward("    to: [ingress:http, api:api]\n    via: proxy\n"), {}},
    Row{"list_of_one_on_kernel", forward("    to: [ingress:http]\n"), {}},
    Row{"all_options", forward("    to: [ingress:http, api:api]\n    via: proxy\n"
                               "    balance: least-connections\n"
                               "    health_check: { interval: 500ms, timeout: 100ms }\n"
                               "    accept_proxy: [192.168.1.10, 192.168.1.0/24]\n"), {}},
    // invalid-value: the list itself
    Row{"list_needs_proxy", forward("    to: [ingress:http, api:api]\n"),
        {error_at(37, 9, "invalid-value")}, "add 'via: proxy'"},
    Row{"list_empty", forward("    to: []\n    via: proxy\n"),
        {error_at(37, 9, "invalid-value")}},
    Row{"list_item_without_port", forward("    to: [ingress:http, 'api']\n    via: proxy\n"),
        {error_at(37, 24, "invalid-value")}, "SERVICE:PORTNAME"},
    Row{"list_item_not_scalar", forward("    to: [ingress:http, [api:api]]\n    via: proxy\n"),
        {error_at(37, 24, "wrong-type")}},
    // references of each target, at the target
    Row{"first_target_unknown_service", forward("    to: [nope:http, api:api]\n    via: proxy\n"),
        {error_at(37, 10, "unknown-service")}},
    Row{"second_target_unknown_service", forward("    to: [ingress:http, ingres:http]\n    via: proxy\n"),
        {error_at(37, 24, "unknown-service")}, "did you mean 'ingress'?"},
    Row{"second_target_unknown_port", forward("    to: [ingress:http, api:http]\n    via: proxy\n"),
        {error_at(37, 24, "unknown-port")}},
    Row{"duplicate_backend", forward("    to: [ingress:http, api:api, ingress:http]\n    via: proxy\n"),
        {error_at(37, 33, "duplicate-backend")}},
    Row{"backend_not_tcp", {{"      api: 6443\n", "      api: 6443\n      dns: 53/udp\n"},
                            {kTo, "    to: [ingress:http, api:dns]\n    via: proxy\n"}},
        {error_at(38, 24, "backend-not-tcp")}},
    Row{"first_backend_not_tcp", {{"      api: 6443\n", "      api: 6443\n      dns: 53/udp\n"},
                                  {kTo, "    to: [api:dns, ingress:http]\n    via: proxy\n"}},
        {error_at(38, 10, "backend-not-tcp")}},
    // balance
    Row{"balance_unknown", forward(kTo + "    via: proxy\n    balance: random\n"),
        {error_at(39, 14, "invalid-value")}},
    Row{"balance_needs_proxy", forward(kTo + "    balance: round-robin\n"),
        {error_at(38, 14, "invalid-value")}, "add 'via: proxy'"},
    // health_check
    Row{"health_interval_without_unit", forward(kTo + "    via: proxy\n    health_check: { interval: 2 }\n"),
        {error_at(39, 31, "invalid-value")}, "e.g. 500ms or 2s"},
    Row{"health_interval_too_short", forward(kTo + "    via: proxy\n    health_check: { interval: 10ms }\n"),
        {error_at(39, 31, "invalid-value")}},
    Row{"health_timeout_over_interval",
        forward(kTo + "    via: proxy\n    health_check: { interval: 500ms, timeout: 1s }\n"),
        {error_at(39, 47, "invalid-value")}, "at most the interval"},
    Row{"health_unknown_key", forward(kTo + "    via: proxy\n    health_check: { intervl: 2s }\n"),
        {error_at(39, 21, "unknown-key")}, "did you mean 'interval'?"},
    Row{"health_not_a_map", forward(kTo + "    via: proxy\n    health_check: 2s\n"),
        {error_at(39, 19, "wrong-type")}},
    Row{"health_needs_proxy", forward(kTo + "    health_check: { interval: 2s }\n"),
        {error_at(38, 19, "invalid-value")}},
    // accept_proxy
    Row{"accept_proxy_bad_prefix", forward(kTo + "    via: proxy\n    accept_proxy: [192.168.1.0/33]\n"),
        {error_at(39, 20, "invalid-value")}, "192.168.1.0/24"},
    Row{"accept_proxy_bad_address", forward(kTo + "    via: proxy\n    accept_proxy: [10.0.0.1, 300.1.1.1]\n"),
        {error_at(39, 30, "invalid-value")}},
    Row{"accept_proxy_not_a_list", forward(kTo + "    via: proxy\n    accept_proxy: 192.168.1.0/24\n"),
        {error_at(39, 19, "wrong-type")}},
    Row{"accept_proxy_empty", forward(kTo + "    via: proxy\n    accept_proxy: []\n"),
        {error_at(39, 19, "invalid-value")}},
    Row{"accept_proxy_needs_proxy", forward(kTo + "    accept_proxy: [10.0.0.1]\n"),
        {error_at(38, 19, "invalid-value")}}),
    testing::row_name);
// clang-format on

TEST(ForwardBackends, LoadsEveryOption) {
  Diagnostics d;
  Topology t = check_topology(
      testing::edited(forward("    to: [ingress:http, api:api]\n    via: proxy\n"
                              "    balance: least-connections\n"
                              "    health_check: { interval: 500ms, timeout: 100ms }\n"
                              "    accept_proxy: [192.168.1.10, 192.168.1.0/24]\n")),
      d);
  ASSERT_TRUE(d.all().empty()) << testing::dump(d);
  const Forward& f = t.forwards[0];
  EXPECT_EQ(f.service, "ingress");
  EXPECT_EQ(f.service_port, "http");
  EXPECT_EQ(f.more_targets, (std::vector<ForwardTarget>{{"api", "api"}}));
  EXPECT_EQ(f.balance, Balance::kLeastConnections);
  EXPECT_EQ(f.health_interval_ms, 500u);
  EXPECT_EQ(f.health_timeout_ms, 100u);
  ASSERT_EQ(f.accept_proxy.size(), 2u);
  EXPECT_EQ(f.accept_proxy[0].str(), "192.168.1.10/32");
  EXPECT_EQ(f.accept_proxy[1].str(), "192.168.1.0/24");
}

TEST(ForwardBackends, HealthCheckDefaults) {
  Diagnostics d;
  Topology t = check_topology(
      testing::edited(forward(kTo + "    via: proxy\n    health_check: { interval: 300ms }\n")), d);
  ASSERT_TRUE(d.all().empty()) << testing::dump(d);
  EXPECT_EQ(t.forwards[0].health_interval_ms, 300u);
  EXPECT_EQ(t.forwards[0].health_timeout_ms, 300u);  // 1 s, but never more than the interval
  EXPECT_EQ(t.forwards[0].balance, Balance::kRoundRobin);
  EXPECT_TRUE(t.forwards[0].more_targets.empty());
}

}  // namespace
}  // namespace labgate
