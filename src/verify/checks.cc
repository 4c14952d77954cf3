#include "verify/checks.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "plan/nft_ruleset.h"
#include "verify/zone_matrix.h"

namespace labgate {

const char* to_string(Verdict v) {
  switch (v) {
    case Verdict::kPass:
      return "PASS";
    case Verdict::kFail:
      return "FAIL";
    case Verdict::kSkip:
      return "SKIP";
  }
  return "?";
}

std::string Check::expected() const {
  switch (expect) {
    case Expect::kReply:
      return fmt::format("{} sees {}", expected_label, expected_peer.str());
    case Expect::kReachable:
      return probe.kind == ProbeKind::kIcmp ? "echo reply" : "connected";
    case Expect::kBlocked:
      return "blocked";
    case Expect::kPasses:
      return "allowed";
    case Expect::kFiltered:
      return "denied";
    case Expect::kRuleset:
      return "identical to the plan";
    case Expect::kSysctl:
    case Expect::kDnsAnswer:
      return expected_value;
    case Expect::kSkip:
      return "-";
  }
  return "?";
}

namespace {

ProbeKind probe_kind(Protocol p) {
  return p == Protocol::kTcp ? ProbeKind::kTcp : ProbeKind::kUdp;
}

std::string forward_id(const ResolvedForward& f) {
  return fmt::format("{}:{}/{}", f.listen_network, f.listen_port, to_string(f.protocol));
}

Check probe_check(std::string name, const LabNode& from, Probe probe, Expect expect) {
  Check c;
  c.name = std::move(name);
  c.from = from.name;
  c.from_netns = from.netns;
  c.probe = probe;
  c.to = probe.str();
  c.expect = expect;
  return c;
}

Check skipped(std::string name, std::string to, std::string reason) {
  Check c;
  c.name = std::move(name);
  c.to = std::move(to);
  c.expect = Expect::kSkip;
  c.skip_reason = std::move(reason);
  return c;
}

// Cluster VMs: host nodes on networks other than the uplink.
std::vector<const LabNode*> cluster_vms(const Plan& plan, const LabPlan& lab) {
  std::vector<const LabNode*> out;
  const PlannedNetwork* up = plan.uplink();
  for (const auto& n : lab.nodes)
    if (n.role == LabRole::kHost && (!up || n.network != up->name)) out.push_back(&n);
  return out;
}

// The node that plays "a VM of `network`" reaching `service` by hairpin: the first host of the
// network that does not itself run the service, else the network's client. (A node reaching
// its own service through the gateway is a different case: in the lab the kernel drops it
// before the forward hook; see docs/lab.md.)
const LabNode* vm_of(const LabPlan& lab, const std::string& network, const std::string& service) {
  const LabNode* serving = lab.node_of_service(service);
  for (const auto& n : lab.nodes)
    if (n.role == LabRole::kHost && n.network == network && &n != serving) return &n;
  return lab.client_of(network);
}

// Whether the zones let `vm` reach the zone of network `to` (or the gateway) on TCP `port`, or
// with an ICMP echo (no port). Without zones, what the checks above always expected: yes.
bool zone_allows(const Plan& plan, const LabNode* vm, const std::string& to,
                 std::optional<uint16_t> port) {
  const PolicyPlan& p = plan.policy;
  if (!p.explicit_zones) return true;
  const PolicyZone* from = p.zone_of_network(vm->network);
  const PolicyZone* dest = to == kGatewayZone ? nullptr : p.zone_of_network(to);
  if (!from || (to != kGatewayZone && !dest)) return false;
  const std::string& to_zone = dest ? dest->name : to;
  return port ? p.allows(from->name, to_zone, Protocol::kTcp, *port, vm->primary())
              : p.allows_ping(from->name, to_zone, vm->primary());
}

bool masquerades(const ForwardingPlan& fp, const std::string& network) {
  for (const auto& m : fp.masquerade)
    if (m.network == network) return true;
  return false;
}

// The datapath's state on the gateway: labgate's table is loaded, its sysctls are set.
std::vector<Check> gateway_state_checks(const Plan& plan, const std::string& state_dir) {
  const ForwardingPlan& fp = plan.forwarding;
  std::vector<Check> out;
  Check table;
  table.name = "ruleset/inet-labgate";
  table.from = "gateway";
  table.to = "nftables table inet labgate";
  table.expect = Expect::kRuleset;
  table.subject = state_dir;
  table.ruleset = compile_nft_table(fp, plan.policy);
  out.push_back(std::move(table));
  for (const auto& s : fp.sysctls) {
    Check c;
    c.name = "sysctl/" + s.name;
    c.from = "gateway";
    c.to = s.name;
    c.expect = Expect::kSysctl;
    c.subject = s.name;
    c.expected_value = s.value;
    out.push_back(std::move(c));
  }
  return out;
}

// The source address the backend of `f` sees for a connection from `client` through the gateway:
// the gateway's address on the backend's network where SNAT applies (snat: true, or NAT
// reflection from the backend's own network), the uplink's address where the client's network
// masquerades into the backend's (the uplink), else the client's own.
IpAddress expected_peer(const ForwardingPlan& fp, const ResolvedForward& f, const LabNode& client) {
  if (f.snat == SnatMode::kAlways || client.network == f.backend_network) return f.backend_gateway;
  for (const auto& m : fp.masquerade)
    if (m.network == client.network && m.uplink_network == f.backend_network)
      return f.backend_gateway;  // the gateway's address on the uplink, the backend's network
  return client.primary();
}

// Why a `via: proxy` forward cannot be checked with the lab's plain servers and probes, or "".
std::string proxy_skip_reason(const ResolvedForward& f) {
  if (f.proxy.sni) return "routes by TLS server name: needs a TLS client";
  if (!f.more_targets.empty()) return "balances over several targets";
  if (f.proxy.proxy_protocol != 0)
    return "sends a PROXY header, which the lab's servers do not read";
  if (!f.proxy.accept_proxy.empty()) return "expects a PROXY header from a trusted hop";
  return "";
}

// A name outside the zone, asked by each served network's client: the forwarder answers it from
// the upstream's resolver where dns.recursion allows the network (every network when unset), and
// REFUSED elsewhere or when there is no upstream.
void recursion_checks(const DnsPlan& dns, const LabPlan& lab, std::vector<Check>& out) {
  for (const auto& net : dns.networks) {
    const LabNode* client = lab.client_of(net.network);
    if (!client || !net.served) continue;
    Probe probe{ProbeKind::kDns, net.address, 53, kLabInternetName};
    Check c =
        probe_check(fmt::format("recursion/{}", client->name), *client, probe, Expect::kDnsAnswer);
    if (dns.upstreams.empty() || !net.recursion) {
      c.expected_value = "REFUSED";
    } else if (lab.resolvers.empty()) {
      c.expect = Expect::kSkip;
      c.from.clear();
      c.from_netns.clear();
      c.skip_reason = fmt::format("the lab has no node for upstream {}", dns.upstreams[0].str());
    } else {
      c.expected_value = lab.internet.str();
    }
    out.push_back(std::move(c));
  }
}

}  // namespace

std::vector<Check> lab_checks(const Plan& plan, const LabPlan& lab, const std::string& state_dir) {
  std::vector<Check> out;
  const ForwardingPlan& fp = plan.forwarding;
  const PlannedNetwork* up = plan.uplink();

  // The gateway node's own state, read from inside it, as on a real gateway.
  if (const LabNode* gw = lab.find("gateway")) {
    for (Check c : gateway_state_checks(plan, state_dir)) {
      c.from = gw->name;
      c.from_netns = gw->netns;
      out.push_back(std::move(c));
    }
  }

  for (const LabNode* vm : cluster_vms(plan, lab)) {
    const PlannedNetwork* net = plan.network(vm->network);
    out.push_back(
        probe_check("ping-gateway/" + vm->name, *vm, Probe{ProbeKind::kIcmp, net->gateway, 0, {}},
                    zone_allows(plan, vm, kGatewayZone, std::nullopt) ? Expect::kReachable
                                                                      : Expect::kFiltered));
  }
  // Every cluster VM should reach the internet: the owner's requirement, whatever the file says
  // about masquerade (without it, the upstream has no way back, and this check says so).
  if (up && lab.find("upstream")) {
    for (const LabNode* vm : cluster_vms(plan, lab)) {
      Check c =
          probe_check("internet/" + vm->name, *vm,
                      Probe{ProbeKind::kTcp, lab.internet, kLabUpstreamTcpPorts[0], {}},
                      zone_allows(plan, vm, up->name, kLabUpstreamTcpPorts[0]) ? Expect::kReply
                                                                               : Expect::kFiltered);
      c.expected_label = "upstream";
      c.expected_peer = up->gateway;
      out.push_back(std::move(c));
    }
  }

  for (const auto& f : fp.forwards) {
    Probe probe{probe_kind(f.protocol), f.listen_address, f.listen_port, {}};
    const LabNode* client = lab.client_of(f.listen_network);
    const bool proxied = f.datapath == Datapath::kProxy;
    if (proxied) {
      if (std::string why = proxy_skip_reason(f); !why.empty()) {
        out.push_back(skipped("forward/" + forward_id(f), probe.str(), why));
        continue;
      }
    }
    if (client) {
      Check c = probe_check("forward/" + forward_id(f), *client, probe, Expect::kReply);
      c.expected_label = f.service;
      // The proxy opens its own connection to the backend, from the gateway.
      c.expected_peer = proxied ? IpAddress(f.backend_gateway) : expected_peer(fp, f, *client);
      out.push_back(std::move(c));
    }
    // NAT reflection: from the backend's own network, through the gateway's address on the
    // listening network. Always SNAT'ed to the gateway (else the backend answers directly).
    const LabNode* vm = vm_of(lab, f.backend_network, f.service);
    if (vm && f.listen_network != f.backend_network) {
      Check c = probe_check("hairpin/" + forward_id(f), *vm, probe, Expect::kReply);
      c.expected_label = f.service;
      c.expected_peer = f.backend_gateway;
      out.push_back(std::move(c));
    }
  }

  // DNS: every name, asked by each network's client at the gateway's address on its network.
  if (plan.dns.enabled) {
    const DnsPlan& dns = plan.dns;
    for (const auto& n : dns.views.names) {
      // A wildcard is asked with a name it covers.
      std::string qname = n.wildcard ? "wildcard-probe" + n.fqdn.substr(1) : n.fqdn;
      for (size_t i = 0; i < dns.networks.size(); ++i) {
        const DnsNetwork& net = dns.networks[i];
        const LabNode* client = lab.client_of(net.network);
        if (!client || !net.served) continue;
        Probe probe{ProbeKind::kDns, net.address, 53, qname};
        Check c = probe_check(fmt::format("dns/{}/{}", qname, client->name), *client, probe,
                              Expect::kDnsAnswer);
        const DnsView& v = n.views[i];
        c.expected_value = v.address ? v.address->str() : "REFUSED";
        out.push_back(std::move(c));
      }
    }
    recursion_checks(dns, lab, out);
  }

  // With zones, the policy matrix proves what passes between networks (and to the gateway).
  if (plan.policy.explicit_zones) {
    std::vector<Check> matrix = zone_matrix_checks(plan, lab);
    out.insert(out.end(), std::make_move_iterator(matrix.begin()),
               std::make_move_iterator(matrix.end()));
    return out;
  }
  // Isolation: every service port opened directly from the clients of the other networks.
  for (const auto& s : plan.services) {
    for (const auto& other : plan.networks) {
      if (other.name == s.network) continue;
      const LabNode* client = lab.client_of(other.name);
      if (!client) continue;
      // A masquerading network's egress into the uplink is allowed by design.
      bool egress = up && s.network == up->name && masquerades(fp, other.name);
      if (egress) continue;
      for (const auto& p : s.ports) {
        Probe probe{probe_kind(p.protocol), s.address, p.port, {}};
        std::string name = fmt::format("isolation/{}/{}:{}", client->name, s.name, p.name);
        if (s.inbound == InboundPolicy::kDrop) {
          out.push_back(probe_check(name, *client, probe, Expect::kBlocked));
        } else {
          Check c = probe_check(name, *client, probe, Expect::kReply);
          c.expected_label = s.name;
          c.expected_peer = client->primary();
          out.push_back(std::move(c));
        }
      }
    }
  }
  return out;
}

std::vector<Check> live_checks(const Topology& t, const Plan& plan, const std::string& state_dir) {
  const ForwardingPlan& fp = plan.forwarding;
  std::vector<Check> out = gateway_state_checks(plan, state_dir);
  std::set<std::string> seen;
  for (const auto* f : fp.kernel_forwards()) {
    Probe probe{probe_kind(f->protocol), f->backend_address, f->backend_port, {}};
    std::string name = fmt::format("backend/{}:{}", f->service, f->service_port);
    if (!seen.insert(name).second) continue;
    if (f->protocol != Protocol::kTcp) {
      out.push_back(skipped(name, probe.str(), "a UDP port cannot be told open from outside"));
      continue;
    }
    Check c;
    c.name = name;
    c.from = "gateway";
    c.probe = probe;
    c.to = probe.str();
    c.expect = Expect::kReachable;
    out.push_back(std::move(c));
  }
  // What only a lab can show: listed so the table says what stays unproven.
  const std::string needs_lab = "needs --lab";
  const PlannedNetwork* up = plan.uplink();
  for (const auto& h : t.hosts) {
    if (!h.ok || !h.held_by.empty() || (up && h.network == up->name)) continue;
    out.push_back(skipped("ping-gateway/" + h.name, "", needs_lab));
    if (up) out.push_back(skipped("internet/" + h.name, "", needs_lab));
  }
  for (const auto& f : fp.forwards) {
    out.push_back(skipped("forward/" + forward_id(f), "", needs_lab));
    if (f.listen_network != f.backend_network)
      out.push_back(skipped("hairpin/" + forward_id(f), "", needs_lab));
  }
  out.push_back(skipped("isolation/*", "", needs_lab));
  if (plan.dns.enabled) out.push_back(skipped("dns/*", "", needs_lab));
  return out;
}

Judgement judge(const Check& check, const Observation& seen) {
  const ProbeResult& p = seen.probe;
  auto probe_observed = [&]() -> std::string {
    switch (p.outcome) {
      case ProbeOutcome::kReply:
        return fmt::format("{} sees {}", p.label, p.peer.str());
      case ProbeOutcome::kConnected:
        return check.probe.kind == ProbeKind::kIcmp ? "echo reply" : "connected";
      case ProbeOutcome::kError:
        return p.detail.empty() ? "error" : "error: " + p.detail;
      default:
        return to_string(p.outcome);
    }
  };
  auto verdict = [](bool pass) { return pass ? Verdict::kPass : Verdict::kFail; };
  switch (check.expect) {
    case Expect::kReply:
      return {verdict(p.outcome == ProbeOutcome::kReply && p.label == check.expected_label &&
                      p.peer == check.expected_peer),
              probe_observed()};
    case Expect::kReachable:
      return {verdict(p.outcome == ProbeOutcome::kReply || p.outcome == ProbeOutcome::kConnected),
              probe_observed()};
    case Expect::kBlocked:
      return {verdict(p.outcome == ProbeOutcome::kTimeout || p.outcome == ProbeOutcome::kRefused ||
                      p.outcome == ProbeOutcome::kUnreachable),
              probe_observed()};
    case Expect::kPasses:
    case Expect::kFiltered: {
      bool passed = p.outcome == ProbeOutcome::kReply || p.outcome == ProbeOutcome::kConnected ||
                    p.outcome == ProbeOutcome::kRefused;
      bool dropped = p.outcome == ProbeOutcome::kTimeout;
      std::string seen = passed    ? "allowed (" + probe_observed() + ")"
                         : dropped ? "denied"
                                   : probe_observed();
      return {verdict(check.expect == Expect::kPasses ? passed : dropped), seen};
    }
    case Expect::kRuleset:
      switch (seen.ruleset) {
        case RulesetState::kIdentical:
          return {Verdict::kPass, "identical to the plan"};
        case RulesetState::kNoTable:
          return {Verdict::kFail, "no labgate table"};
        case RulesetState::kDiffers:
          return {Verdict::kFail, "another plan is applied"};
        case RulesetState::kChangedByHand:
          return {Verdict::kFail, "changed since labgate applied it"};
        case RulesetState::kUnread:
          return {Verdict::kFail, seen.value.empty() ? "unreadable" : "unreadable: " + seen.value};
      }
      return {Verdict::kFail, "?"};
    case Expect::kSysctl:
      return {verdict(seen.value == check.expected_value),
              seen.value.empty() ? "unreadable" : seen.value};
    case Expect::kDnsAnswer:
      if (p.outcome == ProbeOutcome::kReply)
        return {verdict(p.label == check.expected_value), p.label};
      return {Verdict::kFail, probe_observed()};
    case Expect::kSkip:
      return {Verdict::kSkip, check.skip_reason};
  }
  return {Verdict::kFail, "?"};
}

}  // namespace labgate
