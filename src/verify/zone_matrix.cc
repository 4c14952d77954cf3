#include "verify/zone_matrix.h"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

namespace labgate {
namespace {

ProbeKind kind_of(Protocol p) {
  return p == Protocol::kTcp ? ProbeKind::kTcp : ProbeKind::kUdp;
}

struct Source {
  const LabNode* node;
  const PolicyZone* zone;
  const PlannedNetwork* network;
};

class MatrixBuilder {
 public:
  MatrixBuilder(const Plan& plan, const LabPlan& lab) : plan_(plan), lab_(lab) {}

  std::vector<Check> build() {
    for (const Source& s : sources()) {
      services_from(s);
      closed_from(s);
      internet_from(s);
      gateway_from(s);
    }
    return std::move(out_);
  }

 private:
  const PolicyPlan& policy() const { return plan_.policy; }

  // Clients of every network, then hosts a rule names as its source.
  std::vector<Source> sources() const {
    std::vector<Source> out;
    auto add = [&](const LabNode* n) {
      const PolicyZone* z = policy().zone_of_network(n->network);
      const PlannedNetwork* net = plan_.network(n->network);
      if (z && net) out.push_back({n, z, net});
    };
    for (const auto& net : plan_.networks)
      if (const LabNode* c = lab_.client_of(net.name)) add(c);
    for (const auto& n : lab_.nodes) {
      if (n.role != LabRole::kHost) continue;
      bool named = false;
      for (const auto& p : policy().pairs)
        for (const auto& r : p.rules)
          named |= r.source && r.source->length > 0 && r.source->contains(n.primary());
      if (named) add(&n);
    }
    return out;
  }

  void cell(const Source& s, const std::string& to_zone, const std::string& target, Probe probe,
            bool allowed, Expect when_allowed, std::string label = {},
            IpAddress peer = IpAddress()) {
    Check c;
    c.name = fmt::format("zone/{}>{}/{}/{}", s.zone->name, to_zone, s.node->name, target);
    c.from = s.node->name;
    c.from_netns = s.node->netns;
    c.probe = probe;
    c.to = probe.str();
    c.expect = allowed ? when_allowed : Expect::kFiltered;
    c.expected_label = std::move(label);
    c.expected_peer = peer;
    c.matrix_row = fmt::format("{} ({})", s.node->name, s.zone->name);
    c.matrix_col = target;
    out_.push_back(std::move(c));
  }

  // The address a server in `to` sees: the uplink's where the source's network masquerades out
  // of it, else the source's own.
  IpAddress seen_as(const Source& s, const PlannedNetwork& to) const {
    if (to.uplink && s.network->masquerade)
      if (const PlannedNetwork* up = plan_.uplink()) return up->gateway;
    return s.node->primary();
  }

  void services_from(const Source& s) {
    for (const auto& svc : plan_.services) {
      const LabNode* server = lab_.node_of_service(svc.name);
      const PolicyZone* z = policy().zone_of_network(svc.network);
      const PlannedNetwork* net = plan_.network(svc.network);
      // Traffic inside one network does not cross the router.
      if (!server || !z || !net || svc.network == s.network->name) continue;
      for (const auto& p : svc.ports) {
        bool allowed =
            policy().allows(s.zone->name, z->name, p.protocol, p.port, s.node->primary());
        cell(s, z->name, fmt::format("{}:{}", svc.name, p.name),
             Probe{kind_of(p.protocol), svc.address, p.port, {}}, allowed, Expect::kReply, svc.name,
             seen_as(s, *net));
      }
    }
  }

  void closed_from(const Source& s) {
    for (const auto& net : plan_.networks) {
      const LabNode* client = lab_.client_of(net.name);
      const PolicyZone* z = policy().zone_of_network(net.name);
      if (!client || !z || net.name == s.network->name) continue;
      bool allowed =
          policy().allows(s.zone->name, z->name, Protocol::kTcp, kClosedPort, s.node->primary());
      // Masqueraded into the uplink, a refusal still comes back: conntrack undoes the NAT.
      cell(s, z->name, fmt::format("{}:closed", net.name),
           Probe{ProbeKind::kTcp, client->primary(), kClosedPort, {}}, allowed, Expect::kPasses);
    }
  }

  void internet_from(const Source& s) {
    const PlannedNetwork* up = plan_.uplink();
    const PolicyZone* z = up ? policy().zone_of_network(up->name) : nullptr;
    if (!z || !lab_.find("upstream") || s.network->uplink || !s.network->masquerade) return;
    uint16_t port = kLabUpstreamTcpPorts[1];
    bool allowed = policy().allows(s.zone->name, z->name, Protocol::kTcp, port, s.node->primary());
    cell(s, z->name, fmt::format("internet:{}", port),
         Probe{ProbeKind::kTcp, lab_.internet, port, {}}, allowed, Expect::kReply, "upstream",
         up->gateway);
  }

  void gateway_from(const Source& s) {
    std::set<std::pair<Protocol, uint16_t>> ports;
    if (plan_.dns.enabled) ports.insert({Protocol::kTcp, 53});
    for (const auto& p : policy().pairs) {
      if (p.to != kGatewayZone) continue;
      for (const auto& r : p.rules) {
        if (r.protocol != RuleProtocol::kTcp && r.protocol != RuleProtocol::kUdp) continue;
        Protocol proto = r.protocol == RuleProtocol::kTcp ? Protocol::kTcp : Protocol::kUdp;
        for (uint16_t port : r.ports) ports.insert({proto, port});
      }
    }
    ports.insert({Protocol::kTcp, kClosedPort});
    for (const auto& [proto, port] : ports) {
      // A UDP port nothing answers cannot be told open from filtered.
      if (proto == Protocol::kUdp &&
          !policy().gateway_service_open(s.network->interface, proto, port))
        continue;
      bool allowed = policy().gateway_service_open(s.network->interface, proto, port) ||
                     policy().allows(s.zone->name, kGatewayZone, proto, port, s.node->primary());
      std::string target = port == kClosedPort ? "gateway:closed"
                           : port == 53        ? fmt::format("gateway:dns/{}", to_string(proto))
                                        : fmt::format("gateway:{}/{}", port, to_string(proto));
      cell(s, kGatewayZone, target, Probe{kind_of(proto), s.network->gateway, port, {}}, allowed,
           Expect::kPasses);
    }
  }

  const Plan& plan_;
  const LabPlan& lab_;
  std::vector<Check> out_;
};

}  // namespace

void print_policy_matrix(const std::vector<CheckResult>& results, std::ostream& out) {
  std::vector<std::string> rows, cols;
  std::map<std::pair<std::string, std::string>, std::string> cells;
  size_t agree = 0, total = 0;
  for (const auto& r : results) {
    const Check& c = r.check;
    if (c.matrix_col.empty()) continue;
    if (std::find(rows.begin(), rows.end(), c.matrix_row) == rows.end())
      rows.push_back(c.matrix_row);
    if (std::find(cols.begin(), cols.end(), c.matrix_col) == cols.end())
      cols.push_back(c.matrix_col);
    bool expected_allowed = c.expect != Expect::kFiltered;
    bool pass = r.judgement.verdict == Verdict::kPass;
    // A failed cell shows what was observed: the opposite of what was expected.
    bool observed_allowed = pass ? expected_allowed : !expected_allowed;
    cells[{c.matrix_row, c.matrix_col}] =
        pass ? (expected_allowed ? "allow" : "deny") : (observed_allowed ? "ALLOW!" : "DENY!");
    agree += pass;
    ++total;
  }
  if (total == 0) return;
  size_t row_width = 4;
  for (const auto& r : rows) row_width = std::max(row_width, r.size());
  std::vector<size_t> width;
  for (const auto& c : cols) width.push_back(std::max<size_t>(c.size(), 6));
  out << "\npolicy matrix (FROM down, TO across; X! is what was observed where the policy says "
         "otherwise):\n";
  std::string head = fmt::format("{:<{}}", "FROM", row_width);
  for (size_t i = 0; i < cols.size(); ++i) head += fmt::format("  {:<{}}", cols[i], width[i]);
  out << head << "\n";
  for (const auto& r : rows) {
    std::string line = fmt::format("{:<{}}", r, row_width);
    for (size_t i = 0; i < cols.size(); ++i) {
      auto it = cells.find({r, cols[i]});
      line += fmt::format("  {:<{}}", it == cells.end() ? "." : it->second, width[i]);
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << "\n";
  }
  out << fmt::format("{} cells: {} agree with the policy, {} do not\n", total, agree,
                     total - agree);
}

std::vector<Check> zone_matrix_checks(const Plan& plan, const LabPlan& lab) {
  if (!plan.policy.explicit_zones) return {};
  return MatrixBuilder(plan, lab).build();
}

}  // namespace labgate
