#include "plan/nft_ruleset.h"

#include <tuple>
#include <vector>

#include <fmt/format.h>

#include "plan/text_quote.h"

namespace labgate {
namespace {

const char* proto_name(Protocol p) {
  return p == Protocol::kUdp ? "udp" : "tcp";
}

std::vector<const ResolvedForward*> kernel_forwards_of(const ForwardingPlan& plan, Protocol p,
                                                       bool snat_always_only) {
  std::vector<const ResolvedForward*> out;
  for (const ResolvedForward* f : plan.kernel_forwards())
    if (f->protocol == p && (!snat_always_only || f->snat == SnatMode::kAlways)) out.push_back(f);
  return out;
}

// Writes `map NAME { ... }` with one element per line and the forward it comes from as a comment.
void write_map(std::string& out, const std::string& name, const char* type,
               const std::vector<const ResolvedForward*>& forwards,
               std::string (*element)(const ResolvedForward&)) {
  out += fmt::format("\tmap {} {{\n\t\ttype {}\n\t\telements = {{\n", name, type);
  for (const ResolvedForward* f : forwards)
    out += fmt::format("\t\t\t{}, # {}\n", element(*f),
                       comment_line_text(fmt::format("{}:{} -> {}:{}", f->listen_network,
                                                     f->listen_port, f->service, f->service_port)));
  out += "\t\t}\n\t}\n\n";
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

std::string nft_replace_preamble() {
  return fmt::format("table {0} {1} {{}}\ndelete table {0} {1}\n", kNftFamily, kNftTable);
}

std::string compile_nft_table(const ForwardingPlan& plan) {
  std::string out = fmt::format("table {} {} {{\n", kNftFamily, kNftTable);

  // Maps. A map exists only when it has elements (nft cannot look up an undeclared map, and an
  // empty map would be a lookup that never matches).
  std::vector<Protocol> dnat_protocols, snat_protocols;
  for (Protocol p : {Protocol::kTcp, Protocol::kUdp}) {
    auto dnat = kernel_forwards_of(plan, p, false);
    if (dnat.empty()) continue;
    dnat_protocols.push_back(p);
    write_map(out, fmt::format("dnat_{}", proto_name(p)),
              "ipv4_addr . inet_service : ipv4_addr . inet_service", dnat, dnat_element);
    auto snat = kernel_forwards_of(plan, p, true);
    if (snat.empty()) continue;
    snat_protocols.push_back(p);
    write_map(out, fmt::format("snat_{}", proto_name(p)), "ipv4_addr . inet_service : ipv4_addr",
              snat, snat_element);
  }

  // DNAT of traffic through the gateway, and of the gateway's own connections to its forwards.
  // Priority -100 is dstnat (the name is not accepted on the output hook).
  for (auto [chain, hook, priority] :
       {std::tuple{"prerouting", "prerouting", "dstnat"}, std::tuple{"output", "output", "-100"}}) {
    out += fmt::format("\tchain {} {{\n\t\ttype nat hook {} priority {}; policy accept;\n", chain,
                       hook, priority);
    for (Protocol p : dnat_protocols)
      out += fmt::format("\t\tmeta l4proto {0} dnat ip to ip daddr . {0} dport map @dnat_{0}\n",
                         proto_name(p));
    out += "\t}\n\n";
  }

  out +=
      "\tchain forward {\n"
      "\t\ttype filter hook forward priority filter; policy accept;\n"
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
  for (Protocol p : snat_protocols)
    out += fmt::format(
        "\t\tmeta l4proto {0} ct status dnat snat ip to ct original ip daddr . ct original "
        "proto-dst map @snat_{0}\n",
        proto_name(p));
  for (const HairpinRule& h : plan.hairpin)
    out += fmt::format(
        "\t\tct status dnat ip saddr {0} ip daddr {0} oifname {1} snat ip to {2} comment {3}\n",
        h.subnet.str(), nft_interface(h.interface), h.gateway.str(),
        nft_comment(h.network + " hairpin"));
  for (const MasqueradeRule& m : plan.masquerade)
    out += fmt::format("\t\tip saddr {} oifname {} masquerade comment {}\n", m.source.str(),
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
