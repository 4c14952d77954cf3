// The `forwards` section: a list of { listen, to, via, snat, and the userspace proxy's options }
// (docs/config.md, "forwards"; docs/proxy.md for the options).
//
// The key table says which keys apply to which kind of forward: the proxy's options are refused
// on a kernel forward ("needs 'via: proxy'"). `via` is read first, because what the other keys
// may be depends on it (a list of targets needs the proxy too).
#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "net/names.h"
#include "topology/load_context.h"

namespace labgate {
namespace {

constexpr size_t kMaxTargets = 64;

// Both ends are NAME:SUFFIX; the listen suffix is a port number, the target's a port name.
std::optional<std::pair<std::string, std::string>> split_at(LoadContext& cx, YamlNode value,
                                                            const std::string& path,
                                                            std::string_view key,
                                                            std::string_view shape) {
  auto text = cx.scalar(value, path, Noun("", key));
  if (!text) return std::nullopt;
  size_t colon = text->find(':');
  if (colon == std::string::npos || !is_object_name(text->substr(0, colon))) {
    cx.bad_value(path, fmt::format("'{}' is not {}", shown(*text), shape),
                 fmt::format("write {}", shape));
    return std::nullopt;
  }
  return std::pair{text->substr(0, colon), text->substr(colon + 1)};
}

// A target SERVICE:PORTNAME at `path`, or nullopt after reporting why not.
std::optional<ForwardTarget> target(LoadContext& cx, YamlNode value, const std::string& path) {
  auto parts = split_at(cx, value, path, "to", "SERVICE:PORTNAME, e.g. ingress:https");
  if (parts && is_object_name(parts->second)) return ForwardTarget{parts->first, parts->second};
  if (parts)
    cx.bad_value(path, fmt::format("'{}' is not a valid port name", parts->second),
                 "name a port of the service, e.g. ingress:https");
  return std::nullopt;
}

bool read_via(LoadContext& cx, YamlNode v, const std::string& path, Forward& f) {
  static constexpr std::array<std::string_view, 2> kChoices = {"kernel", "proxy"};
  auto text = cx.choice(v, path, "via", kChoices);
  if (text) f.via = *text == "proxy" ? Datapath::kProxy : Datapath::kKernel;
  return text.has_value();
}

bool read_listen(LoadContext& cx, YamlNode v, const std::string& path, Forward& f) {
  auto parts = split_at(cx, v, path, "listen", "NETWORK:PORT, e.g. lan:443");
  if (!parts) return false;
  auto port = cx.port_text(parts->second, path);
  if (!port) return false;
  f.listen_network = parts->first;
  f.listen_port = *port;
  return true;
}

// `to:` is one target, or a list of them: several backends, balanced by the proxy (the kernel
// path keeps one).
bool read_to(LoadContext& cx, YamlNode v, const std::string& path, Forward& f) {
  if (!v.is_list()) {
    auto t = target(cx, v, path);
    if (!t) return false;
    f.service = t->service;
    f.service_port = t->service_port;
    return true;
  }
  if (f.via != Datapath::kProxy && v.size() > 1) {
    cx.bad_value(path, "several targets need 'via: proxy'",
                 "add 'via: proxy' to the forward, or name one target");
    return false;
  }
  if (v.size() == 0 || v.size() > kMaxTargets) {
    cx.bad_value(path, fmt::format("'to' must list 1 to {} targets, not {}", kMaxTargets, v.size()),
                 "write e.g. 'to: [ingress:https, ingress-2:https]'");
    return false;
  }
  // Errors about the first target point at it, not at the list.
  cx.where().set_value(path, v.item(0).pos());
  bool ok = true;
  for (size_t k = 0; k < v.size(); ++k) {
    std::string tpath = fmt::format("{}.{}", path, k);
    cx.where().set_value(tpath, v.item(k).pos());
    auto t = target(cx, v.item(k), tpath);
    if (!t) {
      ok = false;
    } else if (k == 0) {
      f.service = t->service;
      f.service_port = t->service_port;
    } else {
      f.more_targets.push_back(*t);
    }
  }
  return ok;
}

bool read_proxy_protocol(LoadContext& cx, YamlNode v, const std::string& path, Forward& f) {
  static constexpr std::array<std::string_view, 2> kChoices = {"v1", "v2"};
  auto text = cx.choice(v, path, "proxy_protocol", kChoices);
  if (text) f.proxy_protocol = (*text)[1] - '0';
  return text.has_value();
}

bool read_max_connections(LoadContext& cx, YamlNode v, const std::string& path, Forward& f) {
  auto n = cx.integer(v, path, 1, 1000000, "'max_connections'");
  f.max_connections = n.value_or(0);
  return n.has_value();
}

bool read_balance(LoadContext& cx, YamlNode v, const std::string& path, Forward& f) {
  // Compared with to_string(): the names of values are not written out twice.
  static const std::array<std::string_view, 2> kChoices = {to_string(Balance::kRoundRobin),
                                                           to_string(Balance::kLeastConnections)};
  auto text = cx.choice(v, path, "balance", kChoices);
  if (text) f.balance = *text == kChoices[1] ? Balance::kLeastConnections : Balance::kRoundRobin;
  return text.has_value();
}

// { interval, timeout }: every `interval` (default 2s), within `timeout` (default the smaller of
// 1s and the interval), never longer than the interval.
bool read_health_check(LoadContext& cx, YamlNode h, const std::string& path, Forward& f) {
  static constexpr std::array<std::string_view, 2> kKeys = {"interval", "timeout"};
  FoundKeys found = cx.closed_map(h, path, "'health_check'", kKeys, {});
  if (!found.keys_ok) return false;
  bool ok = true;
  f.health_interval_ms = 2000;
  if (found.has(0)) {
    auto v = cx.duration_ms(*found.values[0], path + ".interval", 100, 3600000, "'interval'");
    f.health_interval_ms = v.value_or(2000);
    ok &= v.has_value();
  }
  f.health_timeout_ms = std::min<uint32_t>(1000, f.health_interval_ms);
  if (found.has(1)) {
    auto v = cx.duration_ms(*found.values[1], path + ".timeout", 10, 60000, "'timeout'");
    if (v && *v > f.health_interval_ms) {
      cx.bad_value(path + ".timeout",
                   fmt::format("the health check 'timeout' ({}ms) is longer than its 'interval' "
                               "({}ms)",
                               *v, f.health_interval_ms),
                   "make the timeout at most the interval");
      v.reset();
    }
    f.health_timeout_ms = v.value_or(f.health_timeout_ms);
    ok &= v.has_value();
  }
  return ok;
}

bool read_accept_proxy(LoadContext& cx, YamlNode list, const std::string& path, Forward& f) {
  if (!list.is_list()) {
    cx.wrong_type(path,
                  fmt::format("'accept_proxy' must be a list of addresses or prefixes, not {}",
                              kind_name(list)),
                  "write e.g. 'accept_proxy: [192.168.1.0/24]'");
    return false;
  }
  bool ok = true;
  if (list.size() == 0) {
    cx.bad_value(
        path, "'accept_proxy' lists no trusted source",
        "name the proxies that send PROXY headers, e.g. [192.168.1.10], or remove the key");
    ok = false;
  }
  for (size_t k = 0; k < list.size(); ++k) {
    std::string item = fmt::format("{}.{}", path, k);
    cx.where().set_value(item, list.item(k).pos());
    auto p = cx.address_or_prefix(list.item(k), item, "a trusted source");
    if (p)
      f.accept_proxy.push_back(*p);
    else
      ok = false;
  }
  return ok;
}

// A row of the forwards' key table: KeyRule plus the kind of forward the key applies to.
struct ForwardKey {
  KeyRule<Forward> rule;
  bool proxy_only = false;
};

constexpr std::array<ForwardKey, 10> kForwardKeys = {{
    {{"via", false, read_via}},  // first: the keys below depend on it
    {{"listen", true, read_listen}},
    {{"to", true, read_to}},
    {{"snat", false, read_boolean<&Forward::snat>}},
    {{"proxy_protocol", false, read_proxy_protocol}, true},
    {{"max_connections", false, read_max_connections}, true},
    {{"sni", false, read_boolean<&Forward::sni>}, true},
    {{"balance", false, read_balance}, true},
    {{"health_check", false, read_health_check}, true},
    {{"accept_proxy", false, read_accept_proxy}, true},
}};

// The keys as the unknown-key hint lists them: in the order of docs/config.md.
constexpr std::array<std::string_view, 10> kKeyOrder = {
    "listen",          "to",  "via",     "snat",         "proxy_protocol",
    "max_connections", "sni", "balance", "health_check", "accept_proxy"};

Forward read_forward(LoadContext& cx, YamlNode n, const std::string& path, size_t i) {
  static constexpr std::array<std::string_view, 2> kRequired = {"listen", "to"};
  Forward f;
  FoundKeys found = cx.closed_map(n, path, Noun("forward #", i + 1), kKeyOrder, kRequired);
  f.ok = found.keys_ok;
  if (!n.is_map()) return f;
  for (const auto& key : kForwardKeys) {
    size_t row = static_cast<size_t>(std::find(kKeyOrder.begin(), kKeyOrder.end(), key.rule.key) -
                                     kKeyOrder.begin());
    if (!found.has(row)) continue;
    std::string kpath = child_path(path, key.rule.key);
    if (key.proxy_only && f.via != Datapath::kProxy) {
      cx.bad_value(kpath, fmt::format("'{}' needs 'via: proxy'", key.rule.key),
                   "add 'via: proxy' to the forward, or remove the key");
      f.ok = false;
      continue;
    }
    f.ok &= key.rule.read(cx, *found.values[row], kpath, f);
  }
  return f;
}

}  // namespace

void load_forwards(LoadContext& cx, YamlNode section) {
  if (section.is_null()) return;
  if (!section.is_list()) {
    cx.wrong_type("forwards", fmt::format("'forwards' must be a list, not {}", kind_name(section)),
                  "write one '- { listen: NETWORK:PORT, to: SERVICE:PORTNAME }' per forward");
    return;
  }
  auto& forwards = cx.topology().forwards;
  forwards.reserve(forwards.size() + section.size());
  for (size_t i = 0; i < section.size(); ++i) {
    std::string path = fmt::format("forwards.{}", i);
    cx.where().set_key(path, section.item(i).pos());
    forwards.push_back(read_forward(cx, section.item(i), path, i));
  }
}

}  // namespace labgate
