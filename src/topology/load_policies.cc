// The `policies` section: { log: { group, rate }, rules: [ { from, to, proto, ports, source,
// action } ] } (docs/config.md, "policies"; docs/zones.md). Every pair of zones not allowed by a
// rule is denied; rules are read in file order, the first match decides.
#include <array>

#include <fmt/format.h>

#include "topology/load_context.h"

namespace labgate {
namespace {

constexpr size_t kMaxRules = 4096;
constexpr size_t kMaxRulePorts = 64;

bool read_proto(LoadContext& cx, YamlNode v, const std::string& path, PolicyRule& r) {
  static constexpr std::array<std::string_view, 4> kChoices = {"any", "tcp", "udp", "icmp"};
  auto text = cx.choice(v, path, "proto", kChoices);
  if (!text) return false;
  r.protocol = *text == "tcp"    ? RuleProtocol::kTcp
               : *text == "udp"  ? RuleProtocol::kUdp
               : *text == "icmp" ? RuleProtocol::kIcmp
                                 : RuleProtocol::kAny;
  return true;
}

// A port, or a list of them.
bool read_ports(LoadContext& cx, YamlNode v, const std::string& path, PolicyRule& r) {
  if (!v.is_list()) {
    auto p = cx.port(v, path);
    if (p) r.ports.push_back(*p);
    return p.has_value();
  }
  if (v.size() == 0 || v.size() > kMaxRulePorts) {
    cx.bad_value(path,
                 fmt::format("'ports' must list 1 to {} ports, not {}", kMaxRulePorts, v.size()),
                 "write e.g. 'ports: [443, 6443]', or remove the key for every port");
    return false;
  }
  bool ok = true;
  for (size_t k = 0; k < v.size(); ++k) {
    std::string item = fmt::format("{}.{}", path, k);
    cx.where().set_value(item, v.item(k).pos());
    auto p = cx.port(v.item(k), item);
    if (p)
      r.ports.push_back(*p);
    else
      ok = false;
  }
  return ok;
}

bool read_source(LoadContext& cx, YamlNode v, const std::string& path, PolicyRule& r) {
  r.source = cx.address_or_prefix(v, path, "'source'");
  return r.source.has_value();
}

bool read_action(LoadContext& cx, YamlNode v, const std::string& path, PolicyRule& r) {
  static constexpr std::array<std::string_view, 2> kChoices = {"accept", "drop"};
  auto text = cx.choice(v, path, "action", kChoices);
  if (text) r.accept = *text == "accept";
  return text.has_value();
}

// proto before ports: whether ports can match depends on it (checked by validation).
constexpr std::array<KeyRule<PolicyRule>, 6> kRuleKeys = {{
    {"from", true, read_reference<&PolicyRule::from, kZoneNoun>},
    {"to", true, read_reference<&PolicyRule::to, kZoneNoun>},
    {"proto", false, read_proto},
    {"ports", false, read_ports},
    {"source", false, read_source},
    {"action", false, read_action},
}};

bool read_rules(LoadContext& cx, YamlNode v, const std::string& path, Policies& p) {
  if (v.is_null()) return true;
  if (!v.is_list()) {
    cx.wrong_type(path, fmt::format("'rules' must be a list, not {}", kind_name(v)),
                  "write one '- { from: ZONE, to: ZONE, proto: tcp, ports: [443] }' per rule");
    return false;
  }
  if (v.size() > kMaxRules) {
    cx.bad_value(path, fmt::format("'rules' lists {} rules, more than {}", v.size(), kMaxRules));
    return false;
  }
  for (size_t i = 0; i < v.size(); ++i) {
    std::string rpath = fmt::format("{}.{}", path, i);
    cx.where().set_key(rpath, v.item(i).pos());
    cx.where().set_value(rpath, v.item(i).pos());
    PolicyRule r;
    r.ok = cx.read_object<PolicyRule>(v.item(i), rpath, Noun("policy rule #", i + 1), kRuleKeys, r);
    p.rules.push_back(std::move(r));
  }
  return true;
}

// { group: 1-65535, rate: 1-10000 per second }
bool read_log(LoadContext& cx, YamlNode v, const std::string& path, Policies& p) {
  static constexpr std::array<std::string_view, 2> kKeys = {"group", "rate"};
  static constexpr std::array<std::string_view, 1> kRequired = {"group"};
  FoundKeys found = cx.closed_map(v, path, "'log'", kKeys, kRequired);
  if (!found.keys_ok) return false;
  auto group = cx.integer(*found.values[0], path + ".group", 1, 65535, "an nflog group");
  if (group) p.log_group = static_cast<uint16_t>(*group);
  if (found.has(1)) {
    auto rate = cx.integer(*found.values[1], path + ".rate", 1, 10000, "'rate' (per second)");
    if (rate) p.log_rate = *rate;
  }
  return true;
}

constexpr std::array<KeyRule<Policies>, 2> kPolicyKeys = {{
    {"rules", false, read_rules},
    {"log", false, read_log},
}};

}  // namespace

void load_policies(LoadContext& cx, YamlNode section) {
  Policies& p = cx.topology().policies;
  p.given = true;
  if (section.is_null()) return;
  cx.read_object<Policies>(section, "policies", "'policies'", kPolicyKeys, p);
}

}  // namespace labgate
