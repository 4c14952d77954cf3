// libFuzzer target: the HTTP endpoint's own request handling on arbitrary bytes — the request
// target split into path and query, the query parameters (daemon/http_query.h), and the routing of
// HttpComponent::respond (cpp-httplib's parser before it is Debian's and not fuzzed here).
// Contract under test: no crash on any input; the bounds hold (at most kMaxQueryParams pairs,
// keys and values at most kMaxQueryParamBytes, no NUL); parameters percent-encoded again parse to
// the same pairs; respond() answers 200 only for a known path with GET or HEAD and a good query.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "daemon/http_component.h"
#include "daemon/http_query.h"

namespace {

std::string encode(const std::string& s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.') {
      out.push_back(static_cast<char>(c));
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

const labgate::daemon::HttpComponent& component() {
  static labgate::daemon::HttpComponent* http = [] {
    auto* h = new labgate::daemon::HttpComponent(labgate::daemon::HttpOptions{});
    h->add_route("/metrics", "text/plain", [] { return std::string("m"); });
    h->add_route("/api/queries", [](const labgate::daemon::HttpRequest& r) {
      return labgate::daemon::HttpResponse{200, "application/json",
                                           std::to_string(r.params.items.size())};
    });
    return h;
  }();
  return *http;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace labgate::daemon;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  RequestTarget t = split_target(input);
  if (t.path.size() > input.size() || t.query.size() > input.size()) std::abort();
  if (t.path.find('?') != std::string_view::npos) std::abort();
  labgate::Result<QueryParams> params = parse_query(t.query);
  if (params) {
    if (params->items.size() > kMaxQueryParams) std::abort();
    std::string again;
    for (const auto& [k, v] : params->items) {
      if (k.size() > kMaxQueryParamBytes || v.size() > kMaxQueryParamBytes) std::abort();
      if (k.find('\0') != std::string::npos || v.find('\0') != std::string::npos) std::abort();
      if (!again.empty()) again += '&';
      again += encode(k) + "=" + encode(v);
    }
    labgate::Result<QueryParams> back = parse_query(again);
    if (!back || back->items != params->items) std::abort();
  }
  // The first byte picks the method; the rest is the target.
  static const char* kMethods[] = {"GET", "HEAD", "POST", "DELETE"};
  if (size == 0) return 0;
  std::string_view method = kMethods[data[0] % 4];
  HttpResponse r = component().respond(method, input.substr(1));
  RequestTarget t2 = split_target(input.substr(1));
  bool known = t2.path == "/metrics" || t2.path == "/api/queries";
  bool read = method == "GET" || method == "HEAD";
  if (r.status == 200 && !(known && read && parse_query(t2.query).ok())) std::abort();
  if (r.status != 200 && known && read && parse_query(t2.query).ok()) std::abort();
  return 0;
}
