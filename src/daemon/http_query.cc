#include "daemon/http_query.h"

#include <fmt/format.h>

namespace labgate::daemon {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// One key or value, decoded; a failure says why.
Result<std::string> decode(std::string_view text) {
  std::string out;
  out.reserve(std::min(text.size(), kMaxQueryParamBytes));
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+') {
      c = ' ';
    } else if (c == '%') {
      int hi = i + 1 < text.size() ? hex_value(text[i + 1]) : -1;
      int lo = i + 2 < text.size() ? hex_value(text[i + 2]) : -1;
      if (hi < 0 || lo < 0)
        return Result<std::string>::failure("a '%' in the query is not followed by two hex digits");
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    }
    if (c == '\0') return Result<std::string>::failure("the query decodes to a NUL byte");
    if (out.size() == kMaxQueryParamBytes)
      return Result<std::string>::failure(
          fmt::format("a query parameter is longer than {} bytes", kMaxQueryParamBytes));
    out.push_back(c);
  }
  return out;
}

}  // namespace

const std::string* QueryParams::get(std::string_view key) const {
  for (const auto& [k, v] : items)
    if (k == key) return &v;
  return nullptr;
}

RequestTarget split_target(std::string_view target) {
  target = target.substr(0, target.find('#'));
  size_t q = target.find('?');
  if (q == std::string_view::npos) return {target, {}};
  return {target.substr(0, q), target.substr(q + 1)};
}

Result<QueryParams> parse_query(std::string_view query) {
  QueryParams params;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) continue;
    if (params.items.size() == kMaxQueryParams)
      return Result<QueryParams>::failure(
          fmt::format("the query has more than {} parameters", kMaxQueryParams));
    size_t eq = pair.find('=');
    Result<std::string> key = decode(pair.substr(0, eq));
    if (!key) return key.status();
    Result<std::string> value =
        decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1));
    if (!value) return value.status();
    params.items.emplace_back(std::move(*key), std::move(*value));
  }
  return params;
}

}  // namespace labgate::daemon
