// /api/queries: the query log (dns/query_log.h) filtered and as JSON, for the status page and
// `labgate log`.
//
// Contract: pure. Filters combine (all must match):
//   client  an address ("192.168.1.20": that client) or a subnet ("192.168.1.0/24")
//   name    a part of the name, case-insensitive ("argocd" matches "argocd.cluster")
//   rcode   a name (NOERROR, NXDOMAIN, SERVFAIL, REFUSED, FORMERR, NOTIMP; any case) or a number
//   limit   at most this many of the newest matches (default 100, at most 100,000)
// A bad filter value is an error naming the parameter; nothing is returned then.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "diag/result.h"
#include "dns/query_log.h"
#include "net/ip_address.h"

namespace labgate::status {

inline constexpr size_t kDefaultQueryLimit = 100;
inline constexpr size_t kMaxQueryLimit = 100000;

struct QueryFilter {
  std::optional<IpPrefix> client;  // an address is its /32
  std::string name;                // lowercased
  std::optional<uint8_t> rcode;
  size_t limit = kDefaultQueryLimit;
};

// From the request's query parameters; unknown parameters are refused too (a typo would
// otherwise silently show everything).
Result<QueryFilter> parse_query_filter(const std::map<std::string, std::string>& params);

// "NOERROR", "NXDOMAIN", ...; "RCODE<n>" for the rest.
std::string rcode_name(uint8_t rcode);

// {"entries": capacity, "queries": [{time, client, name, type, view, rcode, answered,
// latency_ms}]}, oldest first. `views` names the view indexes (the Plan's DNS networks).
nlohmann::ordered_json queries_json(const std::vector<dns::QueryRecord>& records,
                                    const QueryFilter& filter,
                                    const std::vector<std::string>& views, size_t entries);

// "2026-12-03T14:05:09.123Z"
std::string iso_time(int64_t time_ns);

}  // namespace labgate::status
