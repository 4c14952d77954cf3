#include "status/queries_json.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <ctime>

#include <fmt/format.h>

namespace labgate::status {
namespace {

constexpr std::array<const char*, 6> kRcodes = {"NOERROR",  "FORMERR", "SERVFAIL",
                                                "NXDOMAIN", "NOTIMP",  "REFUSED"};

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::optional<size_t> number(const std::string& text) {
  size_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return v;
}

// "argocd.cluster" from the wire name's "argocd.cluster." ("." stays the root).
std::string name_text(const dns::Name& n) {
  std::string t = n.to_text();
  if (t.size() > 1 && t.back() == '.') t.pop_back();
  return t;
}

}  // namespace

std::string rcode_name(uint8_t rcode) {
  return rcode < kRcodes.size() ? kRcodes[rcode] : fmt::format("RCODE{}", rcode);
}

Result<QueryFilter> parse_query_filter(const std::map<std::string, std::string>& params) {
  QueryFilter f;
  for (const auto& [key, value] : params) {
    if (key == "client") {
      if (auto a = IpAddress::parse(value)) {
        f.client = IpPrefix::host(*a);
      } else if (auto p = IpPrefix::parse(value)) {
        f.client = *p;
      } else {
        return Result<QueryFilter>::failure(
            fmt::format("client: '{}' is not an address or a subnet", value),
            "e.g. client=192.168.1.20 or client=192.168.1.0/24");
      }
    } else if (key == "name") {
      f.name = lower(value);
    } else if (key == "rcode") {
      std::string upper = value;
      for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      auto it = std::find(kRcodes.begin(), kRcodes.end(), upper);
      if (it != kRcodes.end()) {
        f.rcode = static_cast<uint8_t>(it - kRcodes.begin());
      } else if (auto n = number(value); n && *n <= 15) {
        f.rcode = static_cast<uint8_t>(*n);
      } else {
        return Result<QueryFilter>::failure(
            fmt::format("rcode: '{}' is not a response code", value),
            "one of NOERROR, NXDOMAIN, SERVFAIL, REFUSED, FORMERR, NOTIMP, or 0-15");
      }
    } else if (key == "limit") {
      auto n = number(value);
      if (!n || *n < 1 || *n > kMaxQueryLimit)
        return Result<QueryFilter>::failure(
            fmt::format("limit: '{}' is not a number from 1 to {}", value, kMaxQueryLimit));
      f.limit = *n;
    } else {
      return Result<QueryFilter>::failure(fmt::format("unknown parameter '{}'", key),
                                          "the filters are client, name, rcode and limit");
    }
  }
  return f;
}

std::string iso_time(int64_t time_ns) {
  const std::time_t seconds = static_cast<std::time_t>(time_ns / 1000000000);
  const int64_t ms = (time_ns / 1000000) % 1000;
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}

nlohmann::ordered_json queries_json(const std::vector<dns::QueryRecord>& records,
                                    const QueryFilter& filter,
                                    const std::vector<std::string>& views, size_t entries) {
  std::vector<const dns::QueryRecord*> kept;
  for (auto it = records.rbegin(); it != records.rend() && kept.size() < filter.limit; ++it) {
    const dns::QueryRecord& r = *it;
    if (filter.client && !filter.client->contains(r.client)) continue;
    if (filter.rcode && r.rcode != *filter.rcode) continue;
    if (!filter.name.empty() && name_text(r.name).find(filter.name) == std::string::npos) continue;
    kept.push_back(&r);
  }
  std::reverse(kept.begin(), kept.end());
  nlohmann::ordered_json out;
  out["entries"] = entries;
  out["queries"] = nlohmann::ordered_json::array();
  for (const dns::QueryRecord* r : kept) {
    nlohmann::ordered_json q;
    q["time"] = iso_time(r->time_ns);
    q["client"] = r->client.str();
    q["name"] = name_text(r->name);
    q["type"] = dns::type_name(r->qtype);
    q["view"] = r->view >= 0 && static_cast<size_t>(r->view) < views.size() ? views[r->view] : "";
    q["rcode"] = rcode_name(r->rcode);
    q["answered"] = dns::to_string(r->how);
    q["latency_ms"] = r->latency_us / 1000.0;
    out["queries"].push_back(std::move(q));
  }
  return out;
}

}  // namespace labgate::status
