// The request targets of the HTTP endpoint (http_component.h): "/api/queries?client=10.0.0.5&x=1"
// split into its path and its query parameters. The text comes from the network, so the parser
// is total and bounded: any input gives either the parameters or a failure, never more than
// kMaxQueryParams pairs nor a key or value longer than kMaxQueryParamBytes once decoded.
//
// Decoding follows application/x-www-form-urlencoded: '+' is a space, %XX a byte; a '%' not
// followed by two hex digits, or a decoded NUL, is a failure (a 400). A pair without '=' has an
// empty value; empty pairs ("a=1&&b=2") are skipped. Pure: no I/O.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "diag/result.h"

namespace labgate::daemon {

inline constexpr size_t kMaxQueryParams = 32;
inline constexpr size_t kMaxQueryParamBytes = 256;

struct QueryParams {
  std::vector<std::pair<std::string, std::string>> items;  // in request order

  // The first value of `key`, or nullptr.
  const std::string* get(std::string_view key) const;
};

struct RequestTarget {
  std::string_view path;   // before the first '?', e.g. "/api/queries"
  std::string_view query;  // after it, without a '#' fragment
};

RequestTarget split_target(std::string_view target);
Result<QueryParams> parse_query(std::string_view query);

}  // namespace labgate::daemon
