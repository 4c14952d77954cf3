#include "topology/validate_zones.h"

#include <algorithm>
#include <map>
#include <utility>

#include <fmt/format.h>

#include "net/names.h"

namespace labgate {

bool rule_covers(const PolicyRule& earlier, const PolicyRule& later) {
  if (earlier.from != later.from || earlier.to != later.to) return false;
  if (earlier.protocol != RuleProtocol::kAny && earlier.protocol != later.protocol) return false;
  if (!earlier.ports.empty()) {
    if (later.ports.empty()) return false;
    for (uint16_t p : later.ports)
      if (std::find(earlier.ports.begin(), earlier.ports.end(), p) == earlier.ports.end())
        return false;
  }
  if (earlier.source) {
    if (!later.source) return false;
    if (earlier.source->family() != later.source->family() ||
        earlier.source->length > later.source->length ||
        !earlier.source->contains(later.source->network))
      return false;
  }
  return true;
}

namespace {

class ZoneValidator {
 public:
  ZoneValidator(const Topology& t, Diagnostics& d) : t_(t), d_(d) {}

  void run() {
    vlans();
    zones();
    rules();
  }

 private:
  SourcePos at(const std::string& path) const { return t_.where.value(path); }
  SourcePos key_at(const std::string& path) const { return t_.where.key(path); }

  // A VLAN id names one segment per trunk: twice on one trunk would join two networks.
  void vlans() {
    std::map<std::pair<std::string, uint16_t>, const Network*> seen;
    for (const auto& n : t_.networks) {
      if (!n.ok || !n.vlan) continue;
      std::string path = "networks." + n.name + ".vlan";
      auto [it, fresh] = seen.emplace(std::pair{n.vlan->trunk, n.vlan->id}, &n);
      if (!fresh)
        d_.error(at(path + ".id"), "duplicate-vlan",
                 fmt::format("networks '{}' and '{}' both use VLAN {} on trunk '{}'",
                             it->second->name, n.name, n.vlan->id, n.vlan->trunk),
                 "give each network of a trunk its own VLAN id");
      if (n.vlan->trunk == n.interface)
        d_.error(at(path + ".trunk"), "invalid-value",
                 fmt::format("network '{}' names its own interface '{}' as its trunk", n.name,
                             n.interface),
                 fmt::format("the VLAN's interface is e.g. '{}.{}'", n.vlan->trunk, n.vlan->id));
    }
  }

  void zones() {
    if (t_.zones.empty()) {
      if (t_.policies.given)
        d_.error(key_at("policies"), "policies-without-zones",
                 "'policies' needs 'zones': rules are between zones",
                 "group the networks into zones under 'zones:'");
      return;
    }
    std::map<std::string, std::string> zone_of;  // network -> zone
    for (const auto& z : t_.zones) {
      if (!z.ok) continue;
      for (size_t k = 0; k < z.networks.size(); ++k) {
        const std::string& net = z.networks[k];
        std::string path = fmt::format("zones.{}.networks.{}", z.name, k);
        if (!t_.find_network(net)) {
          std::vector<std::string> names;
          for (const auto& n : t_.networks) names.push_back(n.name);
          std::string meant = closest_match(net, names);
          d_.error(at(path), "unknown-network", fmt::format("there is no network named '{}'", net),
                   meant.empty() ? "define it under 'networks', or name an existing one"
                                 : fmt::format("did you mean '{}'?", meant));
          continue;
        }
        auto [it, fresh] = zone_of.emplace(net, z.name);
        if (!fresh)
          d_.error(
              at(path), "network-in-two-zones",
              it->second == z.name
                  ? fmt::format("network '{}' is listed twice in zone '{}'", net, z.name)
                  : fmt::format("network '{}' is in zones '{}' and '{}'", net, it->second, z.name),
              "a network belongs to exactly one zone");
      }
    }
    // A zone that failed to load, or lists a network that does not exist (a typo, reported
    // above), may be the one a network was meant to be in: then "in no zone" is not said.
    bool all_zones_ok = std::all_of(t_.zones.begin(), t_.zones.end(), [&](const Zone& z) {
      return z.ok && std::all_of(z.networks.begin(), z.networks.end(), [&](const std::string& n) {
               return t_.find_network(n) != nullptr;
             });
    });
    for (const auto& n : t_.networks) {
      std::string path = "networks." + n.name;
      if (n.inbound_given)
        d_.error(
            key_at(path + ".inbound"), "inbound-with-zones",
            fmt::format("network '{}' sets 'inbound', but 'zones' decide what reaches it", n.name),
            "remove 'inbound' and write the allowed traffic under 'policies'");
      if (all_zones_ok && !zone_of.count(n.name))
        d_.error(key_at(path), "network-without-zone",
                 fmt::format("network '{}' is in no zone", n.name),
                 "with 'zones', every network belongs to one; add it to a zone");
    }
  }

  // The zone `name` names, after reporting an unknown one at `path`; nullptr if unknown.
  const Zone* zone(const std::string& name, const std::string& path) {
    if (const Zone* z = t_.find_zone(name)) return z;
    std::vector<std::string> names;
    for (const auto& z : t_.zones) names.push_back(z.name);
    std::string meant = closest_match(name, names);
    d_.error(at(path), "unknown-zone", fmt::format("there is no zone named '{}'", name),
             meant.empty() ? "define it under 'zones', or name an existing one"
                           : fmt::format("did you mean '{}'?", meant));
    return nullptr;
  }

  // A listed name that is not a network counts: it is a typo of one, already reported.
  bool has_networks(const Zone& z) const { return !z.networks.empty(); }

  bool has_uplink(const Zone& z) const {
    return std::any_of(z.networks.begin(), z.networks.end(), [&](const std::string& n) {
      const Network* net = t_.find_network(n);
      return net && (net->uplink || !net->ok);
    });
  }

  // Whether `source` can be the source of traffic from zone `z`: inside one of its subnets (a
  // zone with the uplink receives from anywhere).
  bool source_possible(const Zone& z, const IpPrefix& source) const {
    if (has_uplink(z)) return true;
    return std::any_of(z.networks.begin(), z.networks.end(), [&](const std::string& n) {
      const Network* net = t_.find_network(n);
      return net && (!net->ok || net->subnet.overlaps(source));
    });
  }

  void never_matches(const std::string& path, std::string why, std::string hint) {
    d_.error(at(path), "rule-never-matches", std::move(why), std::move(hint));
  }

  void rules() {
    if (t_.zones.empty()) return;
    const auto& rules = t_.policies.rules;
    for (size_t i = 0; i < rules.size(); ++i) {
      const PolicyRule& r = rules[i];
      if (!r.ok) continue;
      std::string path = fmt::format("policies.rules.{}", i);
      if (r.from == kGatewayZone) {
        d_.error(at(path + ".from"), "invalid-reference",
                 "rules filter traffic to the gateway, not from it",
                 "write 'to: gateway' for traffic to the gateway itself");
        continue;
      }
      const Zone* from = zone(r.from, path + ".from");
      const Zone* to = r.to == kGatewayZone ? nullptr : zone(r.to, path + ".to");
      if (!from || (!to && r.to != kGatewayZone)) continue;
      if (to == from) {
        never_matches(
            path + ".to",
            fmt::format("traffic inside zone '{}' is set by its 'intra', not by rules", r.from),
            fmt::format("set 'intra: accept' or 'intra: drop' on zone '{}'", r.from));
        continue;
      }
      if (from->ok && !has_networks(*from)) {
        never_matches(path + ".from", fmt::format("zone '{}' has no networks", r.from),
                      "add networks to the zone, or remove the rule");
        continue;
      }
      if (to && to->ok && !has_networks(*to)) {
        never_matches(path + ".to", fmt::format("zone '{}' has no networks", r.to),
                      "add networks to the zone, or remove the rule");
        continue;
      }
      if (!r.ports.empty() && r.protocol != RuleProtocol::kTcp &&
          r.protocol != RuleProtocol::kUdp) {
        never_matches(
            path + ".ports",
            fmt::format("ports on protocol '{}', which has no ports", to_string(r.protocol)),
            "add 'proto: tcp' or 'proto: udp', or remove 'ports'");
        continue;
      }
      if (r.source && from->ok && !source_possible(*from, *r.source)) {
        never_matches(
            path + ".source",
            fmt::format("source {} is in no network of zone '{}'", r.source->str(), r.from),
            "name an address of the zone's networks");
        continue;
      }
      for (size_t j = 0; j < i; ++j) {
        if (!rules[j].ok || !rule_covers(rules[j], r)) continue;
        d_.warning(at(path), "rule-shadowed",
                   fmt::format("policy rule #{} never decides anything: rule #{} matches first",
                               i + 1, j + 1),
                   "remove it, or move it before the broader rule");
        break;
      }
    }
  }

  const Topology& t_;
  Diagnostics& d_;
};

}  // namespace

void validate_zones(const Topology& topology, Diagnostics& diagnostics) {
  ZoneValidator(topology, diagnostics).run();
}

}  // namespace labgate
