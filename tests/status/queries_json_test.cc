// /api/queries: the filters (client address or subnet, part of the name, rcode by name or number,
// limit), their errors, and the JSON of each entry.
#include <gtest/gtest.h>

#include "status/queries_json.h"

namespace labgate::status {
namespace {

dns::QueryRecord record(int64_t second, const char* client, const char* name, uint8_t rcode,
                        int view = 0) {
  dns::QueryRecord r;
  r.time_ns = (1796306709LL + second) * 1000000000LL + 123000000;
  r.client = *IpAddress::parse(client);
  r.name = *dns::Name::from_text(name);
  r.qtype = 1;
  r.view = view;
  r.rcode = rcode;
  r.how = dns::Answered::kLocal;
  r.latency_us = 1500;
  return r;
}

std::vector<dns::QueryRecord> sample() {
  return {record(0, "10.1.0.5", "argocd.cluster", 0), record(1, "10.1.0.6", "nope.cluster", 3),
          record(2, "10.0.0.9", "example.org", 0, 1), record(3, "10.1.0.5", "ArgoCD.cluster", 0),
          record(4, "10.1.0.5", "refused.example", 5, -1)};
}

std::vector<std::string> names(const nlohmann::ordered_json& j) {
  std::vector<std::string> out;
  for (const auto& q : j["queries"])
    out.push_back(q["name"].get<std::string>() + "@" + q["client"].get<std::string>());
  return out;
}

nlohmann::ordered_json run(std::map<std::string, std::string> params) {
  auto f = parse_query_filter(params);
  EXPECT_TRUE(f.ok()) << f.error();
  return queries_json(sample(), f.ok() ? *f : QueryFilter{}, {"lab", "wan"}, 1000);
}

TEST(QueriesJson, Filters) {
  struct Case {
    std::map<std::string, std::string> params;
    std::vector<std::string> expected;
  } cases[] = {
      {{},
       {"argocd.cluster@10.1.0.5", "nope.cluster@10.1.0.6", "example.org@10.0.0.9",
        "argocd.cluster@10.1.0.5", "refused.example@10.1.0.5"}},
      {{{"client", "10.1.0.5"}},
       {"argocd.cluster@10.1.0.5", "argocd.cluster@10.1.0.5", "refused.example@10.1.0.5"}},
      {{{"client", "10.1.0.0/24"}, {"rcode", "nxdomain"}}, {"nope.cluster@10.1.0.6"}},
      {{{"name", "ARGO"}}, {"argocd.cluster@10.1.0.5", "argocd.cluster@10.1.0.5"}},
      {{{"rcode", "5"}}, {"refused.example@10.1.0.5"}},
      {{{"limit", "2"}}, {"argocd.cluster@10.1.0.5", "refused.example@10.1.0.5"}},
      {{{"limit", "1"}, {"rcode", "NOERROR"}}, {"argocd.cluster@10.1.0.5"}},
      {{{"name", "cluster"}, {"client", "10.0.0.0/24"}}, {}},
  };
  for (const auto& c : cases) EXPECT_EQ(names(run(c.params)), c.expected);
}

TEST(QueriesJson, BadFiltersAreErrorsNamingTheParameter) {
  for (auto [key, value] :
       std::vector<std::pair<std::string, std::string>>{{"client", "10.1.0.300"},
                                                        {"client", "10.1.0.5/24"},
                                                        {"rcode", "BOGUS"},
                                                        {"rcode", "16"},
                                                        {"limit", "0"},
                                                        {"limit", "x"},
                                                        {"limit", "100001"},
                                                        {"nmae", "x"}}) {
    auto f = parse_query_filter({{key, value}});
    ASSERT_FALSE(f.ok()) << key << "=" << value;
    EXPECT_NE(f.error().find(key), std::string::npos) << f.error();
  }
}

TEST(QueriesJson, EntryFields) {
  auto j = run({{"limit", "3"}});
  EXPECT_EQ(j["entries"], 1000);
  ASSERT_EQ(j["queries"].size(), 3u);
  EXPECT_EQ(j["queries"][0].dump(),
            R"({"time":"2026-12-03T14:05:11.123Z","client":"10.0.0.9","name":"example.org",)"
            R"("type":"A","view":"wan","rcode":"NOERROR","answered":"local","latency_ms":1.5})");
  EXPECT_EQ(j["queries"][2]["view"], "");  // -1: no network of the file
  EXPECT_EQ(j["queries"][2]["rcode"], "REFUSED");
}

TEST(QueriesJson, Names) {
  EXPECT_EQ(rcode_name(3), "NXDOMAIN");
  EXPECT_EQ(rcode_name(9), "RCODE9");
  EXPECT_EQ(dns::type_name(28), "AAAA");
  EXPECT_EQ(dns::type_name(999), "TYPE999");
  EXPECT_EQ(iso_time(0), "1970-01-01T00:00:00.000Z");
}

}  // namespace
}  // namespace labgate::status
