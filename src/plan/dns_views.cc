#include "plan/dns_views.h"

#include <fmt/format.h>

#include "plan/policy_plan.h"

namespace labgate {

const char* to_string(DnsAnswerKind kind) {
  switch (kind) {
    case DnsAnswerKind::kService:
      return "service";
    case DnsAnswerKind::kGateway:
      return "gateway";
    case DnsAnswerKind::kRefused:
      return "refused";
  }
  return "?";
}

namespace {

DnsView refused(std::string reason) {
  DnsView v;
  v.reason = std::move(reason);
  return v;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

DnsView resolve_view(const Topology& t, const DnsName& name, const Network& client,
                     const PolicyPlan* policy) {
  const Service* service = t.find_service(name.service);
  if (!name.ok || !service || !service->ok)
    return refused(fmt::format("service '{}' is not defined", name.service));
  const Network* home = t.network_containing(service->address);
  if (!home) return refused(fmt::format("service '{}' is on no network", service->name));
  if (home->name == client.name) {
    DnsView v;
    v.kind = DnsAnswerKind::kService;
    v.address = service->address;
    v.reason = fmt::format("'{}' is on '{}', the client's network", service->name, client.name);
    return v;
  }
  DnsView v;
  std::vector<std::string> ports;
  for (size_t i = 0; i < t.forwards.size(); ++i) {
    const Forward& f = t.forwards[i];
    if (!f.ok || f.listen_network != client.name || f.service != service->name) continue;
    v.forwards.push_back(i);
    const ServicePort* p = service->find_port(f.service_port);
    ports.push_back(
        fmt::format("{}:{}/{}", client.name, f.listen_port, p ? to_string(p->protocol) : "?"));
  }
  if (v.forwards.empty() && policy && policy->explicit_zones) {
    // Routed mode: the service's own address, where the zones let the client reach it.
    const PolicyZone* from = policy->zone_of_network(client.name);
    const PolicyZone* to = policy->zone_of_network(home->name);
    for (const auto& p : service->ports) {
      if (!from || !to || !policy->allows(from->name, to->name, p.protocol, p.port)) continue;
      DnsView routed;
      routed.kind = DnsAnswerKind::kService;
      routed.address = service->address;
      routed.reason = fmt::format("'{}' is on '{}'; zone '{}' may reach it ({}/{})", service->name,
                                  home->name, from->name, p.port, to_string(p.protocol));
      return routed;
    }
    return refused(
        fmt::format("'{}' is on '{}' and the policy lets zone '{}' reach none of its "
                    "ports",
                    service->name, home->name, from ? from->name : client.name));
  }
  if (v.forwards.empty())
    return refused(fmt::format("'{}' is on '{}' and no forward on '{}' reaches it", service->name,
                               home->name, client.name));
  v.kind = DnsAnswerKind::kGateway;
  v.address = client.address;
  v.reason =
      fmt::format("'{}' is on '{}'; reached through the gateway's forward{} {}", service->name,
                  home->name, ports.size() > 1 ? "s" : "", fmt::join(ports, ", "));
  return v;
}

DnsViewTable build_dns_views(const Topology& t) {
  DnsViewTable table;
  std::vector<const Network*> clients;
  for (const auto& n : t.networks) {
    if (!n.ok) continue;
    table.networks.push_back(n.name);
    clients.push_back(&n);
  }
  // Routed mode: answers follow the zones (computed once for every name).
  std::optional<PolicyPlan> policy;
  if (!t.zones.empty()) policy = compile_policy_plan(t);
  for (const auto& name : t.zone_names()) {
    if (!name.ok) continue;
    DnsNameViews row;
    row.name = name.name;
    row.fqdn = t.fqdn(name);
    row.service = name.service;
    if (const Service* s = t.find_service(name.service); s && s->ok)
      row.service_address = s->address;
    row.wildcard = name.name.starts_with("*");
    for (const Network* client : clients)
      row.views.push_back(resolve_view(t, name, *client, policy ? &*policy : nullptr));
    table.names.push_back(std::move(row));
  }
  return table;
}

std::optional<DnsName> match_name(const Topology& t, std::string_view qname) {
  const std::vector<DnsName> names = t.zone_names();
  std::string q = lower(qname);
  if (!q.empty() && q.back() == '.') q.pop_back();
  const std::string zone = lower(t.dns.zone);
  if (zone.empty() || q.size() <= zone.size() + 1 || !q.ends_with("." + zone)) return std::nullopt;
  // Work relative to the zone: "a.apps.cluster" -> "a.apps"; the apex is "".
  std::string relative = q.substr(0, q.size() - zone.size() - 1);

  auto find = [&](const std::string& rel) -> std::optional<DnsName> {
    for (const auto& n : names)
      if (n.ok && lower(n.name) == rel) return n;
    return std::nullopt;
  };
  // A name "exists" (RFC 4592 section 2.2.2) if it owns a record or is an ancestor of one that
  // does (an empty non-terminal). The apex always exists.
  auto exists = [&](const std::string& rel) {
    if (rel.empty()) return true;
    for (const auto& n : names) {
      if (!n.ok) continue;
      std::string name = lower(n.name);
      if (name == rel || name.ends_with("." + rel)) return true;
    }
    return false;
  };

  if (auto exact = find(relative)) return exact;
  // A name that exists only as the parent of other names is never covered by a wildcard.
  if (exists(relative)) return std::nullopt;
  // Walk up to the closest encloser: the longest existing ancestor. Its wildcard child, if any,
  // is the source of synthesis; otherwise nothing matches.
  std::string ancestor = relative;
  while (!ancestor.empty()) {
    size_t dot = ancestor.find('.');
    ancestor = dot == std::string::npos ? "" : ancestor.substr(dot + 1);
    if (exists(ancestor)) return find(ancestor.empty() ? "*" : "*." + ancestor);
  }
  return std::nullopt;
}

}  // namespace labgate
