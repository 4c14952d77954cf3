#include "plan/migration.h"

#include <algorithm>
#include <set>
#include <vector>

#include <fmt/format.h>

#include "plan/nft_diff.h"
#include "plan/nft_ruleset.h"

namespace labgate {
namespace {

std::string describe(const PlannedNetwork& n) {
  std::string s = fmt::format("{} {} gateway {}", n.interface, n.subnet.str(), n.gateway.str());
  if (n.vlan) s += fmt::format(" (VLAN {} on {})", n.vlan->id, n.vlan->trunk);
  if (n.uplink) s += " uplink";
  if (n.masquerade) s += " masquerade";
  return s;
}

const PlannedService* service_of(const Plan& p, const std::string& name) {
  for (const auto& s : p.services)
    if (s.name == name) return &s;
  return nullptr;
}

// Names in the order of `a`, then those only in `b`.
template <typename T, typename F>
std::vector<std::string> union_names(const std::vector<T>& a, const std::vector<T>& b, F name) {
  std::vector<std::string> out;
  for (const auto& x : a) out.push_back(name(x));
  for (const auto& x : b)
    if (std::find(out.begin(), out.end(), name(x)) == out.end()) out.push_back(name(x));
  return out;
}

void networks_section(const MigrationSide& from, const MigrationSide& to, std::string& out) {
  out += "\nnetworks:\n";
  size_t changes = 0;
  auto name = [](const PlannedNetwork& n) { return n.name; };
  for (const auto& n : union_names(from.plan.networks, to.plan.networks, name)) {
    const PlannedNetwork* a = from.plan.network(n);
    const PlannedNetwork* b = to.plan.network(n);
    if (a && b && describe(*a) == describe(*b)) continue;
    ++changes;
    if (!a)
      out += fmt::format("  + {}: {}\n", n, describe(*b));
    else if (!b)
      out += fmt::format("  - {}: {}\n", n, describe(*a));
    else
      out += fmt::format("  ~ {}: {}\n      -> {}\n", n, describe(*a), describe(*b));
  }
  if (changes == 0) out += "  (unchanged)\n";
}

// Every named address (hosts, virtual IPs, services, the gateway) by "role name".
std::vector<std::pair<std::string, std::string>> named_addresses(const Plan& p) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& net : p.addresses)
    for (const auto& e : net.entries) {
      if (e.role == AddressRole::kFree || e.role == AddressRole::kRouter) continue;
      // The gateway by network, not by name: renaming the gateway moves no address.
      std::string key = e.role == AddressRole::kGateway
                            ? "gateway on " + net.network
                            : fmt::format("{} {}", to_string(e.role), e.name);
      std::string where = e.range.first == e.range.last ? e.range.first.str() : e.range.str();
      out.emplace_back(key, fmt::format("{} ({})", where, net.network));
    }
  return out;
}

void addresses_section(const MigrationSide& from, const MigrationSide& to, std::string& out) {
  out += "\naddresses:\n";
  auto a = named_addresses(from.plan), b = named_addresses(to.plan);
  auto find = [](const auto& list, const std::string& key) -> const std::string* {
    for (const auto& [k, v] : list)
      if (k == key) return &v;
    return nullptr;
  };
  auto key = [](const std::pair<std::string, std::string>& p) { return p.first; };
  size_t changes = 0;
  for (const auto& k : union_names(a, b, key)) {
    const std::string* x = find(a, k);
    const std::string* y = find(b, k);
    if (x && y && *x == *y) continue;
    ++changes;
    out += !x   ? fmt::format("  + {}: {}\n", k, *y)
           : !y ? fmt::format("  - {}: {}\n", k, *x)
                : fmt::format("  ~ {}: {} -> {}\n", k, *x, *y);
  }
  if (changes == 0) out += "  (unchanged)\n";
}

std::string answer(const Plan& p, const std::string& fqdn, const std::string& network) {
  const auto& views = p.dns.views;
  auto col = std::find(views.networks.begin(), views.networks.end(), network);
  if (!p.dns.enabled || col == views.networks.end()) return "";
  for (const auto& n : views.names) {
    if (n.fqdn != fqdn) continue;
    const DnsView& v = n.views[static_cast<size_t>(col - views.networks.begin())];
    return v.address ? v.address->str() : "REFUSED";
  }
  return "";
}

void dns_section(const MigrationSide& from, const MigrationSide& to, std::string& out) {
  out += "\ndns answers (name, asked from a network):\n";
  auto fqdn = [](const DnsNameViews& n) { return n.fqdn; };
  auto net = [](const PlannedNetwork& n) { return n.name; };
  size_t changes = 0;
  for (const auto& name : union_names(from.plan.dns.views.names, to.plan.dns.views.names, fqdn))
    for (const auto& n : union_names(from.plan.networks, to.plan.networks, net)) {
      std::string a = answer(from.plan, name, n), b = answer(to.plan, name, n);
      if (a == b) continue;
      ++changes;
      out += fmt::format("  ~ {} from {}: {} -> {}\n", name, n, a.empty() ? "(none)" : a,
                         b.empty() ? "(none)" : b);
    }
  if (changes == 0) out += "  (unchanged)\n";
}

void access_section(const MigrationSide& from, const MigrationSide& to, std::string& out) {
  out += "\naccess (clients of a network -> service ports):\n";
  auto net = [](const PlannedNetwork& n) { return n.name; };
  auto svc = [](const PlannedService& s) { return s.name; };
  size_t changes = 0;
  for (const auto& n : union_names(from.plan.networks, to.plan.networks, net)) {
    std::vector<std::string> gains, losses, changed;
    for (const auto& s : union_names(from.plan.services, to.plan.services, svc)) {
      std::vector<std::string> ports;
      for (const Plan* p : {&from.plan, &to.plan})
        if (const PlannedService* ps = service_of(*p, s))
          for (const auto& port : ps->ports)
            if (std::find(ports.begin(), ports.end(), port.name) == ports.end())
              ports.push_back(port.name);
      for (const auto& port : ports) {
        std::string a = from.plan.network(n) ? reach(from, n, s, port) : "";
        std::string b = to.plan.network(n) ? reach(to, n, s, port) : "";
        std::string what = fmt::format("{}:{}", s, port);
        if (a == b) continue;
        if (a.empty())
          gains.push_back(fmt::format("{} ({})", what, b));
        else if (b.empty())
          losses.push_back(fmt::format("{} (was {})", what, a));
        else
          changed.push_back(fmt::format("{} ({} -> {})", what, a, b));
      }
    }
    auto line = [&](const char* verb, const std::vector<std::string>& items) {
      if (items.empty()) return;
      ++changes;
      out += fmt::format("  {} {}:", n, verb);
      for (const auto& i : items) out += "\n      " + i;
      out += "\n";
    };
    line("gains", gains);
    line("loses", losses);
    line("reaches differently", changed);
  }
  if (changes == 0) out += "  (unchanged)\n";
}

}  // namespace

std::string reach(const MigrationSide& side, const std::string& network, const std::string& service,
                  const std::string& port_name) {
  const Plan& p = side.plan;
  const PlannedService* s = service_of(p, service);
  if (!s) return "";
  const ServicePort* port = nullptr;
  for (const auto& sp : s->ports)
    if (sp.name == port_name) port = &sp;
  if (!port) return "";
  if (s->network == network) return "same network";
  const PolicyZone* from = p.policy.zone_of_network(network);
  const PolicyZone* to = p.policy.zone_of_network(s->network);
  if (from && to && p.policy.allows(from->name, to->name, port->protocol, port->port))
    return "direct";
  for (const auto& f : p.forwarding.forwards)
    if (f.listen_network == network && f.service == service && f.service_port == port_name)
      return fmt::format("forward {}:{}", f.listen_network, f.listen_port);
  return "";
}

std::string migration_report(const MigrationSide& from, const MigrationSide& to) {
  std::string out = fmt::format("# labgate plan: from {} to {}\n", from.name, to.name);
  networks_section(from, to, out);
  addresses_section(from, to, out);
  dns_section(from, to, out);
  access_section(from, to, out);
  out += "\nruleset (table inet labgate):\n";
  std::string diff =
      unified_diff(compile_nft_table(from.plan.forwarding, from.plan.policy),
                   compile_nft_table(to.plan.forwarding, to.plan.policy), from.name, to.name);
  out += diff.empty() ? "  (unchanged)\n" : diff;
  return out;
}

}  // namespace labgate
