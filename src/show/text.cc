#include "show/text.h"

#include <algorithm>
#include <string_view>

#include <fmt/format.h>

#include "show/diagram.h"
#include "show/format.h"
#include "show/zones.h"

namespace labgate::show {
namespace {

const char* yes_no(bool b) {
  return b ? "yes" : "no";
}

std::string describe(const Topology& t, const AddressPlanEntry& e) {
  switch (e.role) {
    case AddressRole::kGateway: {
      const Network* n = nullptr;
      for (const auto& net : t.networks)
        if (net.ok && net.address == e.range.first) n = &net;
      return n ? fmt::format("this gateway, on {}", n->interface) : "this gateway";
    }
    case AddressRole::kRouter:
      return "next hop to the internet";
    case AddressRole::kHost:
      return "";
    case AddressRole::kVirtualIp:
      return e.held_by.empty() ? "virtual IP" : "held by " + e.held_by;
    case AddressRole::kPool:
    case AddressRole::kFree:
      return fmt::format("{} address{}", e.range.size(), e.range.size() == 1 ? "" : "es");
    case AddressRole::kService: {
      std::string d = port_list(e.ports);
      if (!e.host.empty()) d += "; on " + e.host;
      if (!e.pool.empty()) d += "; in pool " + e.pool;
      return d;
    }
  }
  return "";
}

// A list of networks from the dns section; empty means every network (docs/config.md).
std::string networks_or_all(const std::vector<std::string>& networks) {
  return networks.empty() ? "every network" : fmt::format("{}", fmt::join(networks, ", "));
}

std::string view_cell(const DnsView& v) {
  if (!v.address) return "REFUSED";
  return fmt::format("{} ({})", v.address->str(), to_string(v.kind));
}

// The DNS views as one block per name: "NAME -> SERVICE", then one line per client network.
std::string dns_list(const DnsViewTable& views) {
  std::string out;
  for (const auto& row : views.names) {
    out += fmt::format("  {} → {}\n", row.fqdn, row.service);
    TextTable lines("    ");
    for (size_t i = 0; i < row.views.size(); ++i)
      lines.add_row({"from " + views.networks[i], view_cell(row.views[i])});
    out += lines.render();
  }
  return out;
}

}  // namespace

std::string render_networks(const Plan& p) {
  // With zones the last column is the network's zone: `inbound` is not used then.
  const bool zones = p.policy.explicit_zones;
  TextTable table;
  table.add_row({"NAME", "INTERFACE", "SUBNET", "GATEWAY", "ROUTER", "UPLINK", "MASQUERADE",
                 zones ? "ZONE" : "INBOUND"});
  for (const auto& n : p.networks) {
    const PolicyZone* zone = zones ? p.policy.zone_of_network(n.name) : nullptr;
    table.add_row({n.name, n.interface, n.subnet.str(), n.gateway.str(),
                   n.router ? n.router->str() : "-", yes_no(n.uplink), yes_no(n.masquerade),
                   zones ? (zone ? zone->name : "-") : to_string(n.inbound)});
  }
  return fmt::format("NETWORKS (gateway {})\n{}", p.dns.gateway_name, table.render());
}

std::string render_address_plan(const Topology& t, const Plan& p) {
  std::string out = "ADDRESS PLAN\n";
  bool first = true;
  for (const auto& plan : p.addresses) {
    if (!first) out += "\n";
    first = false;
    out += fmt::format("  {}  {}  ({} assignable, {} used, {} free)\n", plan.network,
                       plan.subnet.str(), plan.assignable, plan.used, plan.free());
    TextTable table("    ");
    table.add_row({"ROLE", "ADDRESS", "NAME", "DESCRIPTION"});
    for (const auto& e : plan.entries)
      table.add_row({to_string(e.role), compact_range(e.range), e.name, describe(t, e)});
    out += table.render();
  }
  return out;
}

std::string render_forwards(const Plan& p) {
  const auto& rows = p.forwarding.forwards;
  if (rows.empty()) return "FORWARDS\n  none\n";
  TextTable table;
  table.add_row({"LISTEN", "", "TO", "DATAPATH", "SNAT"});
  for (const auto& f : rows)
    table.add_row({fmt::format("{} {}:{}/{}", f.listen_network, f.listen_address.str(),
                               f.listen_port, to_string(f.protocol)),
                   "→",
                   fmt::format("{} {}:{} ({})", f.service, f.backend_address.str(), f.backend_port,
                               f.service_port),
                   to_string(f.datapath), f.snat == SnatMode::kAlways ? "always" : "hairpin only"});
  return "FORWARDS\n" + table.render();
}

std::string render_dns(const Topology& t, const Plan& p) {
  if (!t.dns.enabled) return "DNS\n  no 'dns' section: labgate serves no names\n";
  std::vector<std::string> upstreams;
  for (const auto& u : t.dns.upstreams) upstreams.push_back(u.str());
  std::string out =
      fmt::format("DNS\n  zone {}, ttl {}s, upstreams {}\n", t.dns.zone, t.dns.ttl,
                  upstreams.empty() ? "none" : fmt::format("{}", fmt::join(upstreams, ", ")));
  out += fmt::format("  served on {}; recursion for clients on {}\n", networks_or_all(t.dns.listen),
                     t.dns.recursion_listed && t.dns.recursion.empty()
                         ? std::string("no network")
                         : networks_or_all(t.dns.recursion));
  const DnsViewTable& views = p.dns.views;
  if (views.names.empty()) return out + "  no names\n";
  TextTable table;
  std::vector<std::string> header = {"NAME", "SERVICE"};
  for (const auto& n : views.networks) header.push_back("FROM " + n);
  table.add_row(std::move(header));
  for (const auto& row : views.names) {
    std::vector<std::string> cells = {row.fqdn, row.service};
    for (const auto& v : row.views) cells.push_back(view_cell(v));
    table.add_row(std::move(cells));
  }
  std::string matrix = table.render();
  // One column per network fits the seed; with many networks, a list per name stays readable.
  out += max_line_width(matrix) <= kTextWidth ? matrix : dns_list(views);
  out +=
      "  (service) the service's own address: the client is on its network\n"
      "  (gateway) the gateway's address on the client's network, where forwards to it listen\n"
      "  REFUSED   no answer: no forward on the client's network reaches the service\n";
  return out;
}

std::string render_text(const Topology& t, const Plan& p) {
  // The zones follow the networks they group; without `zones:` there is nothing to add.
  std::string zones = render_zones(p);
  return fmt::format("{}\n{}{}{}\n{}\n{}\nDIAGRAM\n{}", render_networks(p), zones,
                     zones.empty() ? "" : "\n", render_address_plan(t, p), render_forwards(p),
                     render_dns(t, p), render_diagram(p));
}

}  // namespace labgate::show
