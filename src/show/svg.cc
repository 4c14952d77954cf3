#include "show/svg.h"

#include <algorithm>
#include <iterator>
#include <utility>

#include <fmt/format.h>

#include "show/format.h"
#include "show/zones.h"

namespace labgate::show {
namespace {

// Text is 13px monospace: about 0.6em per character, so a column's width follows from its
// longest cell without measuring fonts (none is loaded; the renderer's own monospace is used).
constexpr double kCharWidth = 7.9;
constexpr int kLine = 18;      // baseline to baseline
constexpr int kPad = 10;       // inside a panel
constexpr int kLeft = 20;      // panels' left edge
constexpr int kTrunk = 48;     // the vertical line that links the panels
constexpr int kGap = 26;       // between panels
constexpr int kColumnGap = 2;  // characters between the columns of a panel's table

using Row = std::vector<std::string>;

// Rows of cells in aligned columns, under an optional heading line.
struct Table {
  std::string heading;
  std::vector<Row> rows;
  std::vector<int> row_zones;  // per row, when set: the zone whose colour its first cell takes
};

// One box of the picture: a title line and its tables.
struct Panel {
  std::string id;     // the element id: "lg-gateway", "lg-net-lan", "lg-dns" (prefixed: the
                      // status page inlines the picture, and its own ids must not clash)
  std::string kind;   // CSS class: internet, router, net, gateway, dns
  std::string title;  // bold first line
  std::vector<Table> tables;
  bool linked_above = true;  // the trunk reaches it from the panel above
  bool fit = false;          // as wide as its text (else as wide as the widest panel)
  int zone = -1;             // a network's zone (index in the policy's zones): a coloured stripe
};

// The stripes that tell the zones apart (cycled when there are more zones); the zones panel
// repeats each zone's colour beside its name.
constexpr const char* kZoneColours[] = {"#d1495b", "#edae49", "#00798c",
                                        "#66a182", "#8d6cab", "#30638e"};
constexpr int kStripe = 6;

const char* zone_colour(int zone) {
  return kZoneColours[static_cast<size_t>(zone) % std::size(kZoneColours)];
}

std::string escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::vector<size_t> column_widths(const Table& t) {
  std::vector<size_t> widths;
  for (const auto& row : t.rows) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], display_width(row[i]));
  }
  return widths;
}

int panel_width(const Panel& p) {
  size_t chars = display_width(p.title);
  for (const auto& t : p.tables) {
    std::vector<size_t> widths = column_widths(t);
    size_t table = 0;
    for (size_t i = 0; i < widths.size(); ++i) table += widths[i] + (i ? kColumnGap : 0);
    chars = std::max({chars, table, display_width(t.heading)});
  }
  return static_cast<int>(chars * kCharWidth) + 2 * kPad;
}

size_t line_count(const Panel& p) {
  size_t n = 1;
  for (const auto& t : p.tables) n += t.rows.size() + (t.heading.empty() ? 0 : 1);
  return n;
}

int panel_height(const Panel& p) {
  return kPad + kLine * static_cast<int>(line_count(p)) + kPad / 2;
}

// With zones, the zone replaces `inbound` (which the file cannot set then) and a VLAN is named.
std::string network_title(const PlannedNetwork& n, const PolicyZone* zone) {
  std::string flags = n.uplink ? "uplink"
                      : zone   ? std::string()
                               : fmt::format("inbound {}", to_string(n.inbound));
  if (n.masquerade) flags += flags.empty() ? "masquerade" : ", masquerade";
  std::string title = fmt::format("{} · {}", n.name, n.subnet.str());
  if (n.vlan) title += fmt::format(" · VLAN {}", vlan_text(n));
  if (!flags.empty()) title += " · " + flags;
  if (zone) title += " · zone " + zone->name;
  return title;
}

// The zone of a network in a file with `zones:`, with its index; {nullptr, -1} otherwise.
std::pair<const PolicyZone*, int> zone_of(const Plan& plan, const std::string& network) {
  if (!plan.policy.explicit_zones) return {nullptr, -1};
  const PolicyZone* z = plan.policy.zone_of_network(network);
  return {z, z ? static_cast<int>(z - plan.policy.zones.data()) : -1};
}

// A network: the gateway's address on it, then its hosts, services and pools (services inside a
// pool indented under it), as in the text diagram.
Panel network_panel(const Plan& full, const PlannedNetwork& n, const NetworkAddressPlan* plan) {
  auto [zone, zone_index] = zone_of(full, n.name);
  Panel p{"lg-net-" + n.name, "net", network_title(n, zone), {Table{}}};
  p.zone = zone_index;
  std::vector<Row>& rows = p.tables.back().rows;
  rows.push_back({n.gateway.str(), "gateway", "on " + n.interface});
  if (!plan) return p;
  auto row = [](const AddressPlanEntry& e, const char* indent) {
    return Row{indent + compact_range(e.range), e.name,
               (e.role == AddressRole::kHost ? std::string("host") : member_detail(e))};
  };
  for (const auto& e : plan->entries) {
    bool top = e.role == AddressRole::kHost || e.role == AddressRole::kVirtualIp ||
               e.role == AddressRole::kPool || (e.role == AddressRole::kService && e.pool.empty());
    if (!top) continue;
    rows.push_back(row(e, ""));
    if (e.role != AddressRole::kPool) continue;
    for (const auto& s : plan->entries)
      if (s.role == AddressRole::kService && s.pool == e.name) rows.push_back(row(s, "└ "));
  }
  return p;
}

Panel gateway_panel(const Plan& plan) {
  Panel p{"lg-gateway", "gateway", plan.dns.gateway_name + " (labgate)", {Table{}}};
  for (const auto& n : plan.networks)
    p.tables[0].rows.push_back({n.interface, n.name, n.gateway.str(),
                                n.uplink ? "uplink" : (n.masquerade ? "masquerade" : "")});
  if (plan.forwarding.forwards.empty()) return p;
  p.tables.push_back({"forwards", {}, {}});
  for (const auto& f : plan.forwarding.forwards) {
    std::vector<std::string> targets;
    for (const auto& target : f.targets())
      targets.push_back(fmt::format("{}:{}", target.service, target.service_port));
    p.tables[1].rows.push_back(
        {fmt::format("{}:{}/{}", f.listen_network, f.listen_port, to_string(f.protocol)), "→",
         fmt::format("{}", fmt::join(targets, ", ")),
         f.datapath == Datapath::kProxy ? "via proxy" : "via kernel"});
  }
  return p;
}

std::string view_text(const std::string& network, const DnsView& v) {
  if (v.kind == DnsAnswerKind::kRefused || !v.address) return network + ": REFUSED";
  return fmt::format("{}: {}", network, v.address->str());
}

// The zones of a file with `zones:`: each with its networks and colour, the policy matrix (rows
// from, columns to) and what each zone may open on the gateway itself.
Panel zones_panel(const Plan& plan) {
  const PolicyPlan& policy = plan.policy;
  Panel p{"lg-zones", "zones", "Zones · new connections; what no rule accepts is dropped", {}};
  p.linked_above = false;
  Table zones{"zones", {}, {}};
  for (const auto& z : policy.zones) {
    std::vector<std::string> networks;
    for (const auto& name : z.networks) {
      const PlannedNetwork* n = plan.network(name);
      networks.push_back(n && n->vlan ? fmt::format("{} (VLAN {})", name, n->vlan->id) : name);
    }
    zones.rows.push_back(
        {"■ " + z.name, fmt::format("{}", fmt::join(networks, ", ")), intra_text(z)});
    zones.row_zones.push_back(static_cast<int>(zones.row_zones.size()));
  }
  Table matrix{"policy (from ↓, to →)", {}, {}};
  Row header = {""};
  for (const auto& z : policy.zones) header.push_back(z.name);
  matrix.rows.push_back(std::move(header));
  for (const auto& from : policy.zones) {
    Row cells = {from.name};
    for (const auto& to : policy.zones) {
      const ZonePairPolicy* pair = policy.pair(from.name, to.name);
      cells.push_back(&from == &to ? intra_text(from) : pair ? pair_text(*pair) : "drop");
    }
    matrix.rows.push_back(std::move(cells));
  }
  Table gateway{"to " + plan.dns.gateway_name + " itself", {}, {}};
  for (const auto& z : policy.zones) {
    const ZonePairPolicy* pair = policy.pair(z.name, kGatewayZone);
    std::vector<std::string> open;
    for (const auto& s : open_services(policy, z)) open.push_back(s.text);
    gateway.rows.push_back({z.name, pair ? pair_text(*pair) : "drop",
                            open.empty() ? "" : fmt::format("open: {}", fmt::join(open, ", "))});
  }
  p.tables = {std::move(zones), std::move(matrix), std::move(gateway)};
  return p;
}

Panel dns_panel(const Plan& plan) {
  const DnsPlan& dns = plan.dns;
  std::vector<std::string> upstreams;
  for (const auto& u : dns.upstreams) upstreams.push_back(u.str());
  Panel p{"lg-dns",
          "dns",
          fmt::format("DNS · zone {} · ttl {}s · upstreams {}", dns.zone, dns.ttl,
                      upstreams.empty() ? "none" : fmt::format("{}", fmt::join(upstreams, ", "))),
          {Table{}}};
  p.linked_above = false;
  std::vector<Row>& rows = p.tables[0].rows;
  for (const auto& row : dns.views.names) {
    Row cells = {row.fqdn, "→", row.service};
    for (size_t i = 0; i < row.views.size() && i < dns.views.networks.size(); ++i)
      cells.push_back(view_text(dns.views.networks[i], row.views[i]));
    rows.push_back(std::move(cells));
  }
  if (dns.views.names.empty()) rows.push_back({"no names"});
  return p;
}

std::string draw(const Panel& p, int y, int width) {
  const int h = panel_height(p);
  if (p.fit) width = panel_width(p);
  std::string out = fmt::format("<g id=\"{}\" class=\"{}\">\n", escape(p.id), p.kind);
  out += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"6\"/>\n", kLeft, y,
                     width, h);
  if (p.zone >= 0)
    out += fmt::format(
        "<rect class=\"zone-stripe\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" "
        "style=\"fill:{};stroke:none\"/>\n",
        kLeft + 1, y + 1, kStripe, h - 2, zone_colour(p.zone));
  int base = y + kPad + 13;
  out += fmt::format("<text class=\"title\" x=\"{}\" y=\"{}\">{}</text>\n", kLeft + kPad, base,
                     escape(p.title));
  for (const auto& t : p.tables) {
    if (!t.heading.empty()) {
      base += kLine;
      out += fmt::format("<text class=\"heading\" x=\"{}\" y=\"{}\">{}</text>\n", kLeft + kPad,
                         base, escape(t.heading));
    }
    std::vector<size_t> widths = column_widths(t);
    for (size_t r = 0; r < t.rows.size(); ++r) {
      const Row& row = t.rows[r];
      base += kLine;
      out += fmt::format("<text y=\"{}\">", base);
      size_t at = 0;
      for (size_t i = 0; i < row.size(); ++i) {
        // The zone's colour as a style: it must win over the stylesheet's text fill.
        std::string colour = i == 0 && r < t.row_zones.size()
                                 ? fmt::format(" style=\"fill:{}\"", zone_colour(t.row_zones[r]))
                                 : "";
        if (!row[i].empty())
          out += fmt::format("<tspan x=\"{:.1f}\"{}>{}</tspan>", kLeft + kPad + at * kCharWidth,
                             colour, escape(row[i]));
        at += widths[i] + kColumnGap;
      }
      out += "</text>\n";
    }
  }
  return out + "</g>\n";
}

}  // namespace

std::string render_svg(const Plan& plan) {
  std::vector<Panel> panels;
  const PlannedNetwork* up = plan.uplink();
  auto plan_of = [&](const std::string& name) -> const NetworkAddressPlan* {
    for (const auto& a : plan.addresses)
      if (a.network == name) return &a;
    return nullptr;
  };
  if (up) {
    if (up->router) {
      panels.push_back({"lg-internet", "internet", "Internet", {}, false, true});
      panels.push_back({"lg-router", "router", "router " + up->router->str(), {}, true, true});
    }
    panels.push_back(network_panel(plan, *up, plan_of(up->name)));
    panels.front().linked_above = false;
  }
  panels.push_back(gateway_panel(plan));
  if (!up) panels.back().linked_above = false;
  for (const auto& n : plan.networks)
    if (&n != up) panels.push_back(network_panel(plan, n, plan_of(n.name)));
  if (plan.policy.explicit_zones) panels.push_back(zones_panel(plan));
  if (plan.dns.enabled) panels.push_back(dns_panel(plan));

  int width = 440;
  for (const auto& p : panels) width = std::max(width, panel_width(p));
  int height = kGap / 2;
  for (const auto& p : panels) height += panel_height(p) + kGap;
  const int total_width = width + 2 * kLeft;

  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"lg-topology\" width=\"{0}\" "
      "height=\"{1}\" "
      "viewBox=\"0 0 {0} {1}\" font-family=\"monospace\" font-size=\"13\">\n",
      total_width, height);
  out += fmt::format("<title>{} (labgate): topology</title>\n", escape(plan.dns.gateway_name));
  out +=
      // Scoped to the picture's root, so that inlined in a page (the status page) the rules
      // style nothing else.
      "<style>\n"
      ".lg-topology rect{stroke-width:1.5}\n"
      ".lg-topology text{fill:#1b1f24}\n"
      ".lg-topology .title{font-weight:bold}\n"
      ".lg-topology .heading{font-style:italic;fill:#57606a}\n"
      ".lg-topology .internet rect{fill:#f4f4f4;stroke:#888}\n"
      ".lg-topology .router rect{fill:#fff8e6;stroke:#b58100}\n"
      ".lg-topology .net rect{fill:#eef5ff;stroke:#3a6ea5}\n"
      ".lg-topology .gateway rect{fill:#f3efff;stroke:#6a4fb3}\n"
      ".lg-topology .dns rect{fill:#eefaf0;stroke:#2f8f46}\n"
      ".lg-topology .trunk{stroke:#555;stroke-width:2}\n";
  if (plan.policy.explicit_zones) out += ".lg-topology .zones rect{fill:#fbf7f0;stroke:#8a6d3b}\n";
  out += "</style>\n";
  out += fmt::format("<rect x=\"0\" y=\"0\" width=\"{}\" height=\"{}\" fill=\"#ffffff\"/>\n",
                     total_width, height);
  int y = kGap / 2;
  int previous_bottom = -1;
  for (const auto& p : panels) {
    if (previous_bottom >= 0 && p.linked_above)
      out += fmt::format("<line class=\"trunk\" x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\"/>\n",
                         kLeft + kTrunk, previous_bottom, y);
    out += draw(p, y, width);
    previous_bottom = y + panel_height(p);
    y = previous_bottom + kGap;
  }
  return out + "</svg>\n";
}

}  // namespace labgate::show
