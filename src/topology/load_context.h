// The loader's shared reader core: how one section file reads values and objects.
//
// Each section of the file (networks, hosts, pools, services, forwards, dns, and the top level
// with gateway and version) has its own load_<section>.cc with a key table: for every key of an
// object, whether it is required and the function that reads its value into the entity. The
// core below does what every table needs: closed objects (unknown keys with "did you mean",
// duplicate keys, missing required keys), positions of every key and value in the SourceMap
// under their dotted paths, and the readers of single values (text, booleans, numbers, ports,
// addresses, prefixes, ranges, durations, references), each of which reports what is wrong at
// the value's FILE:LINE:COL and returns nullopt.
//
// "One typo, one error": a reader that fails marks its entity ok=false, and a likely misspelling
// of a known key (an unknown key with a suggestion) does too, so validate() stays quiet about it.
//
// Pure: no I/O, no exceptions.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "diag/diagnostic.h"
#include "topology/topology.h"
#include "topology/yaml_tree.h"

namespace labgate {

// What an object or value is called in messages: "network 'lan'", "forward #3", "'dns'". Put
// together only when a message needs it: most objects have nothing to report, and formatting a
// name for each of 5,000 hosts up front was a measurable part of loading.
class Noun {
 public:
  Noun(const char* text) : text_(text) {}       // NOLINT: a literal is the common case
  Noun(std::string_view text) : text_(text) {}  // NOLINT
  Noun(std::string_view text, std::string_view name) : text_(text), name_(name), named_(true) {}
  Noun(std::string_view text, size_t number) : text_(text), number_(number) {}
  bool empty() const { return text_.empty() && !named_ && number_ == 0; }
  // "text 'name'", "'name'" (no text), "text" + number, or "text".
  std::string str() const;

 private:
  std::string_view text_;
  std::string_view name_;
  bool named_ = false;
  size_t number_ = 0;
};

// `path` + "." + `key`, or `key` at the top level (empty path).
std::string child_path(const std::string& path, std::string_view key);

// User text as quoted in a message: control characters escaped (a diagnostic is one line; NUL
// shows as \0) and long values cut, so an unclosed quote that swallowed the rest of the file stays
// readable.
std::string shown(std::string_view text);

class LoadContext;

// One row of a key table: a key of an object, whether it must be present, and the function that
// reads its value (at `path`, the key's dotted path) into the entity. A reader returns false when
// the value is wrong, after reporting why; the entity is then not ok. `only_for` restricts a key
// to some entities (the proxy options of a forward): a key present where `only_for` says no is
// reported by the section with `needs`.
template <class Entity>
struct KeyRule {
  std::string_view key;
  bool required = false;
  bool (*read)(LoadContext& cx, YamlNode value, const std::string& path, Entity& e) = nullptr;
};

// The most keys one object has (a forward's ten, with room).
inline constexpr size_t kMaxKeys = 16;

// The values found for each row of a table, in the table's order (empty for absent keys).
struct FoundKeys {
  bool keys_ok = true;  // no unknown, misspelt or missing required key
  std::array<std::optional<YamlNode>, kMaxKeys> values;
  bool has(size_t row) const { return values[row].has_value(); }
};

class LoadContext {
 public:
  LoadContext(Topology& t, Diagnostics& d) : t_(t), d_(d) {}

  Topology& topology() { return t_; }
  Diagnostics& diagnostics() { return d_; }
  SourceMap& where() { return t_.where; }

  // Checks that `map` is a map whose keys are `keys` (a closed object): reports keys that are not
  // words, '<<' merge keys, unknown keys (with "did you mean"), duplicate keys (the first one
  // counts) and missing required keys (at the map). Records the position of each key and value
  // under path + "." + key. Returns the first value of each key, in the order of `keys`.
  FoundKeys closed_map(YamlNode map, const std::string& path, const Noun& what,
                       std::span<const std::string_view> keys,
                       std::span<const std::string_view> required);

  // closed_map() with a key table, then each present key's reader in table order. Returns
  // whether the object is ok: keys_ok and every reader succeeded. A map is required; for anything
  // else wrong-type is reported and false returned without reading. With `read_if_keys_wrong`
  // false, an object with a wrong key is not read further (its values would only add errors).
  template <class Entity>
  bool read_object(YamlNode map, const std::string& path, const Noun& what,
                   std::span<const KeyRule<Entity>> table, Entity& e,
                   bool read_if_keys_wrong = true) {
    static_assert(sizeof(Entity) > 0);
    std::array<std::string_view, kMaxKeys> keys, required;
    size_t n_required = 0;
    for (size_t i = 0; i < table.size() && i < kMaxKeys; ++i) {
      keys[i] = table[i].key;
      if (table[i].required) required[n_required++] = table[i].key;
    }
    FoundKeys found =
        closed_map(map, path, what, std::span(keys.data(), std::min(table.size(), kMaxKeys)),
                   std::span(required.data(), n_required));
    if (!map.is_map() || (!found.keys_ok && !read_if_keys_wrong)) return false;
    bool ok = found.keys_ok;
    for (size_t i = 0; i < table.size(); ++i) {
      if (!found.has(i) || table[i].read == nullptr) continue;
      ok &= table[i].read(*this, *found.values[i], child_path(path, table[i].key), e);
    }
    return ok;
  }

  // For maps keyed by object names (networks, hosts, ports, ...): the (name, value) entries in
  // file order after checking each name (RFC 1123) and reporting duplicates; positions recorded.
  // A null section is empty; anything but a map is reported as wrong-type.
  std::vector<std::pair<std::string, YamlNode>> named_entries(YamlNode map, const std::string& path,
                                                              std::string_view what);
  bool is_map_or_report(YamlNode n, const std::string& path, const Noun& what);

  // --- single values: each reports what is wrong at `path` and returns nullopt --------------
  // A single value; `what` names it in messages (by default its path, quoted).
  std::optional<std::string> scalar(YamlNode n, const std::string& path, const Noun& what = "");
  std::optional<bool> boolean(YamlNode n, const std::string& path);
  std::optional<uint32_t> integer(YamlNode n, const std::string& path, uint32_t min, uint32_t max,
                                  const Noun& what);
  std::optional<uint32_t> integer_text(const std::string& text, const std::string& path,
                                       uint32_t min, uint32_t max, const Noun& what);
  std::optional<uint16_t> port(YamlNode n, const std::string& path);
  std::optional<uint16_t> port_text(const std::string& text, const std::string& path);
  std::optional<IpAddress> address(YamlNode n, const std::string& path);
  std::optional<IpPrefix> prefix(YamlNode n, const std::string& path, const Noun& what);
  std::optional<IpRange> range(YamlNode n, const std::string& path, const Noun& what);
  // An address (as a /32) or ADDRESS/LENGTH.
  std::optional<IpPrefix> address_or_prefix(YamlNode n, const std::string& path, const Noun& what);
  // "250ms" or "2s", within [min_ms, max_ms].
  std::optional<uint32_t> duration_ms(YamlNode n, const std::string& path, uint32_t min_ms,
                                      uint32_t max_ms, const Noun& what);
  // The name of an object of kind `what` (an RFC 1123 label).
  std::optional<std::string> reference(YamlNode n, const std::string& path, std::string_view what);
  // One of `choices`, e.g. drop|accept; `key` names the key in the message.
  std::optional<std::string> choice(YamlNode n, const std::string& path, std::string_view key,
                                    std::span<const std::string_view> choices);

  // Text that is an IPv6 address, prefix or range (what an IPv4-only key cannot take yet): it
  // is reported as such at `path` and true returned.
  bool refuse_ipv6(const std::string& text, const std::string& path);

  void bad_value(const std::string& path, std::string message, std::string hint = {}) {
    d_.error(t_.where.value(path), "invalid-value", std::move(message), std::move(hint));
  }
  void wrong_type(const std::string& path, std::string message, std::string hint = {}) {
    d_.error(t_.where.value(path), "wrong-type", std::move(message), std::move(hint));
  }

 private:
  Topology& t_;
  Diagnostics& d_;
};

// Readers of the commonest row: one value of one kind, stored into one member of the entity.
// A key table names them by member, e.g. {"network", true, read_reference<&Host::network,
// kNetworkNoun>}, instead of each section writing the same four-line function again.
template <class MemberPointer>
struct MemberOf;
template <class Class, class Type>
struct MemberOf<Type Class::*> {
  using Entity = Class;
};

template <auto Member>
using EntityOf = typename MemberOf<decltype(Member)>::Entity;

// What a reference names, for the messages of read_reference ("no network named ...").
inline constexpr char kNetworkNoun[] = "network";
inline constexpr char kHostNoun[] = "host";
inline constexpr char kZoneNoun[] = "zone";
inline constexpr char kServiceNoun[] = "service";

template <auto Member, const char* What>
bool read_reference(LoadContext& cx, YamlNode v, const std::string& path, EntityOf<Member>& e) {
  auto r = cx.reference(v, path, What);
  if (r) e.*Member = std::move(*r);
  return r.has_value();
}

template <auto Member>
bool read_boolean(LoadContext& cx, YamlNode v, const std::string& path, EntityOf<Member>& e) {
  auto b = cx.boolean(v, path);
  if (b) e.*Member = *b;
  return b.has_value();
}

template <auto Member>
bool read_address(LoadContext& cx, YamlNode v, const std::string& path, EntityOf<Member>& e) {
  auto a = cx.address(v, path);
  if (a) e.*Member = *a;
  return a.has_value();
}

template <auto Member>
bool read_port(LoadContext& cx, YamlNode v, const std::string& path, EntityOf<Member>& e) {
  auto p = cx.port(v, path);
  if (p) e.*Member = *p;
  return p.has_value();
}

// The sections, one file each. Each reads its part of the document into the topology and
// reports what is wrong with it; `n` is the section's value (present in the document).
void load_document(LoadContext& cx, YamlNode root);  // load_document.cc: top level, gateway
void load_networks(LoadContext& cx, YamlNode n);     // load_networks.cc
void load_hosts(LoadContext& cx, YamlNode n);        // load_hosts.cc
void load_pools(LoadContext& cx, YamlNode n);        // load_pools.cc
void load_services(LoadContext& cx, YamlNode n);     // load_services.cc
void load_forwards(LoadContext& cx, YamlNode n);     // load_forwards.cc
void load_dns(LoadContext& cx, YamlNode n);          // load_dns.cc
void load_http(LoadContext& cx, YamlNode n);         // load_http.cc
void load_zones(LoadContext& cx, YamlNode n);        // load_zones.cc
void load_policies(LoadContext& cx, YamlNode n);     // load_policies.cc
void load_apps(LoadContext& cx, YamlNode n);         // load_apps.cc

}  // namespace labgate

template <>
struct fmt::formatter<labgate::Noun> : fmt::formatter<std::string_view> {
  auto format(const labgate::Noun& n, fmt::format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(n.str(), ctx);
  }
};
