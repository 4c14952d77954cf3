// The daemon end to end on loopback: the seed's DNS as a component, its counters in the registry,
// and reloads that commit everything or nothing.
#include "daemon/daemon.h"

#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "diag/diagnostic.h"
#include "support/status.h"
#include "support/udp_query.h"
#include "topology/loader.h"
#include "topology/seed.h"

namespace labgate::daemon {
namespace {

using ::labgate::test_support::IsOk;
using test_support::first_a;
using test_support::udp_exchange;

Plan plan_of(std::string_view yaml) {
  Diagnostics d;
  Topology t = check_topology(yaml, d);
  EXPECT_FALSE(d.has_errors());
  Plan plan = compile(t);
  plan.http.port = 0;  // the endpoint on any free port: tests run side by side
  return plan;
}

DaemonOptions loopback_options() {
  DaemonOptions o;
  o.threads = 1;
  o.dns.listen = {{IpAddress::v4(0x7F000001), 0}};
  o.dns.loopback_view = "lan";
  o.version = "test";
  return o;
}

// The value of the series of `name` whose rendered labels contain `labels`, or -1.
double value_of(const MetricsRegistry& r, const std::string& name, const std::string& labels) {
  for (const auto& f : r.collect()) {
    if (f.name != name) continue;
    for (const auto& s : f.samples) {
      std::string rendered;
      for (const auto& [k, v] : s.labels) rendered += k + "=" + v + ";";
      if (rendered.find(labels) != std::string::npos) return s.value;
    }
  }
  return -1;
}

TEST(DaemonTest, ServesTheSeedAndCountsWhatItAnswers) {
  Daemon d(plan_of(seed_topology_text()), loopback_options());
  ASSERT_TRUE(IsOk(d.configure()));
  ASSERT_TRUE(IsOk(d.bind()));
  d.start();
  EXPECT_EQ(d.status().rfind("serving DNS for zone 'cluster' on udp+tcp 127.0.0.1:", 0), 0u)
      << d.status();
  ASSERT_EQ(d.dns().bound().size(), 1u);
  for (int i = 0; i < 3; ++i) {
    auto reply =
        udp_exchange(d.dns().bound()[0], dns::testing::make_query("argocd.cluster", dns::type::kA));
    EXPECT_EQ(first_a(reply), 0xC0A80137u);  // the LAN's view: the gateway's LAN address
  }
  // The loop counts after it sent; give it a moment.
  for (int i = 0;
       i < 100 && value_of(d.metrics(), "labgate_dns_responses_total", "transport=udp") < 3; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(value_of(d.metrics(), "labgate_dns_responses_total", "transport=udp"), 3);
  EXPECT_EQ(value_of(d.metrics(), "labgate_build_info", "version=test"), 1);
  d.stop();
}

// The DNS loops count every answer by view, type and rcode (dns_stats.h), read at collect().
TEST(DaemonTest, CountsAnswersByViewTypeAndRcode) {
  Daemon d(plan_of(seed_topology_text()), loopback_options());
  ASSERT_TRUE(IsOk(d.configure()));
  ASSERT_TRUE(IsOk(d.bind()));
  d.start();
  for (int i = 0; i < 3; ++i)
    udp_exchange(d.dns().bound()[0], dns::testing::make_query("argocd.cluster", dns::type::kA));
  udp_exchange(d.dns().bound()[0], dns::testing::make_query("nosuch.cluster", dns::type::kA));
  const std::string ok = "view=lan;type=A;rcode=NOERROR;";
  const std::string nx = "view=lan;type=A;rcode=NXDOMAIN;";
  for (int i = 0; i < 100 && value_of(d.metrics(), "labgate_dns_answers_total", nx) < 1; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(value_of(d.metrics(), "labgate_dns_answers_total", ok), 3);
  EXPECT_EQ(value_of(d.metrics(), "labgate_dns_answers_total", nx), 1);
  d.stop();
}

TEST(DaemonTest, AReloadThatOneComponentRefusesChangesNothing) {
  Daemon d(plan_of(seed_topology_text()), loopback_options());
  ASSERT_TRUE(IsOk(d.configure()));
  ASSERT_TRUE(IsOk(d.bind()));
  d.start();
  Result<std::vector<std::string>> log = d.reload(plan_of(seed_topology_text()));
  ASSERT_TRUE(IsOk(log));
  EXPECT_EQ(*log,
            std::vector<std::string>({"reloaded: zone 'cluster', 3 names",
                                      "reloaded the UDP proxy: 0 forwards kept as they were, "
                                      "0 changed, 0 added, 0 removed",
                                      "reloaded the proxy: 0 forwards kept as they were, 0 "
                                      "changed, 0 added, 0 removed (draining for up to 30 s)"}));
  // The loopback view names 'lan', which this file does not have: the DNS component refuses it.
  std::string renamed(seed_topology_text());
  for (size_t at; (at = renamed.find("lan:")) != std::string::npos;)
    renamed.replace(at, 4, "home:");
  for (size_t at; (at = renamed.find("lan,")) != std::string::npos;)
    renamed.replace(at, 4, "home,");
  Result<std::vector<std::string>> refused = d.reload(plan_of(renamed));
  EXPECT_FALSE(refused);
  EXPECT_EQ(refused.error(), "no network named 'lan' for the loopback view");
  // Still the first answers.
  auto reply =
      udp_exchange(d.dns().bound()[0], dns::testing::make_query("argocd.cluster", dns::type::kA));
  EXPECT_EQ(first_a(reply), 0xC0A80137u);
  EXPECT_EQ(value_of(d.metrics(), "labgate_reloads_total", "result=ok"), 1);
  EXPECT_EQ(value_of(d.metrics(), "labgate_reloads_total", "result=failed"), 1);
  d.stop();
}

}  // namespace
}  // namespace labgate::daemon
