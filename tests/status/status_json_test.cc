// /api/status from hand-built metric families: a forward's counters are found by its label, its
// backends' health by the backend label (address or service port), DNS totals per view and the
// cache; missing metrics are null, never invented.
#include <gtest/gtest.h>

#include "status/status_json.h"
#include "topology/loader.h"

namespace labgate::status {
namespace {

using daemon::MetricFamily;
using daemon::MetricType;
using daemon::Sample;

Plan plan_of(const std::string& yaml) {
  Diagnostics d;
  Topology t = check_topology(yaml, d);
  for (const auto& e : d.all()) ADD_FAILURE() << format_diagnostic("test.yaml", e);
  return compile(t);
}

const char* kFile = R"(version: 1
gateway: { name: edge }
networks:
  wan: { interface: eth0, subnet: 10.0.0.0/24, address: 10.0.0.2, router: 10.0.0.1, uplink: true }
  lab: { interface: eth1, subnet: 10.1.0.0/24, address: 10.1.0.1 }
services:
  web: { address: 10.1.0.10, ports: { http: 80 } }
  web2: { address: 10.1.0.11, ports: { http: 80 } }
forwards:
  - { listen: wan:8080, to: [web:http, web2:http], via: proxy }
  - { listen: wan:80, to: web:http }
dns:
  zone: home.arpa
  names: { www: web }
  query_log: { entries: 50 }
)";

MetricFamily family(std::string name, MetricType type, std::vector<Sample> samples) {
  MetricFamily f;
  f.name = std::move(name);
  f.type = type;
  f.samples = std::move(samples);
  return f;
}

Sample sample(daemon::Labels labels, double value) {
  Sample s;
  s.labels = std::move(labels);
  s.value = value;
  return s;
}

TEST(StatusJson, JoinsThePlanWithTheMetrics) {
  const Plan plan = plan_of(kFile);
  StatusInputs in;
  in.gateway = "edge";
  in.now = 1000.5;
  in.query_log_entries = plan.dns.query_log_entries;
  const std::string fw = "wan:8080 -> web:http";
  in.metrics = {
      family("labgate_proxy_connections_total", MetricType::kCounter,
             {sample({{"forward", fw}}, 7), sample({{"forward", "other"}}, 100)}),
      family("labgate_proxy_active_connections", MetricType::kGauge,
             {sample({{"forward", fw}}, 2)}),
      family("labgate_proxy_bytes_total", MetricType::kCounter,
             {sample({{"forward", fw}, {"direction", "to_backend"}}, 10),
              sample({{"forward", fw}, {"direction", "to_client"}}, 32)}),
      family("labgate_proxy_backend_up", MetricType::kGauge,
             {sample({{"forward", fw}, {"backend", "10.1.0.10:80"}}, 1),
              sample({{"forward", fw}, {"backend", "web2:http"}}, 0)}),
      family("labgate_proxy_backend_connections_total", MetricType::kCounter,
             {sample({{"forward", fw}, {"backend", "10.1.0.10:80"}}, 5)}),
      family("labgate_kernel_forward_packets_total", MetricType::kCounter,
             {sample({{"forward", "wan:80 -> web:http"}}, 12)}),
      family(kDnsAnswers, MetricType::kCounter,
             {sample({{"view", "lab"}, {"rcode", "NOERROR"}}, 3),
              sample({{"view", "wan"}, {"rcode", "NOERROR"}}, 4),
              sample({{"view", "wan"}, {"rcode", "NXDOMAIN"}}, 1)}),
      family(kDnsCacheLookups, MetricType::kCounter,
             {sample({{"result", "hit"}}, 6), sample({{"result", "miss"}}, 2)}),
      family(kDnsCacheEntries, MetricType::kGauge, {sample({}, 2)}),
      family(kDnsCacheCapacity, MetricType::kGauge, {sample({}, 20000)}),
  };
  in.verify = nlohmann::ordered_json{{"time", "2026-12-03T14:00:00.000Z"}, {"passed", 3}};

  const nlohmann::ordered_json j = status_json(plan, in);
  EXPECT_EQ(j["schema_version"], 1);
  EXPECT_EQ(j["gateway"], "edge");
  EXPECT_EQ(j["time"], 1000.5);
  ASSERT_EQ(j["forwards"].size(), 2u);
  const auto& proxy = j["forwards"][0];
  EXPECT_EQ(proxy["name"], fw);
  EXPECT_EQ(proxy["network"], "wan");
  EXPECT_EQ(proxy["listen"], "10.0.0.2:8080");
  EXPECT_EQ(proxy["protocol"], "tcp");
  EXPECT_EQ(proxy["datapath"], "proxy");
  EXPECT_EQ(proxy["counters"].dump(),
            R"({"proxy_active_connections":2,"proxy_bytes_total":42,"proxy_connections_total":7})");
  ASSERT_EQ(proxy["targets"].size(), 2u);
  EXPECT_EQ(proxy["targets"][0]["address"], "10.1.0.10:80");
  EXPECT_EQ(proxy["targets"][0]["health"], "up");
  EXPECT_EQ(proxy["targets"][0]["counters"].dump(), R"({"proxy_backend_connections_total":5})");
  EXPECT_EQ(proxy["targets"][1]["service"], "web2");
  EXPECT_EQ(proxy["targets"][1]["health"], "down");
  const auto& kernel = j["forwards"][1];
  EXPECT_EQ(kernel["datapath"], "kernel");
  EXPECT_EQ(kernel["counters"].dump(), R"({"kernel_forward_packets_total":12})");
  EXPECT_EQ(kernel["targets"][0]["health"], "unchecked");

  EXPECT_EQ(j["dns"]["enabled"], true);
  EXPECT_EQ(j["dns"]["queries_total"], 8);
  EXPECT_EQ(j["dns"]["by_view"].dump(), R"({"lab":3,"wan":5})");
  EXPECT_EQ(j["dns"]["by_rcode"].dump(), R"({"NOERROR":7,"NXDOMAIN":1})");
  EXPECT_EQ(j["dns"]["cache"].dump(),
            R"({"hits_total":6,"misses_total":2,"stale_total":null,"entries":2,"capacity":20000})");
  EXPECT_EQ(j["query_log"].dump(), R"({"enabled":true,"entries":50})");
  EXPECT_EQ(j["verify"]["passed"], 3);
}

TEST(StatusJson, WithoutMetricsEverythingIsNullOrEmpty) {
  const Plan plan = plan_of(kFile);
  const nlohmann::ordered_json j = status_json(plan, StatusInputs{});
  EXPECT_EQ(j["forwards"][0]["counters"].dump(), "{}");
  EXPECT_EQ(j["forwards"][0]["targets"][0]["health"], "unchecked");
  EXPECT_TRUE(j["dns"]["queries_total"].is_null());
  EXPECT_TRUE(j["dns"]["cache"]["hits_total"].is_null());
  EXPECT_EQ(j["query_log"]["enabled"], false);
  EXPECT_TRUE(j["verify"].is_null());
}

TEST(StatusJson, FallsBackToResponsesWhenQueriesAreNotExported) {
  const Plan plan = plan_of(kFile);
  StatusInputs in;
  in.metrics = {family(kDnsResponses, MetricType::kCounter,
                       {sample({{"transport", "udp"}}, 9), sample({{"transport", "tcp"}}, 1)})};
  EXPECT_EQ(status_json(plan, in)["dns"]["queries_total"], 10);
}

}  // namespace
}  // namespace labgate::status
