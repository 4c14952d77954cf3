#include "plan/nft_ruleset.h"

#include <tuple>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "plan/text_quote.h"

namespace labgate {
namespace {

// The nftables words that depend on the address family, in this one place: the keyword of
// matches and NAT statements (`ip` / `ip6`), the address type of map keys and values
// (`ipv4_addr` / `ipv6_addr`), and the tag in a map's name (IPv4's maps keep their names).
struct NftFamilyWords {
  const char* ip;
  const char* addr;
  const char* map_tag;
};

NftFamilyWords nft_words(IpFamily f) {
  return f == IpFamily::kV4 ? NftFamilyWords{"ip", "ipv4_addr", ""}
                            : NftFamilyWords{"ip6", "ipv6_addr", "6"};
}

// A forward's family is its listen address's (validation keeps a forward within one family).
std::vector<const ResolvedForward*> kernel_forwards_of(const ForwardingPlan& plan, IpFamily family,
                                                       Protocol p, bool snat_always_only) {
  std::vector<const ResolvedForward*> out;
  for (const ResolvedForward* f : plan.kernel_forwards())
    if (f->listen_address.family() == family && f->protocol == p &&
        (!snat_always_only || f->snat == SnatMode::kAlways))
      out.push_back(f);
  return out;
}

std::string map_name(const char* kind, IpFamily family, Protocol p) {
  return fmt::format("{}{}_{}", kind, nft_words(family).map_tag, to_string(p));
}

// Writes `map NAME { ... }` with one element per line and the forward it comes from as a comment.
void write_map(std::string& out, const std::string& name, const std::string& type,
               const std::vector<const ResolvedForward*>& forwards,
               std::string (*element)(const ResolvedForward&)) {
  out += fmt::format("\tmap {} {{\n\t\ttype {}\n\t\telements = {{\n", name, type);
  for (const ResolvedForward* f : forwards)
    out += fmt::format("\t\t\t{}, # {}\n", element(*f),
                       comment_line_text(fmt::format("{}:{} -> {}:{}", f->listen_network,
                                                     f->listen_port, f->service, f->service_port)));
  out += "\t\t}\n\t}\n\n";
}

// The counter of a forward: its listen network, port and protocol, with the family's tag.
std::string counter_name(const ResolvedForward& f) {
  std::string network = f.listen_network;
  for (char& c : network)
    if (c == '-') c = '_';  // network names are RFC 1123 labels: no '_' of their own to clash with
  return fmt::format("fwd{}_{}_{}_{}", nft_words(f.listen_address.family()).map_tag, network,
                     f.listen_port, to_string(f.protocol));
}

std::string counter_element(const ResolvedForward& f) {
  return fmt::format("{} . {} : \"{}\"", f.listen_address.str(), f.listen_port, counter_name(f));
}

std::string dnat_element(const ResolvedForward& f) {
  return fmt::format("{} . {} : {} . {}", f.listen_address.str(), f.listen_port,
                     f.backend_address.str(), f.backend_port);
}

std::string snat_element(const ResolvedForward& f) {
  return fmt::format("{} . {} : {}", f.listen_address.str(), f.listen_port,
                     f.backend_gateway.str());
}

}  // namespace

std::string nft_forward_counter_name(const ResolvedForward& forward) {
  return counter_name(forward);
}

std::string nft_replace_preamble() {
  return fmt::format("table {0} {1} {{}}\ndelete table {0} {1}\n", kNftFamily, kNftTable);
}

std::string compile_nft_table(const ForwardingPlan& plan) {
  std::string out = fmt::format("table {} {} {{\n", kNftFamily, kNftTable);

  // Maps. A map exists only when it has elements (nft cannot look up an undeclared map, and an
  // empty map would be a lookup that never matches).
  std::vector<std::pair<IpFamily, Protocol>> dnat_maps, snat_maps;
  for (IpFamily family : {IpFamily::kV4, IpFamily::kV6}) {
    const char* addr = nft_words(family).addr;
    for (Protocol p : {Protocol::kTcp, Protocol::kUdp}) {
      auto dnat = kernel_forwards_of(plan, family, p, false);
      if (dnat.empty()) continue;
      dnat_maps.emplace_back(family, p);
      write_map(out, map_name("dnat", family, p),
                fmt::format("{0} . inet_service : {0} . inet_service", addr), dnat, dnat_element);
      // One named counter per forward, found by the flow's original destination (the listener):
      // one more hash lookup per packet of a forwarded flow, whatever the number of forwards.
      for (const ResolvedForward* f : dnat)
        out += fmt::format("\tcounter {} {{ # {}\n\t}}\n\n", counter_name(*f),
                           comment_line_text(f->label()));
      write_map(out, map_name("fwdcount", family, p),
                fmt::format("{} . inet_service : counter", addr), dnat, counter_element);
      auto snat = kernel_forwards_of(plan, family, p, true);
      if (snat.empty()) continue;
      snat_maps.emplace_back(family, p);
      write_map(out, map_name("snat", family, p), fmt::format("{0} . inet_service : {0}", addr),
                snat, snat_element);
    }
  }

  // DNAT of traffic through the gateway, and of the gateway's own connections to its forwards.
  // Priority -100 is dstnat (the name is not accepted on the output hook).
  for (auto [chain, hook, priority] :
       {std::tuple{"prerouting", "prerouting", "dstnat"}, std::tuple{"output", "output", "-100"}}) {
    out += fmt::format("\tchain {} {{\n\t\ttype nat hook {} priority {}; policy accept;\n", chain,
                       hook, priority);
    for (auto [family, p] : dnat_maps)
      out += fmt::format("\t\tmeta l4proto {0} dnat {1} to {1} daddr . {0} dport map @{2}\n",
                         to_string(p), nft_words(family).ip, map_name("dnat", family, p));
    out += "\t}\n\n";
  }

  out +=
      "\tchain forward {\n"
      "\t\ttype filter hook forward priority filter; policy accept;\n";
  // Counted first, both directions of every packet of a forwarded flow (replies included).
  for (auto [family, p] : dnat_maps)
    out += fmt::format(
        "\t\tmeta l4proto {0} ct status dnat counter name ct original {1} daddr . ct original "
        "proto-dst map @{2}\n",
        to_string(p), nft_words(family).ip, map_name("fwdcount", family, p));
  out +=
      "\t\tct state established,related accept\n"
      "\t\tct state invalid drop\n"
      "\t\tct status dnat accept comment \"forwarded\"\n";
  for (const MasqueradeRule& m : plan.masquerade)
    out += fmt::format("\t\tiifname {} oifname {} accept comment {}\n", nft_interface(m.interface),
                       nft_interface(m.uplink_interface), nft_comment(m.network + " egress"));
  for (const NetworkPolicy& n : plan.networks)
    if (n.inbound == InboundPolicy::kDrop)
      out += fmt::format("\t\tiifname != {0} oifname {0} ct state new drop comment {1}\n",
                         nft_interface(n.interface), nft_comment(n.network + " inbound drop"));
  out += "\t}\n\n";

  out += "\tchain postrouting {\n\t\ttype nat hook postrouting priority srcnat; policy accept;\n";
  for (auto [family, p] : snat_maps)
    out += fmt::format(
        "\t\tmeta l4proto {0} ct status dnat snat {1} to ct original {1} daddr . ct original "
        "proto-dst map @{2}\n",
        to_string(p), nft_words(family).ip, map_name("snat", family, p));
  for (const HairpinRule& h : plan.hairpin)
    out += fmt::format(
        "\t\tct status dnat {4} saddr {0} {4} daddr {0} oifname {1} snat {4} to {2} comment {3}\n",
        h.subnet.str(), nft_interface(h.interface), h.gateway.str(),
        nft_comment(h.network + " hairpin"), nft_words(h.subnet.family()).ip);
  for (const MasqueradeRule& m : plan.masquerade)
    out += fmt::format("\t\t{} saddr {} oifname {} masquerade comment {}\n",
                       nft_words(m.source.family()).ip, m.source.str(),
                       nft_interface(m.uplink_interface), nft_comment(m.network + " masquerade"));
  out += "\t}\n}\n";
  return out;
}

std::string compile_nft_script(const ForwardingPlan& plan, std::string_view source_name) {
  std::string out = fmt::format(
      "#!/usr/sbin/nft -f\n"
      "# Generated by labgate from {}. Do not edit: labgate replaces this table as a whole.\n",
      comment_line_text(source_name));
  for (const Sysctl& s : plan.sysctls)
    out += fmt::format("# labgate apply also sets sysctl {}={}\n", s.name, s.value);
  out += nft_replace_preamble();
  out += compile_nft_table(plan);
  return out;
}

}  // namespace labgate
