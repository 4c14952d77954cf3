// libFuzzer target: the /api/queries filters (status/queries_json.h) on arbitrary parameters, as
// an HTTP client can send them. Input: lines of KEY=VALUE. Contract under test: no crash on any
// input; a filter that parses selects at most `limit` entries, every one of which matches it.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>

#include "status/queries_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace labgate;
  std::map<std::string, std::string> params;
  std::string text(reinterpret_cast<const char*>(data), size);
  for (size_t at = 0; at <= text.size();) {
    size_t end = text.find('\n', at);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(at, end - at);
    size_t eq = line.find('=');
    params[line.substr(0, eq)] = eq == std::string::npos ? "" : line.substr(eq + 1);
    at = end + 1;
  }
  Result<status::QueryFilter> filter = status::parse_query_filter(params);
  if (!filter) return 0;
  std::vector<dns::QueryRecord> records;
  for (int i = 0; i < 8; ++i) {
    dns::QueryRecord r;
    r.time_ns = i;
    r.client = IpAddress::v4(0x0a000000u + static_cast<uint32_t>(i));
    r.name = *dns::Name::from_text(i % 2 ? "argocd.cluster" : "example.org");
    r.rcode = static_cast<uint8_t>(i % 4);
    records.push_back(r);
  }
  auto j = status::queries_json(records, *filter, {"lan"}, 8);
  if (j["queries"].size() > filter->limit) std::abort();
  for (const auto& q : j["queries"]) {
    if (filter->client &&
        !filter->client->contains(*IpAddress::parse(q["client"].get<std::string>())))
      std::abort();
    if (filter->rcode && q["rcode"] != status::rcode_name(*filter->rcode)) std::abort();
    if (q["name"].get<std::string>().find(filter->name) == std::string::npos) std::abort();
  }
  return 0;
}
