#include "plan/nft_zones.h"

#include <algorithm>

#include <fmt/format.h>

#include "plan/text_quote.h"

namespace labgate {
namespace {

// Zone names are RFC 1123 labels: '_' cannot occur in them, so it separates the two.
std::string chain_name(const std::string& from, const std::string& to) {
  return to == kGatewayZone ? "in_" + from : fmt::format("fwd_{}_{}", from, to);
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

// `{ a, b }` for several items, `a` for one.
std::string set_or_one(const std::vector<std::string>& items) {
  return items.size() == 1 ? items.front() : "{ " + join(items) + " }";
}

std::string rule_line(const PlannedRule& r) {
  std::string text;
  auto add = [&](const std::string& part) { text += (text.empty() ? "" : " ") + part; };
  if (r.source)
    add(fmt::format("{} saddr {}", r.source->family() == IpFamily::kV4 ? "ip" : "ip6",
                    r.source->str()));
  std::vector<std::string> ports;
  for (uint16_t p : r.ports) ports.push_back(std::to_string(p));
  if (r.protocol == RuleProtocol::kTcp || r.protocol == RuleProtocol::kUdp)
    add(ports.empty() ? fmt::format("meta l4proto {}", to_string(r.protocol))
                      : fmt::format("{} dport {}", to_string(r.protocol), set_or_one(ports)));
  else if (r.protocol == RuleProtocol::kIcmp)
    add("meta l4proto { icmp, ipv6-icmp }");
  add(r.accept ? "accept" : "drop");
  add("comment " + nft_comment(r.comment));
  return "\t\t" + text + "\n";
}

// A pair's rules as nft lines, in order. Consecutive rules that differ only in their ports (same
// protocol, source and action, all with ports) become one rule over the union of their ports: the
// same first match, one set lookup instead of a scan (fw4 writes one rule per rule).
std::string rule_lines(const std::vector<PlannedRule>& rules) {
  std::string out;
  for (size_t i = 0; i < rules.size();) {
    PlannedRule merged = rules[i];
    size_t j = i + 1;
    auto mergeable = [&](const PlannedRule& r) {
      return !merged.ports.empty() && !r.ports.empty() && r.protocol == merged.protocol &&
             r.source == merged.source && r.accept == merged.accept;
    };
    for (; j < rules.size() && mergeable(rules[j]); ++j)
      for (uint16_t port : rules[j].ports)
        if (std::find(merged.ports.begin(), merged.ports.end(), port) == merged.ports.end())
          merged.ports.push_back(port);
    if (j > i + 1) {
      std::sort(merged.ports.begin(), merged.ports.end());
      merged.comment = fmt::format("{}-{}", rules[i].comment, rules[j - 1].index);
    }
    out += rule_line(merged);
    i = j;
  }
  return out;
}

// The end of a chain that drops: the rate-limited nflog line when logging, then the drop.
std::string drop_lines(const PolicyPlan& policy, const std::string& from, const std::string& to) {
  std::string out;
  if (policy.log_group != 0) {
    std::string prefix = fmt::format("labgate drop {}>{} ", from, to);
    if (prefix.size() > 120) prefix.resize(120);
    out += fmt::format("\t\tlimit rate {}/second log prefix {} group {}\n", policy.log_rate,
                       nft_comment(prefix), policy.log_group);
  }
  out += "\t\tdrop\n";
  return out;
}

// What the map sends a pair to: accept, drop, or its chain.
enum class PairShape { kAccept, kDrop, kChain };

PairShape shape_of(const PolicyPlan& policy, const ZonePairPolicy& p) {
  if (p.allows_all()) return PairShape::kAccept;
  bool accepts_some =
      std::any_of(p.rules.begin(), p.rules.end(), [](const PlannedRule& r) { return r.accept; });
  if (!accepts_some && policy.log_group == 0) return PairShape::kDrop;
  return PairShape::kChain;
}

std::string verdict(PairShape s, const std::string& chain) {
  return s == PairShape::kAccept ? "accept" : s == PairShape::kDrop ? "drop" : "jump " + chain;
}

// The intra verdict of zone `z` as a map verdict (its logging chain when logging drops).
std::string intra_verdict(const PolicyPlan& policy, const PolicyZone& z) {
  if (z.intra_accept) return "accept";
  return policy.log_group != 0 ? "jump " + chain_name(z.name, z.name) : "drop";
}

std::vector<std::string> all_interfaces(const PolicyPlan& policy) {
  std::vector<std::string> out;
  for (const auto& z : policy.zones)
    for (const auto& i : z.interfaces) out.push_back(nft_interface(i));
  return out;
}

}  // namespace

std::string nft_pair_chain(const std::string& from, const std::string& to) {
  return chain_name(from, to);
}

std::string nft_zone_maps(const PolicyPlan& policy) {
  std::string out = "\tmap zone_forward {\n\t\ttype ifname . ifname : verdict\n\t\telements = {\n";
  for (const auto& a : policy.zones)
    for (const auto& b : policy.zones) {
      const ZonePairPolicy* p = &a == &b ? nullptr : policy.pair(a.name, b.name);
      if (&a != &b && !p) continue;
      std::string v =
          p ? verdict(shape_of(policy, *p), chain_name(a.name, b.name)) : intra_verdict(policy, a);
      for (const auto& i : a.interfaces)
        for (const auto& o : b.interfaces)
          out += fmt::format("\t\t\t{} . {} : {},\n", nft_interface(i), nft_interface(o), v);
    }
  out += "\t\t}\n\t}\n\n";
  out += "\tmap zone_input {\n\t\ttype ifname : verdict\n\t\telements = {\n";
  for (const auto& z : policy.zones)
    for (const auto& i : z.interfaces)
      out +=
          fmt::format("\t\t\t{} : jump {},\n", nft_interface(i), chain_name(z.name, kGatewayZone));
  out += "\t\t}\n\t}\n\n";
  return out;
}

std::string nft_zone_forward_rules(const PolicyPlan& policy) {
  std::string ifaces = set_or_one(all_interfaces(policy));
  return fmt::format(
      "\t\tiifname . oifname vmap @zone_forward\n"
      "\t\tiifname {0} drop comment \"zone to a non-zone interface\"\n"
      "\t\toifname {0} drop comment \"non-zone interface to a zone\"\n",
      ifaces);
}

std::string nft_zone_chains(const PolicyPlan& policy) {
  std::string out =
      "\tchain input {\n"
      "\t\ttype filter hook input priority filter; policy accept;\n"
      "\t\tct state established,related accept\n"
      "\t\tiifname vmap @zone_input\n"
      "\t}\n\n";
  for (const auto& z : policy.zones) {
    out += fmt::format("\tchain {} {{\n", chain_name(z.name, kGatewayZone));
    for (const auto& s : policy.gateway_services) {
      std::vector<std::string> here;
      for (const auto& i : s.interfaces)
        if (std::find(z.interfaces.begin(), z.interfaces.end(), i) != z.interfaces.end())
          here.push_back(nft_interface(i));
      if (here.empty()) continue;
      std::string match =
          here.size() == z.interfaces.size() ? std::string() : "iifname " + set_or_one(here) + " ";
      out += fmt::format("\t\t{}{} dport {} accept comment {}\n", match, to_string(s.protocol),
                         s.port, nft_comment(s.name));
    }
    if (const ZonePairPolicy* p = policy.pair(z.name, kGatewayZone)) out += rule_lines(p->rules);
    out += drop_lines(policy, z.name, kGatewayZone);
    out += "\t}\n\n";
  }
  for (const auto& a : policy.zones)
    for (const auto& b : policy.zones) {
      if (&a == &b) {
        if (!a.intra_accept && policy.log_group != 0)
          out += fmt::format("\tchain {} {{\n{}\t}}\n\n", chain_name(a.name, a.name),
                             drop_lines(policy, a.name, a.name));
        continue;
      }
      const ZonePairPolicy* p = policy.pair(a.name, b.name);
      if (!p || shape_of(policy, *p) != PairShape::kChain) continue;
      out += fmt::format("\tchain {} {{\n", chain_name(a.name, b.name));
      out += rule_lines(p->rules);
      out += drop_lines(policy, a.name, b.name);
      out += "\t}\n\n";
    }
  return out;
}

}  // namespace labgate
