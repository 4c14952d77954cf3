#include "show/diagram.h"

#include <algorithm>
#include <sstream>

#include <fmt/format.h>

#include "show/format.h"

namespace labgate::show {
namespace {

// Boxes start at column kBoxLeft; the vertical trunk that links the internet, the router, the
// gateway and the networks behind it runs down column kTrunk.
constexpr size_t kBoxLeft = 2;
constexpr size_t kTrunk = 8;

std::string repeat(std::string_view s, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += s;
  return out;
}

std::string trunk_line(std::string_view rest = "") {
  std::string line = std::string(kTrunk, ' ') + "│";
  if (!rest.empty()) line += " " + std::string(rest);
  return line + "\n";
}

// A box around `lines`, joined to the trunk above and/or below by a connector on its border.
std::string box(const std::vector<std::string>& lines, bool joined_above, bool joined_below) {
  size_t inner = kTrunk - kBoxLeft + 2;
  for (const auto& l : lines) inner = std::max(inner, display_width(l) + 2);
  const size_t at = kTrunk - kBoxLeft - 1;  // the trunk's index inside the border
  auto border = [&](const char* left, const char* joint, bool joined, const char* right) {
    return std::string(kBoxLeft, ' ') + left + repeat("─", at) + (joined ? joint : "─") +
           repeat("─", inner - at - 1) + right + "\n";
  };
  std::string out = border("┌", "┴", joined_above, "┐");
  for (const auto& l : lines) out += std::string(kBoxLeft, ' ') + "│ " + pad(l, inner - 2) + " │\n";
  out += border("└", "┬", joined_below, "┘");
  return out;
}

// With zones, the network's zone stands where `inbound` would (the file cannot set it then).
std::string network_label(const Plan& p, const PlannedNetwork& n) {
  std::string flags = n.interface;
  if (n.vlan) flags += fmt::format(" (VLAN {} on {})", n.vlan->id, n.vlan->trunk);
  if (n.uplink) flags += ", uplink";
  if (n.masquerade) flags += ", masquerade";
  const PolicyZone* zone = p.policy.explicit_zones ? p.policy.zone_of_network(n.name) : nullptr;
  if (zone)
    flags += ", zone " + zone->name;
  else if (!n.uplink)
    flags += fmt::format(", inbound {}", to_string(n.inbound));
  return fmt::format("{}  {}  {}", n.name, n.subnet.str(), flags);
}

// The hosts, services and pools of one network as a tree, each line starting with `prefix`;
// services inside a pool hang under the pool. With `open_end` the line they branch off goes on
// below them (the uplink's trunk continues to the gateway), so no branch is drawn as the last.
std::string members(const NetworkAddressPlan& plan, const std::string& prefix, bool open_end) {
  std::vector<const AddressPlanEntry*> top;
  size_t addr_width = 0, name_width = 0;
  bool nested = false;  // some service hangs under a pool, three columns further right
  for (const auto& e : plan.entries) {
    bool shown = e.role == AddressRole::kHost || e.role == AddressRole::kVirtualIp ||
                 e.role == AddressRole::kPool || e.role == AddressRole::kService;
    if (!shown) continue;
    addr_width = std::max(addr_width, compact_range(e.range).size());
    name_width = std::max(name_width, e.name.size());
    if (e.role != AddressRole::kService || e.pool.empty())
      top.push_back(&e);
    else
      nested = true;
  }
  auto row = [&](const AddressPlanEntry& e, size_t indent) {
    std::string detail = member_detail(e);
    std::string text = pad(compact_range(e.range), addr_width + (nested && !indent ? 3 : 0)) +
                       "  " + (detail.empty() ? e.name : pad(e.name, name_width) + "  " + detail);
    while (!text.empty() && text.back() == ' ') text.pop_back();
    return text;
  };
  std::string out;
  for (size_t i = 0; i < top.size(); ++i) {
    bool last = i + 1 == top.size() && !open_end;
    out += prefix + (last ? "└─ " : "├─ ") + row(*top[i], 0) + "\n";
    if (top[i]->role != AddressRole::kPool) continue;
    std::vector<const AddressPlanEntry*> inside;
    for (const auto& e : plan.entries)
      if (e.role == AddressRole::kService && e.pool == top[i]->name) inside.push_back(&e);
    for (size_t j = 0; j < inside.size(); ++j)
      out += prefix + (last ? "   " : "│  ") + (j + 1 == inside.size() ? "└─ " : "├─ ") +
             row(*inside[j], 3) + "\n";
  }
  return out;
}

}  // namespace

std::string render_diagram(const Plan& p) {
  const std::vector<NetworkAddressPlan>& plans = p.addresses;
  auto plan_of = [&](const PlannedNetwork& n) -> const NetworkAddressPlan* {
    for (const auto& p : plans)
      if (p.network == n.name) return &p;
    return nullptr;
  };
  const PlannedNetwork* up = p.uplink();
  std::vector<const PlannedNetwork*> behind;
  for (const auto& n : p.networks)
    if (&n != up) behind.push_back(&n);

  std::string out;
  if (up) {
    if (up->router) {
      out += std::string(kTrunk - 4, ' ') + "Internet\n" + trunk_line();
      out += box({fmt::format("router {}", up->router->str())}, true, true);
    }
    out += trunk_line(network_label(p, *up));
    if (const auto* plan = plan_of(*up)) {
      out += members(*plan, std::string(kTrunk, ' '), /*open_end=*/true);
    }
    out += trunk_line();
  }

  std::vector<std::string> lines = {fmt::format("{} (labgate)", p.dns.gateway_name)};
  TextTable interfaces("  ");
  for (const auto& n : p.networks) {
    interfaces.add_row({n.interface, n.name, n.gateway.str(),
                        n.uplink ? "uplink" : (n.masquerade ? "masquerade" : "")});
  }
  std::istringstream table(interfaces.render());
  for (std::string l; std::getline(table, l);) lines.push_back(l);
  const auto& forwards = p.forwarding.forwards;
  if (!forwards.empty()) lines.push_back("forwards:");
  TextTable fw("  ");
  for (const auto& f : forwards)
    fw.add_row({fmt::format("{}:{}/{}", f.listen_network, f.listen_port, to_string(f.protocol)),
                "→", fmt::format("{}:{}", f.service, f.service_port)});
  std::istringstream fw_lines(fw.render());
  for (std::string l; std::getline(fw_lines, l);) lines.push_back(l);
  out += box(lines, up != nullptr, !behind.empty());

  if (!behind.empty()) out += trunk_line();
  for (size_t i = 0; i < behind.size(); ++i) {
    bool last = i + 1 == behind.size();
    out += std::string(kTrunk, ' ') + (last ? "└─ " : "├─ ") + network_label(p, *behind[i]) + "\n";
    std::string prefix = std::string(kTrunk, ' ') + (last ? "   " : "│  ");
    if (const auto* plan = plan_of(*behind[i])) out += members(*plan, prefix, /*open_end=*/false);
    if (!last) out += trunk_line();
  }
  return out;
}

}  // namespace labgate::show
