#include "topology/loader.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <set>

#include <fmt/format.h>
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include "net/ip_address.h"
#include "net/names.h"
#include "topology/validate.h"

namespace labgate {
namespace {

// The types carry both families, the program only IPv4 so far (dual-stack is a later issue): an
// IPv6 address, subnet or range is refused here, at its line, and never reaches the model.
template <class T>
std::optional<T> v4_only(std::optional<T> value, std::string_view text, std::string* error) {
  if (value && value->family() != IpFamily::kV4) {
    *error = fmt::format("'{}': IPv6 is not supported yet", text);
    return std::nullopt;
  }
  return value;
}

SourcePos pos_of(const YAML::Mark& m) {
  if (m.is_null()) return {};
  return {m.line + 1, m.column + 1};
}

// Diagnostics always carry a position; yaml-cpp leaves some marks unset.
SourcePos known_or_start(SourcePos pos) {
  return pos.known() ? pos : SourcePos{1, 1};
}

SourcePos pos_of(const YAML::Node& n) {
  return pos_of(n.Mark());
}

// Where a map entry's value is. An empty value (`address:`) has no text of its own, and yaml-cpp
// marks it at the next token, often on a later line: point at its key instead.
SourcePos value_pos(const YAML::Node& value, SourcePos key_pos) {
  return value.IsNull() ? key_pos : pos_of(value);
}

const char* kind_of(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Scalar:
      return "a scalar";
    case YAML::NodeType::Null:
      return "nothing";
    default:
      return "an undefined value";
  }
}

// User text as quoted in a message: control characters escaped (a diagnostic is one line) and
// long values cut, so an unclosed quote that swallowed the rest of the file stays readable.
std::string shown(std::string_view text) {
  constexpr size_t kMaxShown = 60;
  std::string out;
  size_t end = std::min(text.size(), kMaxShown);
  while (end < text.size() && end > 0 && (static_cast<unsigned char>(text[end]) & 0xc0) == 0x80)
    --end;  // do not cut a UTF-8 sequence in two
  for (unsigned char c : text.substr(0, end)) {
    if (c == '\n')
      out += "\\n";
    else if (c == '\t')
      out += "\\t";
    else if (c < 0x20 || c == 0x7f)
      out += fmt::format("\\x{:02x}", c);
    else
      out += static_cast<char>(c);
  }
  if (end < text.size()) out += "...";
  return out;
}

// A parser's error message with the text it quotes replaced by shown(text).
std::string shown_in(std::string message, std::string_view text) {
  if (text.empty()) return message;
  if (size_t at = message.find(text); at != std::string::npos)
    message.replace(at, text.size(), shown(text));
  return message;
}

std::string join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : ", ") + w;
  return out;
}

// Reads the document with the schema of docs/config.md. Each read_* method reports what is wrong
// with its node and returns nullopt/false; callers carry on with the next node.
class Reader {
 public:
  Reader(Topology& t, Diagnostics& d) : t_(t), d_(d) {}

  void document(const YAML::Node& root);

 private:
  // --- generic shape checks ---------------------------------------------------------------
  // Records key and value positions of `map`'s entries under `path`, reports unknown and
  // duplicate keys, and reports missing required keys at the map itself.
  bool map_with_keys(const YAML::Node& map, const std::string& path, const std::string& what,
                     const std::vector<std::string>& allowed,
                     const std::vector<std::string>& required);
  // For maps keyed by object names (networks, hosts, ...): returns (name, value) pairs in file
  // order, after checking names and duplicates.
  std::vector<std::pair<std::string, YAML::Node>> named_entries(const YAML::Node& map,
                                                                const std::string& path,
                                                                const std::string& what);
  bool is_map_or_report(const YAML::Node& n, const std::string& path, const std::string& what);

  std::optional<std::string> scalar(const YAML::Node& n, const std::string& path,
                                    const std::string& what);
  std::optional<bool> boolean(const YAML::Node& n, const std::string& path);
  std::optional<uint32_t> integer(const YAML::Node& n, const std::string& path, uint32_t min,
                                  uint32_t max, const std::string& what);
  std::optional<uint16_t> port(const YAML::Node& n, const std::string& path);
  std::optional<IpAddress> address(const YAML::Node& n, const std::string& path);
  // "250ms" or "2s", within [min_ms, max_ms].
  std::optional<uint32_t> duration_ms(const YAML::Node& n, const std::string& path, uint32_t min_ms,
                                      uint32_t max_ms, const std::string& what);
  std::optional<std::string> reference(const YAML::Node& n, const std::string& path,
                                       const std::string& what);
  void bad_value(const std::string& path, std::string message, std::string hint = {}) {
    d_.error(t_.where.value(path), "invalid-value", std::move(message), std::move(hint));
  }

  // --- sections -----------------------------------------------------------------------------
  void gateway(const YAML::Node& n);
  void networks(const YAML::Node& n);
  void hosts(const YAML::Node& n);
  void pools(const YAML::Node& n);
  void services(const YAML::Node& n);
  std::optional<ServicePort> service_port(const std::string& name, const YAML::Node& n,
                                          const std::string& path);
  void forwards(const YAML::Node& n);
  void proxy_forward_options(const YAML::Node& n, const std::string& path, Forward& f);
  void dns(const YAML::Node& n);
  std::vector<std::string> network_list(const YAML::Node& n, const std::string& path);

  Topology& t_;
  Diagnostics& d_;
};

bool Reader::is_map_or_report(const YAML::Node& n, const std::string& path,
                              const std::string& what) {
  if (n.IsMap()) return true;
  d_.error(t_.where.value(path), "wrong-type",
           fmt::format("{} must be a map, not {}", what, kind_of(n)));
  return false;
}

bool Reader::map_with_keys(const YAML::Node& map, const std::string& path, const std::string& what,
                           const std::vector<std::string>& allowed,
                           const std::vector<std::string>& required) {
  if (!is_map_or_report(map, path, what)) return false;
  bool ok = true;
  std::vector<std::string_view> seen;  // a handful of keys: a scan beats a tree
  std::set<std::string> suggested;     // keys an unknown key was probably meant to be
  bool merged = false;                 // a '<<' key may have been meant to provide any key
  for (auto it = map.begin(); it != map.end(); ++it) {
    std::string key = it->first.IsScalar() ? it->first.Scalar() : std::string{};
    std::string child = path.empty() ? key : path + "." + key;
    SourcePos key_pos = pos_of(it->first);
    if (!it->first.IsScalar()) {
      d_.error(key_pos, "wrong-type",
               fmt::format("a key in {} must be a word, not {}", what, kind_of(it->first)));
      ok = false;
      continue;
    }
    if (key == "<<") {
      // yaml-cpp reads a merge key as a plain key: the merged keys are not there.
      d_.error(key_pos, "unknown-key",
               fmt::format("merge keys ('<<') are not supported in {}", what),
               "write the keys out; anchors and aliases of whole values do work");
      merged = true;
      ok = false;
      continue;
    }
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      std::string suggestion = closest_match(key, allowed);
      d_.error(key_pos, "unknown-key", fmt::format("unknown key '{}' in {}", shown(key), what),
               suggestion.empty() ? fmt::format("known keys: {}", join(allowed))
                                  : fmt::format("did you mean '{}'?", suggestion));
      // A likely misspelling of a known key leaves that key's value unknown: the entity is not
      // ok, so rules that depend on it stay quiet. Any other unknown key is only itself wrong.
      if (!suggestion.empty()) {
        suggested.insert(suggestion);
        ok = false;
      }
      continue;
    }
    if (std::find(seen.begin(), seen.end(), it->first.Scalar()) != seen.end()) {
      d_.error(key_pos, "duplicate-key", fmt::format("key '{}' appears twice in {}", key, what),
               "remove one of them");
      continue;
    }
    seen.push_back(it->first.Scalar());  // owned by the document, which outlives this call
    t_.where.set_key(child, key_pos);
    t_.where.set_value(child, value_pos(it->second, key_pos));
  }
  for (const auto& key : required) {
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) continue;
    ok = false;
    // A misspelt required key is one mistake: its unknown-key error already says what to write.
    if (!suggested.count(key) && !merged)
      d_.error(t_.where.value(path), "missing-key", fmt::format("{} has no '{}'", what, key),
               fmt::format("add '{}: ...'", key));
  }
  return ok;
}

std::vector<std::pair<std::string, YAML::Node>> Reader::named_entries(const YAML::Node& map,
                                                                      const std::string& path,
                                                                      const std::string& what) {
  std::vector<std::pair<std::string, YAML::Node>> out;
  if (map.IsNull()) return out;  // an empty section
  if (!is_map_or_report(map, path, fmt::format("'{}'", path))) return out;
  std::set<std::string> seen;
  for (auto it = map.begin(); it != map.end(); ++it) {
    SourcePos key_pos = pos_of(it->first);
    if (!it->first.IsScalar()) {
      d_.error(key_pos, "wrong-type",
               fmt::format("a {} name must be a word, not {}", what, kind_of(it->first)));
      continue;
    }
    const std::string& name = it->first.Scalar();
    if (!is_object_name(name)) {
      d_.error(key_pos, "invalid-name",
               fmt::format("'{}' is not a valid {} name", shown(name), what),
               "use 1-63 letters, digits and '-', not starting or ending with '-' (RFC 1123)");
      continue;
    }
    if (!seen.insert(name).second) {
      d_.error(key_pos, "duplicate-name", fmt::format("{} '{}' is defined twice", what, name),
               "give each a different name, or merge them");
      continue;
    }
    std::string child = path + "." + name;
    t_.where.set_key(child, key_pos);
    t_.where.set_value(child, value_pos(it->second, key_pos));
    out.emplace_back(name, it->second);
  }
  return out;
}

std::optional<std::string> Reader::scalar(const YAML::Node& n, const std::string& path,
                                          const std::string& what) {
  if (n.IsScalar()) return n.Scalar();
  if (n.IsNull()) {
    d_.error(t_.where.value(path), "wrong-type", fmt::format("{} has no value", what),
             "write the value after the colon, or remove the key");
    return std::nullopt;
  }
  d_.error(t_.where.value(path), "wrong-type",
           fmt::format("{} must be a single value, not {}", what, kind_of(n)));
  return std::nullopt;
}

std::optional<bool> Reader::boolean(const YAML::Node& n, const std::string& path) {
  auto text = scalar(n, path, fmt::format("'{}'", path));
  if (!text) return std::nullopt;
  if (*text == "true") return true;
  if (*text == "false") return false;
  d_.error(t_.where.value(path), "wrong-type",
           fmt::format("'{}' must be true or false, not '{}'", path, shown(*text)));
  return std::nullopt;
}

std::optional<uint32_t> Reader::integer(const YAML::Node& n, const std::string& path, uint32_t min,
                                        uint32_t max, const std::string& what) {
  auto text = scalar(n, path, what);
  if (!text) return std::nullopt;
  uint32_t v = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
  // "080" is refused as the schema refuses it: YAML 1.1 tools read it as octal or as a string.
  bool leading_zero = text->size() > 1 && (*text)[0] == '0';
  if (ec != std::errc() || end != text->data() + text->size() || v < min || v > max ||
      leading_zero) {
    bad_value(path, fmt::format("{} must be a number from {} to {}{}, not '{}'", what, min, max,
                                leading_zero ? " without leading zeros" : "", shown(*text)));
    return std::nullopt;
  }
  return v;
}

std::optional<uint16_t> Reader::port(const YAML::Node& n, const std::string& path) {
  auto v = integer(n, path, 1, 65535, "a port");
  if (!v) return std::nullopt;
  return static_cast<uint16_t>(*v);
}

std::optional<IpAddress> Reader::address(const YAML::Node& n, const std::string& path) {
  auto text = scalar(n, path, fmt::format("'{}'", path));
  if (!text) return std::nullopt;
  std::string error;
  auto a = v4_only(IpAddress::parse(*text, &error), *text, &error);
  if (!a)
    bad_value(path, shown_in(error, *text), "write a dotted IPv4 address, e.g. 192.168.100.60");
  return a;
}

std::optional<uint32_t> Reader::duration_ms(const YAML::Node& n, const std::string& path,
                                            uint32_t min_ms, uint32_t max_ms,
                                            const std::string& what) {
  auto text = scalar(n, path, what);
  if (!text) return std::nullopt;
  std::string_view digits = *text;
  uint32_t scale = 0;
  if (digits.ends_with("ms")) {
    scale = 1;
    digits.remove_suffix(2);
  } else if (digits.ends_with("s")) {
    scale = 1000;
    digits.remove_suffix(1);
  }
  uint32_t v = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  uint64_t ms = uint64_t{v} * scale;
  if (scale == 0 || digits.empty() || ec != std::errc() || end != digits.data() + digits.size() ||
      ms < min_ms || ms > max_ms) {
    bad_value(path,
              fmt::format("{} must be a duration from {}ms to {}s, not '{}'", what, min_ms,
                          max_ms / 1000, shown(*text)),
              "write a number with 'ms' or 's', e.g. 500ms or 2s");
    return std::nullopt;
  }
  return static_cast<uint32_t>(ms);
}

std::optional<std::string> Reader::reference(const YAML::Node& n, const std::string& path,
                                             const std::string& what) {
  auto text = scalar(n, path, fmt::format("'{}'", path));
  if (!text) return std::nullopt;
  if (!is_object_name(*text)) {
    bad_value(path, fmt::format("'{}' is not a valid {} name", shown(*text), what));
    return std::nullopt;
  }
  return text;
}

void Reader::document(const YAML::Node& root) {
  if (root.IsNull()) {
    d_.error({1, 1}, "empty-file", "the file is empty",
             "describe at least one network; see examples/homelab.yaml");
    return;
  }
  static const std::vector<std::string> kKeys = {"version", "gateway",  "networks", "hosts",
                                                 "pools",   "services", "forwards", "dns"};
  if (!map_with_keys(root, "", "the top level", kKeys, {"networks"}) && !root.IsMap()) return;
  if (root["version"]) integer(root["version"], "version", 1, 1, "'version'");
  if (root["gateway"]) gateway(root["gateway"]);
  if (root["networks"]) networks(root["networks"]);
  if (root["hosts"]) hosts(root["hosts"]);
  if (root["pools"]) pools(root["pools"]);
  if (root["services"]) services(root["services"]);
  if (root["forwards"]) forwards(root["forwards"]);
  if (root["dns"]) dns(root["dns"]);
}

void Reader::gateway(const YAML::Node& n) {
  if (!map_with_keys(n, "gateway", "'gateway'", {"name"}, {})) return;
  if (n["name"]) {
    if (auto name = reference(n["name"], "gateway.name", "gateway")) t_.gateway_name = *name;
  }
}

void Reader::networks(const YAML::Node& section) {
  static const std::vector<std::string> kKeys = {"interface", "subnet",     "address", "router",
                                                 "uplink",    "masquerade", "inbound"};
  for (const auto& [name, n] : named_entries(section, "networks", "network")) {
    std::string path = "networks." + name;
    Network net;
    net.name = name;
    net.ok = map_with_keys(n, path, fmt::format("network '{}'", name), kKeys,
                           {"interface", "subnet", "address"});
    if (!n.IsMap()) {
      t_.networks.push_back(net);
      continue;
    }
    if (n["interface"]) {
      auto text = scalar(n["interface"], path + ".interface", "'interface'");
      if (text && is_interface_name(*text)) {
        net.interface = *text;
      } else {
        if (text)
          bad_value(path + ".interface",
                    fmt::format("'{}' is not a valid interface name", shown(*text)),
                    "use 1-15 characters without '/', ':' or spaces, e.g. vmbr0");
        net.ok = false;
      }
    }
    if (n["subnet"]) {
      auto text = scalar(n["subnet"], path + ".subnet", "'subnet'");
      std::string error;
      auto p = text ? v4_only(IpPrefix::parse(*text, &error), *text, &error) : std::nullopt;
      if (p) {
        net.subnet = *p;
      } else {
        if (text)
          bad_value(path + ".subnet", shown_in(error, *text),
                    "write ADDRESS/LENGTH, e.g. 192.168.100.0/24");
        net.ok = false;
      }
    }
    if (n["address"]) {
      auto a = address(n["address"], path + ".address");
      if (a)
        net.address = *a;
      else
        net.ok = false;
    }
    if (n["router"]) {
      net.router = address(n["router"], path + ".router");
      if (!net.router) net.ok = false;
    }
    // A flag that failed to load is unknown, not false: rules about uplinks must not guess it.
    using Flag = std::pair<const char*, bool*>;
    for (auto [key, flag] : {Flag{"uplink", &net.uplink}, Flag{"masquerade", &net.masquerade}}) {
      if (!n[key]) continue;
      auto value = boolean(n[key], path + "." + key);
      *flag = value.value_or(false);
      net.ok &= value.has_value();
    }
    if (n["inbound"]) {
      auto text = scalar(n["inbound"], path + ".inbound", "'inbound'");
      if (text && *text == "drop") {
        net.inbound = InboundPolicy::kDrop;
      } else if (text && *text == "accept") {
        net.inbound = InboundPolicy::kAccept;
      } else if (text) {
        bad_value(path + ".inbound",
                  fmt::format("'inbound' must be drop or accept, not '{}'", shown(*text)));
      }
    }
    t_.networks.push_back(net);
  }
}

void Reader::hosts(const YAML::Node& section) {
  for (const auto& [name, n] : named_entries(section, "hosts", "host")) {
    std::string path = "hosts." + name;
    Host host;
    host.name = name;
    host.ok = map_with_keys(n, path, fmt::format("host '{}'", name),
                            {"network", "address", "held_by"}, {"network", "address"});
    if (n.IsMap()) {
      if (n["network"]) {
        auto r = reference(n["network"], path + ".network", "network");
        if (r)
          host.network = *r;
        else
          host.ok = false;
      }
      if (n["address"]) {
        auto a = address(n["address"], path + ".address");
        if (a)
          host.address = *a;
        else
          host.ok = false;
      }
      if (n["held_by"]) {
        auto r = reference(n["held_by"], path + ".held_by", "host");
        if (r)
          host.held_by = *r;
        else
          host.ok = false;
      }
    }
    t_.hosts.push_back(host);
  }
}

void Reader::pools(const YAML::Node& section) {
  for (const auto& [name, n] : named_entries(section, "pools", "pool")) {
    std::string path = "pools." + name;
    Pool pool;
    pool.name = name;
    pool.ok = map_with_keys(n, path, fmt::format("pool '{}'", name), {"network", "range"},
                            {"network", "range"});
    if (n.IsMap()) {
      if (n["network"]) {
        auto r = reference(n["network"], path + ".network", "network");
        if (r)
          pool.network = *r;
        else
          pool.ok = false;
      }
      if (n["range"]) {
        auto text = scalar(n["range"], path + ".range", "'range'");
        std::string error;
        auto range = text ? v4_only(IpRange::parse(*text, &error), *text, &error) : std::nullopt;
        if (range) {
          pool.range = *range;
        } else {
          if (text)
            bad_value(path + ".range", shown_in(error, *text),
                      "write FIRST-LAST, e.g. 192.168.100.80-85");
          pool.ok = false;
        }
      }
    }
    t_.pools.push_back(pool);
  }
}

void Reader::services(const YAML::Node& section) {
  for (const auto& [name, n] : named_entries(section, "services", "service")) {
    std::string path = "services." + name;
    Service service;
    service.name = name;
    service.ok = map_with_keys(n, path, fmt::format("service '{}'", name), {"address", "ports"},
                               {"address", "ports"});
    if (n.IsMap()) {
      if (n["address"]) {
        auto a = address(n["address"], path + ".address");
        if (a)
          service.address = *a;
        else
          service.ok = false;
      }
      if (n["ports"]) {
        auto entries = named_entries(n["ports"], path + ".ports", "port");
        bool none = n["ports"].IsNull() || (n["ports"].IsMap() && n["ports"].size() == 0);
        if (entries.empty() && none) {
          d_.error(t_.where.value(path + ".ports"), "missing-key",
                   fmt::format("service '{}' has no ports", name), "add e.g. 'http: 80'");
          service.ok = false;
        }
        for (const auto& [port_name, p] : entries) {
          auto port = service_port(port_name, p, path + ".ports." + port_name);
          if (port)
            service.ports.push_back(*port);
          else
            service.ok = false;
        }
      }
    }
    t_.services.push_back(service);
  }
}

// A port is `NAME: 80` (TCP), `NAME: 53/udp`, or `NAME: {port: 53, protocol: udp}`.
std::optional<ServicePort> Reader::service_port(const std::string& name, const YAML::Node& n,
                                                const std::string& path) {
  ServicePort sp;
  sp.name = name;
  std::optional<uint16_t> number;
  std::string protocol = "tcp";
  if (n.IsMap()) {
    if (!map_with_keys(n, path, fmt::format("port '{}'", name), {"port", "protocol"}, {"port"}))
      return std::nullopt;
    number = port(n["port"], path + ".port");
    if (n["protocol"]) {
      auto text = scalar(n["protocol"], path + ".protocol", "'protocol'");
      if (!text) return std::nullopt;
      protocol = *text;
    }
  } else {
    auto text = scalar(n, path, fmt::format("port '{}'", name));
    if (!text) return std::nullopt;
    size_t slash = text->find('/');
    if (slash != std::string::npos) {
      protocol = text->substr(slash + 1);
      number = port(YAML::Node(text->substr(0, slash)), path);
    } else {
      number = port(n, path);
    }
  }
  if (!number) return std::nullopt;
  sp.port = *number;
  if (protocol == "tcp") {
    sp.protocol = Protocol::kTcp;
  } else if (protocol == "udp") {
    sp.protocol = Protocol::kUdp;
  } else {
    bad_value(path, fmt::format("protocol must be tcp or udp, not '{}'", shown(protocol)));
    return std::nullopt;
  }
  return sp;
}

void Reader::forwards(const YAML::Node& section) {
  if (section.IsNull()) return;
  if (!section.IsSequence()) {
    d_.error(t_.where.value("forwards"), "wrong-type",
             fmt::format("'forwards' must be a list, not {}", kind_of(section)),
             "write one '- { listen: NETWORK:PORT, to: SERVICE:PORTNAME }' per forward");
    return;
  }
  for (size_t i = 0; i < section.size(); ++i) {
    const YAML::Node n = section[i];
    std::string path = fmt::format("forwards.{}", i);
    t_.where.set_key(path, pos_of(n));
    Forward f;
    f.ok = map_with_keys(n, path, fmt::format("forward #{}", i + 1),
                         {"listen", "to", "via", "snat", "proxy_protocol", "max_connections", "sni",
                          "balance", "health_check", "accept_proxy"},
                         {"listen", "to"});
    if (n.IsMap()) {
      // Both ends are NAME:SUFFIX; the listen suffix is a port number, the target's a port name.
      auto split_at = [&](const YAML::Node& value, const std::string& kpath, const char* key,
                          const char* shape) -> std::optional<std::pair<std::string, std::string>> {
        auto text = scalar(value, kpath, fmt::format("'{}'", key));
        if (!text) return std::nullopt;
        size_t colon = text->find(':');
        if (colon == std::string::npos || !is_object_name(text->substr(0, colon))) {
          bad_value(kpath, fmt::format("'{}' is not {}", shown(*text), shape),
                    fmt::format("write {}", shape));
          return std::nullopt;
        }
        return std::pair{text->substr(0, colon), text->substr(colon + 1)};
      };
      auto split = [&](const char* key, const char* shape) {
        return split_at(n[key], path + "." + key, key, shape);
      };
      // A target SERVICE:PORTNAME at `tpath`, or nullopt after reporting why not.
      auto target = [&](const YAML::Node& value,
                        const std::string& tpath) -> std::optional<ForwardTarget> {
        auto parts = split_at(value, tpath, "to", "SERVICE:PORTNAME, e.g. ingress:https");
        if (parts && is_object_name(parts->second))
          return ForwardTarget{parts->first, parts->second};
        if (parts)
          bad_value(tpath, fmt::format("'{}' is not a valid port name", parts->second),
                    "name a port of the service, e.g. ingress:https");
        return std::nullopt;
      };
      if (n["listen"]) {
        auto parts = split("listen", "NETWORK:PORT, e.g. lan:443");
        std::optional<uint16_t> p;
        if (parts) p = port(YAML::Node(parts->second), path + ".listen");
        if (parts && p) {
          f.listen_network = parts->first;
          f.listen_port = *p;
        } else {
          f.ok = false;
        }
      }
      if (n["to"] && !n["to"].IsSequence()) {
        if (auto t = target(n["to"], path + ".to")) {
          f.service = t->service;
          f.service_port = t->service_port;
        } else {
          f.ok = false;
        }
      }
      if (n["via"]) {
        auto text = scalar(n["via"], path + ".via", "'via'");
        if (text && *text == "kernel") {
          f.via = Datapath::kKernel;
        } else if (text && *text == "proxy") {
          f.via = Datapath::kProxy;
        } else {
          if (text)
            bad_value(path + ".via",
                      fmt::format("'via' must be kernel or proxy, not '{}'", shown(*text)));
          f.ok = false;
        }
      }
      if (n["snat"]) {
        auto snat = boolean(n["snat"], path + ".snat");
        f.snat = snat.value_or(false);
        f.ok &= snat.has_value();
      }
      // `to:` as a list: several backends, balanced by the proxy (the kernel path keeps one).
      if (n["to"] && n["to"].IsSequence()) {
        const YAML::Node list = n["to"];
        constexpr size_t kMaxTargets = 64;
        if (f.via != Datapath::kProxy && list.size() > 1) {
          bad_value(path + ".to", "several targets need 'via: proxy'",
                    "add 'via: proxy' to the forward, or name one target");
          f.ok = false;
        } else if (list.size() == 0 || list.size() > kMaxTargets) {
          bad_value(path + ".to",
                    fmt::format("'to' must list 1 to {} targets, not {}", kMaxTargets, list.size()),
                    "write e.g. 'to: [ingress:https, ingress-2:https]'");
          f.ok = false;
        } else {
          // Errors about the first target point at it, not at the list.
          t_.where.set_value(path + ".to", pos_of(list[0]));
          for (size_t k = 0; k < list.size(); ++k) {
            std::string tpath = fmt::format("{}.to.{}", path, k);
            t_.where.set_value(tpath, pos_of(list[k]));
            auto t = target(list[k], tpath);
            if (!t) {
              f.ok = false;
            } else if (k == 0) {
              f.service = t->service;
              f.service_port = t->service_port;
            } else {
              f.more_targets.push_back(*t);
            }
          }
        }
      }
      // Options of the userspace proxy (docs/proxy.md); refused on a kernel forward.
      for (const char* key : {"proxy_protocol", "max_connections", "sni", "balance", "health_check",
                              "accept_proxy"}) {
        if (!n[key] || f.via == Datapath::kProxy) continue;
        bad_value(path + "." + key, fmt::format("'{}' needs 'via: proxy'", key),
                  "add 'via: proxy' to the forward, or remove the key");
        f.ok = false;
      }
      if (f.via == Datapath::kProxy) proxy_forward_options(n, path, f);
      if (n["proxy_protocol"] && f.via == Datapath::kProxy) {
        auto text = scalar(n["proxy_protocol"], path + ".proxy_protocol", "'proxy_protocol'");
        if (text && (*text == "v1" || *text == "v2")) {
          f.proxy_protocol = (*text)[1] - '0';
        } else {
          if (text)
            bad_value(path + ".proxy_protocol",
                      fmt::format("'proxy_protocol' must be v1 or v2, not '{}'", shown(*text)));
          f.ok = false;
        }
      }
      if (n["max_connections"] && f.via == Datapath::kProxy) {
        auto v = integer(n["max_connections"], path + ".max_connections", 1, 1000000,
                         "'max_connections'");
        f.max_connections = v.value_or(0);
        f.ok &= v.has_value();
      }
      if (n["sni"] && f.via == Datapath::kProxy) {
        auto sni = boolean(n["sni"], path + ".sni");
        f.sni = sni.value_or(false);
        f.ok &= sni.has_value();
      }
    }
    t_.forwards.push_back(f);
  }
}

// balance, health_check and accept_proxy of a `via: proxy` forward (docs/proxy.md).
void Reader::proxy_forward_options(const YAML::Node& n, const std::string& path, Forward& f) {
  if (n["balance"]) {
    auto text = scalar(n["balance"], path + ".balance", "'balance'");
    // Compared with to_string(): the names of values are not written out here.
    if (text && *text == to_string(Balance::kRoundRobin)) {
      f.balance = Balance::kRoundRobin;
    } else if (text && *text == to_string(Balance::kLeastConnections)) {
      f.balance = Balance::kLeastConnections;
    } else {
      if (text)
        bad_value(path + ".balance",
                  fmt::format("'balance' must be round-robin or least-connections, not '{}'",
                              shown(*text)));
      f.ok = false;
    }
  }
  if (n["health_check"]) {
    std::string hpath = path + ".health_check";
    const YAML::Node h = n["health_check"];
    if (!map_with_keys(h, hpath, "'health_check'", {"interval", "timeout"}, {})) {
      f.ok = false;
    } else {
      f.health_interval_ms = 2000;
      if (h["interval"]) {
        auto v = duration_ms(h["interval"], hpath + ".interval", 100, 3600000, "'interval'");
        f.health_interval_ms = v.value_or(2000);
        f.ok &= v.has_value();
      }
      f.health_timeout_ms = std::min<uint32_t>(1000, f.health_interval_ms);
      if (h["timeout"]) {
        auto v = duration_ms(h["timeout"], hpath + ".timeout", 10, 60000, "'timeout'");
        if (v && *v > f.health_interval_ms) {
          bad_value(hpath + ".timeout",
                    fmt::format("the health check 'timeout' ({}ms) is longer than its 'interval' "
                                "({}ms)",
                                *v, f.health_interval_ms),
                    "make the timeout at most the interval");
          v.reset();
        }
        f.health_timeout_ms = v.value_or(f.health_timeout_ms);
        f.ok &= v.has_value();
      }
    }
  }
  if (n["accept_proxy"]) {
    std::string apath = path + ".accept_proxy";
    const YAML::Node list = n["accept_proxy"];
    if (!list.IsSequence()) {
      d_.error(t_.where.value(apath), "wrong-type",
               fmt::format("'accept_proxy' must be a list of addresses or prefixes, not {}",
                           kind_of(list)),
               "write e.g. 'accept_proxy: [192.168.1.0/24]'");
      f.ok = false;
    } else if (list.size() == 0) {
      bad_value(apath, "'accept_proxy' lists no trusted source",
                "name the proxies that send PROXY headers, e.g. [192.168.1.10], or remove the key");
      f.ok = false;
    }
    for (size_t k = 0; list.IsSequence() && k < list.size(); ++k) {
      std::string item = fmt::format("{}.{}", apath, k);
      t_.where.set_value(item, pos_of(list[k]));
      auto text = scalar(list[k], item, "a trusted source");
      if (!text) {
        f.ok = false;
        continue;
      }
      std::string error;
      std::optional<IpPrefix> p;
      if (text->find('/') == std::string::npos) {
        if (auto a = IpAddress::parse(*text, &error)) p = IpPrefix::host(*a);
      } else {
        p = IpPrefix::parse(*text, &error);
      }
      p = v4_only(p, *text, &error);
      if (!p) {
        bad_value(item, shown_in(error, *text),
                  "write an address or ADDRESS/LENGTH, e.g. 192.168.1.10 or 192.168.1.0/24");
        f.ok = false;
        continue;
      }
      f.accept_proxy.push_back(*p);
    }
  }
}

std::vector<std::string> Reader::network_list(const YAML::Node& n, const std::string& path) {
  std::vector<std::string> out;
  if (!n.IsSequence()) {
    d_.error(t_.where.value(path), "wrong-type",
             fmt::format("'{}' must be a list of network names, not {}", path, kind_of(n)));
    return out;
  }
  for (size_t i = 0; i < n.size(); ++i) {
    std::string item = fmt::format("{}.{}", path, i);
    t_.where.set_value(item, pos_of(n[i]));
    if (auto r = reference(n[i], item, "network")) out.push_back(*r);
  }
  return out;
}

void Reader::dns(const YAML::Node& n) {
  if (!map_with_keys(n, "dns", "'dns'",
                     {"zone", "ttl", "names", "upstreams", "listen", "recursion"}, {"zone"}))
    if (!n.IsMap()) return;
  Dns& dns = t_.dns;
  dns.enabled = true;
  if (n["zone"]) {
    auto text = scalar(n["zone"], "dns.zone", "'zone'");
    if (text && is_dns_name(*text)) {
      dns.zone = *text;
    } else if (text) {
      bad_value("dns.zone", fmt::format("'{}' is not a valid DNS zone name", shown(*text)),
                "use dot-separated labels of letters, digits and '-', e.g. cluster or home.arpa");
    }
  }
  if (n["ttl"]) dns.ttl = integer(n["ttl"], "dns.ttl", 0, 604800, "'ttl'").value_or(dns.ttl);
  if (n["names"] && !n["names"].IsNull()) {
    if (is_map_or_report(n["names"], "dns.names", "'dns.names'")) {
      std::set<std::string> seen;
      for (auto it = n["names"].begin(); it != n["names"].end(); ++it) {
        SourcePos key_pos = pos_of(it->first);
        if (!it->first.IsScalar()) {
          d_.error(key_pos, "wrong-type", "a DNS name must be a word");
          continue;
        }
        std::string name = it->first.Scalar();
        std::string path = "dns.names." + name;
        t_.where.set_key(path, key_pos);
        t_.where.set_value(path, value_pos(it->second, key_pos));
        DnsName entry;
        entry.name = name;
        if (!is_dns_name(name, /*allow_wildcard=*/true)) {
          d_.error(key_pos, "invalid-name",
                   fmt::format("'{}' is not a valid DNS name", shown(name)),
                   "use labels of letters, digits and '-' (RFC 1123); '*' only as the first label");
          entry.ok = false;
        }
        // Names are case-insensitive; "ArgoCD" and "argocd" are the same name.
        std::string lower = name;
        for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (!seen.insert(lower).second) {
          d_.error(key_pos, "duplicate-name", fmt::format("DNS name '{}' is defined twice", name),
                   "a name points at one service; remove one of them");
          continue;
        }
        auto r = reference(it->second, path, "service");
        if (r)
          entry.service = *r;
        else
          entry.ok = false;
        dns.names.push_back(entry);
      }
    }
  }
  if (n["upstreams"]) {
    const YAML::Node& u = n["upstreams"];
    if (!u.IsSequence()) {
      d_.error(t_.where.value("dns.upstreams"), "wrong-type",
               fmt::format("'upstreams' must be a list of addresses, not {}", kind_of(u)),
               "write e.g. 'upstreams: [192.168.1.1]'");
    } else {
      for (size_t i = 0; i < u.size(); ++i) {
        std::string item = fmt::format("dns.upstreams.{}", i);
        t_.where.set_value(item, pos_of(u[i]));
        if (auto a = address(u[i], item)) dns.upstreams.push_back(*a);
      }
    }
  }
  if (n["listen"]) dns.listen = network_list(n["listen"], "dns.listen");
  if (n["recursion"]) {
    dns.recursion = network_list(n["recursion"], "dns.recursion");
    dns.recursion_listed = true;
  }
}

// Where the documents of a YAML text begin, from its lines alone. Per YAML 1.2, "---" at the start
// of a line always starts a document (even inside a quoted scalar), and "..." ends one.
struct Outline {
  int first_content_line = 0;    // first line with something other than comments or a null
  int second_document_line = 0;  // where a second document starts, or 0
};

Outline outline_of(std::string_view text) {
  auto is_marker = [](std::string_view line, std::string_view marker) {
    return line.starts_with(marker) &&
           (line.size() == 3 || line[3] == ' ' || line[3] == '\t' || line[3] == '\r');
  };
  Outline out;
  int documents = 0;
  bool open = false;  // a document has started and not ended
  int number = 0;
  while (!text.empty()) {
    size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    ++number;
    if (is_marker(line, "---")) {
      if (++documents == 2) out.second_document_line = number;
      open = true;
      if (line.find_first_not_of(" \t\r", 3) != std::string_view::npos && !out.first_content_line)
        out.first_content_line = number;
    } else if (is_marker(line, "...")) {
      open = false;
    } else {
      size_t first = line.find_first_not_of(" \t\r");
      if (first == std::string_view::npos || line[first] == '#') continue;
      if (!open && line[first] == '%') continue;  // a directive, before its document
      std::string_view word = line.substr(first, line.find_last_not_of(" \t\r") - first + 1);
      bool null = word == "~" || word == "null" || word == "Null" || word == "NULL";
      if (!null && !out.first_content_line) out.first_content_line = number;
      if (!open) {
        if (++documents == 2) out.second_document_line = number;
        open = true;
      }
    }
    if (out.second_document_line) break;
  }
  return out;
}

// The loader proper. *readable is false when the document has no topology shape at all (it is too
// large, not YAML, empty, or not a map): validation would only echo that one problem.
Topology load(std::string_view text, Diagnostics& diagnostics, bool* readable) {
  Topology topology;
  *readable = false;
  if (text.size() > kMaxTopologyBytes) {
    diagnostics.error({1, 1}, "file-too-large",
                      fmt::format("the file is {} bytes; labgate reads at most {}", text.size(),
                                  kMaxTopologyBytes),
                      "a topology is a few kilobytes; check that this is the right file");
    return topology;
  }
  YAML::Node root;
  try {
    // yaml-cpp would read the first document and drop the rest without a word. (Its LoadAll
    // cannot tell: on some garbage it yields empty documents forever.)
    if (Outline outline = outline_of(text); outline.second_document_line) {
      diagnostics.error({outline.second_document_line, 1}, "syntax",
                        "the file holds more than one YAML document; labgate reads one",
                        "remove the '---' line, or keep one topology per file");
      return topology;
    } else if (root = YAML::Load(std::string(text)); root.IsNull() && outline.first_content_line) {
      // Text that is neither a comment nor a null, read as nothing: yaml-cpp gave up silently.
      diagnostics.error({outline.first_content_line, 1}, "syntax",
                        "no YAML value could be read from this line",
                        "start the file with a key, e.g. 'networks:'");
      return topology;
    }
  } catch (const YAML::DeepRecursion& e) {
    // yaml-cpp stops at a fixed nesting depth (before the stack runs out) but says "bad file".
    diagnostics.error(known_or_start(pos_of(e.mark)), "syntax",
                      "the document nests too deeply to be read",
                      "a topology nests a few levels deep; check for unclosed brackets");
    return topology;
  } catch (const YAML::Exception& e) {
    diagnostics.error(known_or_start(pos_of(e.mark)), "syntax",
                      e.msg.empty() ? "invalid YAML" : e.msg,
                      "check the indentation and quoting around this point");
    return topology;
  }
  // About one key and one value position per 16 bytes of a typical file.
  topology.where.reserve(text.size() / 8);
  try {
    Reader(topology, diagnostics).document(root);
  } catch (const YAML::Exception& e) {
    // Not expected (the reader checks types before converting), but a hostile document must
    // still end in a diagnostic rather than an escaped exception.
    diagnostics.error(known_or_start(pos_of(e.mark)), "syntax",
                      e.msg.empty() ? "unreadable YAML" : e.msg);
    return topology;
  }
  *readable = root.IsMap();
  return topology;
}

}  // namespace

Topology load_topology(std::string_view text, Diagnostics& diagnostics) {
  bool readable = false;
  return load(text, diagnostics, &readable);
}

Topology check_topology(std::string_view text, Diagnostics& diagnostics) {
  bool readable = false;
  Topology topology = load(text, diagnostics, &readable);
  if (readable) validate(topology, diagnostics);
  diagnostics.sort_by_position();
  return topology;
}

}  // namespace labgate
