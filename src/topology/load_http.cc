// The `http` section: { enabled, listen } (docs/config.md, "http"). Without it, `labgate run`
// serves its read-only endpoint on 127.0.0.1:9153; any other address only when `listen` says so.
#include <array>

#include <fmt/format.h>

#include "topology/load_context.h"

namespace labgate {
namespace {

// ADDRESS:PORT, e.g. 127.0.0.1:9153 or 192.168.1.1:9153.
bool read_listen(LoadContext& cx, YamlNode v, const std::string& path, Http& http) {
  auto text = cx.scalar(v, path, "'http.listen'");
  if (!text) return false;
  const char* hint = "write ADDRESS:PORT, e.g. 127.0.0.1:9153";
  size_t colon = text->rfind(':');
  if (colon == std::string::npos) {
    cx.bad_value(path, fmt::format("'{}' has no port", shown(*text)), hint);
    return false;
  }
  std::string address_text = text->substr(0, colon);
  if (cx.refuse_ipv6(address_text, path)) return false;
  std::string error;
  auto address = IpAddress::parse(address_text, &error);
  if (!address) {
    cx.bad_value(path, fmt::format("'{}': {}", shown(*text), error), hint);
    return false;
  }
  auto port = cx.port_text(text->substr(colon + 1), path);
  if (!port) return false;
  http.address = *address;
  http.port = *port;
  return true;
}

constexpr std::array<KeyRule<Http>, 2> kHttpKeys = {{
    {"enabled", false, read_boolean<&Http::enabled>},
    {"listen", false, read_listen},
}};

}  // namespace

void load_http(LoadContext& cx, YamlNode n) {
  if (n.is_null()) return;  // `http:` alone: the defaults
  cx.read_object<Http>(n, "http", "'http'", kHttpKeys, cx.topology().http);
}

}  // namespace labgate
