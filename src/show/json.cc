#include "show/json.h"

#include "show/zones.h"

namespace labgate::show {
namespace {

using Json = nlohmann::ordered_json;

Json or_null(const std::string& s) {
  return s.empty() ? Json(nullptr) : Json(s);
}

Json ports_json(const std::vector<ServicePort>& ports) {
  Json out = Json::array();
  for (const auto& p : ports)
    out.push_back(Json{{"name", p.name}, {"port", p.port}, {"protocol", to_string(p.protocol)}});
  return out;
}

Json networks_json(const Topology& t) {
  Json out = Json::array();
  for (const auto& n : t.networks) {
    if (!n.ok) continue;
    out.push_back(Json{{"name", n.name},
                       {"interface", n.interface},
                       {"subnet", n.subnet.str()},
                       {"address", n.address.str()},
                       {"router", n.router ? Json(n.router->str()) : Json(nullptr)},
                       {"uplink", n.uplink},
                       {"masquerade", n.masquerade},
                       {"inbound", to_string(n.inbound)}});
  }
  return out;
}

Json address_plan_json(const Plan& p) {
  Json out = Json::array();
  for (const auto& plan : p.addresses) {
    Json entries = Json::array();
    for (const auto& e : plan.entries) {
      bool free = e.role == AddressRole::kFree;
      entries.push_back(
          Json{{"role", to_key(e.role)},
               {"first", e.range.first.str()},
               {"last", e.range.last.str()},
               {"size", e.range.size()},
               {"name", free ? Json(nullptr) : Json(e.name)},
               {"held_by", e.role == AddressRole::kVirtualIp ? Json(e.held_by) : Json(nullptr)},
               {"pool", e.role == AddressRole::kService ? or_null(e.pool) : Json(nullptr)},
               {"host", e.role == AddressRole::kService ? or_null(e.host) : Json(nullptr)},
               {"ports", e.role == AddressRole::kService ? ports_json(e.ports) : Json(nullptr)}});
    }
    out.push_back(Json{{"network", plan.network},
                       {"subnet", plan.subnet.str()},
                       {"assignable", plan.assignable},
                       {"used", plan.used},
                       {"free", plan.free()},
                       {"entries", std::move(entries)}});
  }
  return out;
}

Json forwards_json(const Plan& p) {
  Json out = Json::array();
  for (const auto& f : p.forwarding.forwards) {
    out.push_back(Json{{"index", f.index},
                       {"listen", Json{{"network", f.listen_network},
                                       {"address", f.listen_address.str()},
                                       {"port", f.listen_port},
                                       {"protocol", to_string(f.protocol)}}},
                       {"to", Json{{"service", f.service},
                                   {"port_name", f.service_port},
                                   {"address", f.backend_address.str()},
                                   {"port", f.backend_port}}},
                       {"datapath", to_string(f.datapath)},
                       {"snat", to_string(f.snat)}});
  }
  return out;
}

// A list of networks from the dns section; empty means every network (docs/config.md).
Json networks_or_all(const Topology& t, const std::vector<std::string>& networks) {
  if (!networks.empty()) return networks;
  Json all = Json::array();
  for (const auto& n : t.networks)
    if (n.ok) all.push_back(n.name);
  return all;
}

Json dns_json(const Topology& t, const Plan& p) {
  if (!t.dns.enabled) return nullptr;
  Json upstreams = Json::array();
  for (const auto& u : t.dns.upstreams) upstreams.push_back(u.str());
  const DnsViewTable& table = p.dns.views;
  Json names = Json::array();
  for (const auto& row : table.names) {
    Json views = Json::array();
    for (size_t i = 0; i < row.views.size(); ++i) {
      const DnsView& v = row.views[i];
      views.push_back(Json{{"network", table.networks[i]},
                           {"answer", v.address ? Json(v.address->str()) : Json(nullptr)},
                           {"kind", to_string(v.kind)},
                           {"forwards", v.forwards},
                           {"reason", v.reason}});
    }
    names.push_back(Json{{"name", row.name},
                         {"fqdn", row.fqdn},
                         {"service", row.service},
                         {"wildcard", row.wildcard},
                         {"views", std::move(views)}});
  }
  return Json{{"zone", t.dns.zone},
              {"ttl", t.dns.ttl},
              {"upstreams", std::move(upstreams)},
              {"listen", networks_or_all(t, t.dns.listen)},
              {"recursion", t.dns.recursion_listed ? Json(t.dns.recursion)
                                                   : networks_or_all(t, t.dns.recursion)},
              {"names", std::move(names)}};
}

Json rule_json(const PlannedRule& r) {
  return Json{{"index", r.index},
              {"action", r.accept ? "accept" : "drop"},
              {"protocol", to_string(r.protocol)},
              {"ports", r.ports},
              {"source", r.source ? Json(r.source->str()) : Json(nullptr)}};
}

Json zone_json(const Plan& p, const PolicyZone& z) {
  Json networks = Json::array();
  for (const auto& name : z.networks) {
    const PlannedNetwork* n = p.network(name);
    if (!n) continue;
    networks.push_back(Json{
        {"name", n->name},
        {"interface", n->interface},
        {"subnet", n->subnet.str()},
        {"vlan", n->vlan ? Json{{"id", n->vlan->id}, {"trunk", n->vlan->trunk}} : Json(nullptr)}});
  }
  Json open = Json::array();
  for (const auto& s : open_services(p.policy, z))
    open.push_back(Json{
        {"name", s.name}, {"port", s.port}, {"protocols", s.protocols}, {"networks", s.networks}});
  return Json{{"name", z.name},
              {"intra", z.intra_accept ? "accept" : "drop"},
              {"uplink", z.uplink},
              {"networks", std::move(networks)},
              {"gateway_services", std::move(open)}};
}

// Present only for a file with `zones:`, so that the output of a file without stays as it was.
Json zones_json(const Plan& p) {
  const PolicyPlan& policy = p.policy;
  Json zones = Json::array();
  for (const auto& z : policy.zones) zones.push_back(zone_json(p, z));
  Json pairs = Json::array();
  for (const auto& pair : policy.pairs) {
    Json rules = Json::array();
    for (const auto& r : pair.rules) rules.push_back(rule_json(r));
    pairs.push_back(Json{{"from", pair.from},
                         {"to", pair.to},
                         {"summary", pair_text(pair)},
                         {"rules", std::move(rules)}});
  }
  return Json{
      {"zones", std::move(zones)},
      {"pairs", std::move(pairs)},
      {"log", policy.log_group ? Json{{"group", policy.log_group}, {"rate", policy.log_rate}}
                               : Json(nullptr)}};
}

}  // namespace

nlohmann::ordered_json render_json(const Topology& t, const Plan& p) {
  Json out = Json{{"schema_version", kShowJsonSchemaVersion},
                  {"gateway", Json{{"name", t.gateway_name}}},
                  {"networks", networks_json(t)},
                  {"address_plan", address_plan_json(p)},
                  {"forwards", forwards_json(p)},
                  {"dns", dns_json(t, p)}};
  if (p.policy.explicit_zones) out["zones"] = zones_json(p);
  return out;
}

}  // namespace labgate::show
