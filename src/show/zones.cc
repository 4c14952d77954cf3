#include "show/zones.h"

#include <algorithm>
#include <string_view>

#include <fmt/format.h>

#include "show/format.h"
#include "show/text.h"

namespace labgate::show {
namespace {

// A source prefix as the file writes it: one address without "/32".
std::string source_text(const IpPrefix& p) {
  return p.length == p.network.bit_width() ? p.network.str() : p.str();
}

bool matches_everything(const PlannedRule& r) {
  return r.protocol == RuleProtocol::kAny && r.ports.empty() && !r.source;
}

std::string zones_table(const Plan& plan) {
  TextTable table;
  table.add_row({"ZONE", "NETWORK", "INTERFACE", "VLAN", "SUBNET", "INTRA"});
  for (const auto& z : plan.policy.zones) {
    if (z.networks.empty())
      table.add_row({z.name, "-", "", "", "", z.intra_accept ? "accept" : "drop"});
    for (size_t i = 0; i < z.networks.size(); ++i) {
      const PlannedNetwork* n = plan.network(z.networks[i]);
      if (!n) continue;
      table.add_row({i == 0 ? z.name : "", n->uplink ? n->name + " (uplink)" : n->name,
                     n->interface, vlan_text(*n), n->subnet.str(),
                     i == 0 ? (z.intra_accept ? "accept" : "drop") : ""});
    }
  }
  return "ZONES\n" + table.render();
}

// The matrix, rows from-zone and columns to-zone; when it is wider than the terminal (many
// zones), a list of the pairs that accept something instead.
std::string policy_matrix(const PolicyPlan& policy) {
  TextTable table;
  std::vector<std::string> header = {"FROM \\ TO"};
  for (const auto& z : policy.zones) header.push_back(z.name);
  table.add_row(std::move(header));
  for (const auto& from : policy.zones) {
    std::vector<std::string> cells = {from.name};
    for (const auto& to : policy.zones) {
      const ZonePairPolicy* p = policy.pair(from.name, to.name);
      cells.push_back(&from == &to ? intra_text(from) : p ? pair_text(*p) : "drop");
    }
    table.add_row(std::move(cells));
  }
  std::string matrix = table.render();
  if (max_line_width(matrix) <= kTextWidth) return matrix;
  TextTable list;
  for (const auto& z : policy.zones) list.add_row({z.name, "↔", z.name, intra_text(z)});
  for (const auto& p : policy.pairs)
    if (p.to != kGatewayZone && !p.rules.empty()) list.add_row({p.from, "→", p.to, pair_text(p)});
  return list.render() + "  every other pair: drop\n";
}

std::string policies_section(const PolicyPlan& policy) {
  std::string out =
      "POLICIES (new connections between zones; replies and forwarded flows always pass)\n" +
      policy_matrix(policy);
  if (policy.log_group)
    out += fmt::format(
        "  dropped new connections are logged to nflog group {}, at most {} a "
        "second per chain\n",
        policy.log_group, policy.log_rate);
  return out;
}

std::string gateway_section(const Plan& plan) {
  const PolicyPlan& policy = plan.policy;
  TextTable table;
  table.add_row({"FROM", "RULES", "OPEN SERVICES"});
  for (const auto& z : policy.zones) {
    const ZonePairPolicy* p = policy.pair(z.name, kGatewayZone);
    std::vector<std::string> services;
    for (const auto& s : open_services(policy, z)) services.push_back(s.text);
    table.add_row({z.name, p ? pair_text(*p) : "drop",
                   services.empty() ? "-" : fmt::format("{}", fmt::join(services, ", "))});
  }
  return fmt::format(
      "GATEWAY INPUT (new connections to the gateway, {}, itself; open services come first)\n{}",
      plan.dns.gateway_name, table.render());
}

}  // namespace

std::string rule_text(const PlannedRule& r) {
  std::string text;
  if (matches_everything(r)) return r.accept ? "accept" : "drop";
  if (!r.ports.empty())
    text = fmt::format("{}/{}", fmt::join(r.ports, ","), to_string(r.protocol));
  else if (r.protocol != RuleProtocol::kAny)
    text = to_string(r.protocol);
  else
    text = "any";
  if (r.source) text += " from " + source_text(*r.source);
  return r.accept ? text : "drop " + text;
}

std::string pair_text(const ZonePairPolicy& pair) {
  bool accepts = std::any_of(pair.rules.begin(), pair.rules.end(),
                             [](const PlannedRule& r) { return r.accept; });
  if (!accepts) return "drop";
  if (pair.allows_all()) return "accept";
  std::vector<std::string> rules;
  for (const auto& r : pair.rules) rules.push_back(rule_text(r));
  return fmt::format("{}", fmt::join(rules, "; "));
}

std::string intra_text(const PolicyZone& zone) {
  return zone.intra_accept ? "intra: accept" : "intra: drop";
}

std::string vlan_text(const PlannedNetwork& n) {
  return n.vlan ? fmt::format("{} on {}", n.vlan->id, n.vlan->trunk) : "-";
}

std::vector<OpenService> open_services(const PolicyPlan& policy, const PolicyZone& zone) {
  std::vector<OpenService> out;
  for (const auto& s : policy.gateway_services) {
    std::vector<std::string> networks;
    for (size_t i = 0; i < zone.interfaces.size() && i < zone.networks.size(); ++i)
      if (std::find(s.interfaces.begin(), s.interfaces.end(), zone.interfaces[i]) !=
          s.interfaces.end())
        networks.push_back(zone.networks[i]);
    if (networks.empty()) continue;
    auto same = std::find_if(out.begin(), out.end(), [&](const OpenService& o) {
      return o.name == s.name && o.port == s.port && o.networks == networks;
    });
    if (same == out.end()) {
      out.push_back({s.name, s.port, {}, networks, ""});
      same = out.end() - 1;
    }
    same->protocols.push_back(to_string(s.protocol));
  }
  for (auto& o : out) {
    o.text = fmt::format("{} {}/{}", o.name, o.port, fmt::join(o.protocols, "+"));
    if (o.networks.size() < zone.networks.size())
      o.text += fmt::format(" on {}", fmt::join(o.networks, ","));
  }
  return out;
}

std::string render_zones(const Plan& plan) {
  if (!plan.policy.explicit_zones) return "";
  return fmt::format("{}\n{}\n{}", zones_table(plan), policies_section(plan.policy),
                     gateway_section(plan));
}

}  // namespace labgate::show
