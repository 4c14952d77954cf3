#include "verify/checks.h"

#include <map>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "support/valid_topology.h"
#include "topology/loader.h"
#include "topology/seed.h"

namespace labgate {
namespace {

using test_support::load_valid;

std::vector<Check> checks_for(std::string_view text) {
  Topology t = load_valid(text);
  LabPlan lab;
  std::string error;
  Plan plan = compile(t);
  Result<LabPlan> planned = plan_lab(t, plan, "t");
  EXPECT_TRUE(planned) << planned.error();
  if (planned) lab = *planned;
  return lab_checks(plan, lab, "/run/labgate/lab-t/state");
}

struct Row {
  std::string name, from, to, expected;
};

std::vector<Row> rows(const std::vector<Check>& checks) {
  std::vector<Row> out;
  for (const auto& c : checks) out.push_back({c.name, c.from, c.to, c.expected()});
  return out;
}

void expect_rows(const std::vector<Check>& checks, const std::vector<Row>& expected) {
  auto got = rows(checks);
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    SCOPED_TRACE(expected[i].name);
    EXPECT_EQ(got[i].name, expected[i].name);
    EXPECT_EQ(got[i].from, expected[i].from);
    EXPECT_EQ(got[i].to, expected[i].to);
    EXPECT_EQ(got[i].expected, expected[i].expected);
  }
}

// Every check of the seed's lab, in order: the table `make demo` prints.
TEST(LabChecks, Seed) {
  auto checks = checks_for(seed_topology_text());
  expect_rows(
      checks,
      {
          {"ruleset/inet-labgate", "gateway", "nftables table inet labgate",
           "identical to the plan"},
          {"sysctl/net.ipv4.ip_forward", "gateway", "net.ipv4.ip_forward", "1"},
          {"ping-gateway/talos-controlplane-01", "talos-controlplane-01", "192.168.100.1 icmp",
           "echo reply"},
          {"ping-gateway/talos-worker-01", "talos-worker-01", "192.168.100.1 icmp", "echo reply"},
          {"internet/talos-controlplane-01", "talos-controlplane-01", "203.0.113.10:80/tcp",
           "upstream sees 192.168.1.55"},
          {"internet/talos-worker-01", "talos-worker-01", "203.0.113.10:80/tcp",
           "upstream sees 192.168.1.55"},
          // Client addresses are kept by default...
          {"forward/lan:80/tcp", "client-lan", "192.168.1.55:80/tcp", "ingress sees 192.168.1.2"},
          // ...and hairpin flows are SNAT'ed to the gateway's cluster address.
          {"hairpin/lan:80/tcp", "talos-controlplane-01", "192.168.1.55:80/tcp",
           "ingress sees 192.168.100.1"},
          {"forward/lan:443/tcp", "client-lan", "192.168.1.55:443/tcp", "ingress sees 192.168.1.2"},
          {"hairpin/lan:443/tcp", "talos-controlplane-01", "192.168.1.55:443/tcp",
           "ingress sees 192.168.100.1"},
          {"forward/lan:6443/tcp", "client-lan", "192.168.1.55:6443/tcp",
           "kubernetes-api sees 192.168.1.2"},
          // The control plane runs the API itself, so the worker plays the hairpin client.
          {"hairpin/lan:6443/tcp", "talos-worker-01", "192.168.1.55:6443/tcp",
           "kubernetes-api sees 192.168.100.1"},
          {"forward/lan:2222/tcp", "client-lan", "192.168.1.55:2222/tcp", "sftp sees 192.168.1.2"},
          {"hairpin/lan:2222/tcp", "talos-controlplane-01", "192.168.1.55:2222/tcp",
           "sftp sees 192.168.100.1"},
          // Split-horizon DNS: the LAN gets the gateway (where the forwards listen), the cluster
          // gets the service itself.
          {"dns/argocd.cluster/client-lan", "client-lan", "argocd.cluster A @192.168.1.55",
           "192.168.1.55"},
          {"dns/argocd.cluster/client-cluster", "client-cluster", "argocd.cluster A @192.168.100.1",
           "192.168.100.80"},
          {"dns/longhorn.cluster/client-lan", "client-lan", "longhorn.cluster A @192.168.1.55",
           "192.168.1.55"},
          {"dns/longhorn.cluster/client-cluster", "client-cluster",
           "longhorn.cluster A @192.168.100.1", "192.168.100.80"},
          {"dns/navidrome.cluster/client-lan", "client-lan", "navidrome.cluster A @192.168.1.55",
           "192.168.1.55"},
          {"dns/navidrome.cluster/client-cluster", "client-cluster",
           "navidrome.cluster A @192.168.100.1", "192.168.100.80"},
          // Other names go through the forwarder to the router's resolver (a real Unbound).
          {"recursion/client-lan", "client-lan", "internet.labgate.test A @192.168.1.55",
           "203.0.113.10"},
          {"recursion/client-cluster", "client-cluster", "internet.labgate.test A @192.168.100.1",
           "203.0.113.10"},
          {"isolation/client-lan/ingress:http", "client-lan", "192.168.100.80:80/tcp", "blocked"},
          {"isolation/client-lan/ingress:https", "client-lan", "192.168.100.80:443/tcp", "blocked"},
          {"isolation/client-lan/kubernetes-api:api", "client-lan", "192.168.100.50:6443/tcp",
           "blocked"},
          {"isolation/client-lan/sftp:ssh", "client-lan", "192.168.100.81:22/tcp", "blocked"},
      });
  // Probes run in the lab's namespaces.
  EXPECT_EQ(checks[0].from_netns, "lg-t-gateway");
  // The ruleset check compares with the table this plan compiles to, and what apply recorded.
  EXPECT_EQ(checks[0].subject, "/run/labgate/lab-t/state");
  EXPECT_NE(checks[0].ruleset.find("192.168.1.55 . 2222 : 192.168.100.81 . 22"), std::string::npos)
      << checks[0].ruleset;
  EXPECT_EQ(checks[6].from_netns, "lg-t-client-lan");
}

// snat: true, a UDP port, proxy forwards, an accepting network and a second cluster network.
TEST(LabChecks, Variants) {
  const char* text = R"(version: 1
networks:
  lan: { interface: vmbr0, subnet: 192.168.1.0/24, address: 192.168.1.55, router: 192.168.1.1, uplink: true }
  cluster: { interface: vmbr1, subnet: 192.168.100.0/24, address: 192.168.100.1, masquerade: true }
  open: { interface: vmbr2, subnet: 10.0.0.0/24, address: 10.0.0.1, inbound: accept }
hosts:
  vm: { network: cluster, address: 192.168.100.60 }
services:
  sftp: { address: 192.168.100.81, ports: { ssh: 22, dns: "53/udp" } }
  web: { address: 10.0.0.5, ports: { http: 80 } }
  files: { address: 192.168.1.20, ports: { smb: 445 } }
forwards:
  - { listen: lan:2222, to: sftp:ssh, snat: true }
  - { listen: lan:53, to: sftp:dns }
  - { listen: lan:8080, to: web:http, via: proxy }
  - { listen: cluster:8445, to: files:smb }
  - { listen: lan:8443, to: web:http, via: proxy, sni: true }
)";
  auto checks = checks_for(text);
  auto find = [&](const std::string& name) -> const Check* {
    for (const auto& c : checks)
      if (c.name == name) return &c;
    ADD_FAILURE() << "no check " << name;
    return nullptr;
  };
  // snat: true hides the LAN client behind the gateway's address on the backend's network.
  EXPECT_EQ(find("forward/lan:2222/tcp")->expected(), "sftp sees 192.168.100.1");
  // From a masquerading network into the uplink: the backend sees the gateway's uplink address.
  EXPECT_EQ(find("forward/cluster:8445/tcp")->expected(), "files sees 192.168.1.55");
  EXPECT_EQ(find("hairpin/cluster:8445/tcp")->expected(), "files sees 192.168.1.55");
  const Check* udp = find("forward/lan:53/udp");
  EXPECT_EQ(udp->probe.kind, ProbeKind::kUdp);
  EXPECT_EQ(udp->expected(), "sftp sees 192.168.1.2");
  // The proxy (`labgate run` in the gateway) connects to the backend from the gateway, from the
  // LAN and, with no host on `open`, from that network's client.
  EXPECT_EQ(find("forward/lan:8080/tcp")->expected(), "web sees 10.0.0.1");
  EXPECT_EQ(find("hairpin/lan:8080/tcp")->expected(), "web sees 10.0.0.1");
  // SNI routing needs a TLS client, which the lab's probes are not.
  const Check* sni = find("forward/lan:8443/tcp");
  EXPECT_EQ(sni->expect, Expect::kSkip);
  EXPECT_NE(sni->skip_reason.find("TLS"), std::string::npos) << sni->skip_reason;
  for (const auto& c : checks) EXPECT_NE(c.name, "hairpin/lan:8443/tcp");
  // A network with inbound: accept is reachable directly, and sees the client's own address.
  EXPECT_EQ(find("isolation/client-lan/web:http")->expected(), "web sees 192.168.1.2");
  EXPECT_EQ(find("isolation/client-cluster/web:http")->expected(), "web sees 192.168.100.2");
  EXPECT_EQ(find("isolation/client-open/sftp:ssh")->expected(), "blocked");
  // The cluster's masqueraded egress into the LAN is allowed by design: no isolation check.
  for (const auto& c : checks)
    EXPECT_FALSE(c.name.starts_with("isolation/client-cluster/") &&
                 c.name.find("web") == std::string::npos)
        << c.name;
  // Names are unique: tests and scripts match on them.
  std::set<std::string> names;
  for (const auto& c : checks) EXPECT_TRUE(names.insert(c.name).second) << c.name;
}

TEST(LiveChecks, SeedListsWhatNeedsALab) {
  Topology t = load_valid(seed_topology_text());
  auto checks = live_checks(t, compile(t), "/var/lib/labgate");
  ASSERT_GE(checks.size(), 6u);
  EXPECT_EQ(checks[0].name, "ruleset/inet-labgate");
  EXPECT_EQ(checks[1].name, "sysctl/net.ipv4.ip_forward");
  EXPECT_EQ(checks[2].name, "backend/ingress:http");
  EXPECT_EQ(checks[2].to, "192.168.100.80:80/tcp");
  EXPECT_EQ(checks[2].expect, Expect::kReachable);
  EXPECT_EQ(checks[2].from_netns, "");
  size_t needs_lab = 0;
  for (const auto& c : checks)
    if (c.expect == Expect::kSkip && c.skip_reason == "needs --lab") ++needs_lab;
  // 2 VMs x (ping, internet) + 4 forwards x (forward, hairpin) + isolation + DNS.
  EXPECT_EQ(needs_lab, 4u + 8u + 1u + 1u);
}

ProbeResult reply(const char* label, const char* peer) {
  ProbeResult r;
  r.outcome = ProbeOutcome::kReply;
  r.label = label;
  r.peer = *IpAddress::parse(peer);
  return r;
}

ProbeResult outcome(ProbeOutcome o) {
  ProbeResult r;
  r.outcome = o;
  return r;
}

Observation saw(ProbeResult r) {
  Observation o;
  o.probe = std::move(r);
  return o;
}

TEST(Judge, Table) {
  Check want_reply;
  want_reply.expect = Expect::kReply;
  want_reply.expected_label = "ingress";
  want_reply.expected_peer = *IpAddress::parse("192.168.1.2");
  Check blocked;
  blocked.expect = Expect::kBlocked;
  Check ping;
  ping.expect = Expect::kReachable;
  ping.probe.kind = ProbeKind::kIcmp;
  Check sysctl;
  sysctl.expect = Expect::kSysctl;
  sysctl.expected_value = "1";
  Check table;
  table.expect = Expect::kRuleset;
  Check skip;
  skip.expect = Expect::kSkip;
  skip.skip_reason = "needs --lab";

  struct Case {
    const Check* check;
    Observation seen;
    Verdict verdict;
    std::string observed;
  };
  Observation sysctl_one;
  sysctl_one.value = "1";
  Observation sysctl_zero;
  sysctl_zero.value = "0";
  auto ruleset = [](RulesetState state) {
    Observation o;
    o.ruleset = state;
    return o;
  };
  const Case cases[] = {
      {&want_reply, saw(reply("ingress", "192.168.1.2")), Verdict::kPass,
       "ingress sees 192.168.1.2"},
      // The right service, but SNAT'ed: the file said the client's address is kept.
      {&want_reply, saw(reply("ingress", "192.168.100.1")), Verdict::kFail,
       "ingress sees 192.168.100.1"},
      // The wrong service answered.
      {&want_reply, saw(reply("sftp", "192.168.1.2")), Verdict::kFail, "sftp sees 192.168.1.2"},
      {&want_reply, saw(outcome(ProbeOutcome::kTimeout)), Verdict::kFail, "timeout"},
      {&want_reply, saw(outcome(ProbeOutcome::kRefused)), Verdict::kFail, "refused"},
      {&want_reply, saw(outcome(ProbeOutcome::kConnected)), Verdict::kFail, "connected"},
      {&blocked, saw(outcome(ProbeOutcome::kTimeout)), Verdict::kPass, "timeout"},
      {&blocked, saw(outcome(ProbeOutcome::kRefused)), Verdict::kPass, "refused"},
      {&blocked, saw(outcome(ProbeOutcome::kUnreachable)), Verdict::kPass, "unreachable"},
      {&blocked, saw(reply("sftp", "192.168.1.2")), Verdict::kFail, "sftp sees 192.168.1.2"},
      {&blocked, saw(outcome(ProbeOutcome::kError)), Verdict::kFail, "error"},
      {&ping, saw(outcome(ProbeOutcome::kConnected)), Verdict::kPass, "echo reply"},
      {&ping, saw(outcome(ProbeOutcome::kTimeout)), Verdict::kFail, "timeout"},
      {&sysctl, sysctl_one, Verdict::kPass, "1"},
      {&sysctl, sysctl_zero, Verdict::kFail, "0"},
      {&sysctl, Observation{}, Verdict::kFail, "unreadable"},
      {&table, ruleset(RulesetState::kIdentical), Verdict::kPass, "identical to the plan"},
      {&table, ruleset(RulesetState::kNoTable), Verdict::kFail, "no labgate table"},
      {&table, ruleset(RulesetState::kDiffers), Verdict::kFail, "another plan is applied"},
      {&table, ruleset(RulesetState::kChangedByHand), Verdict::kFail,
       "changed since labgate applied it"},
      {&table, Observation{}, Verdict::kFail, "unreadable"},
      {&skip, Observation{}, Verdict::kSkip, "needs --lab"},
  };
  for (const auto& c : cases) {
    Judgement j = judge(*c.check, c.seen);
    EXPECT_EQ(j.verdict, c.verdict) << c.observed;
    EXPECT_EQ(j.observed, c.observed);
  }
}

// Recursion follows dns.recursion; an upstream the lab cannot stand for is skipped, not failed.
TEST(LabChecks, RecursionFollowsTheAllowList) {
  const std::string base = R"(version: 1
networks:
  lan: { interface: vmbr0, subnet: 192.168.1.0/24, address: 192.168.1.55, router: 192.168.1.1, uplink: true }
  cluster: { interface: vmbr1, subnet: 192.168.100.0/24, address: 192.168.100.1, masquerade: true }
dns:
  zone: cluster
)";
  struct Case {
    std::string dns;
    std::string lan, cluster;  // expected(), "-" for a skipped check
  };
  const Case cases[] = {
      {"  upstreams: [192.168.1.1]\n  recursion: [cluster]\n", "REFUSED", "203.0.113.10"},
      {"  upstreams: [9.9.9.9]\n", "203.0.113.10", "203.0.113.10"},  // off every network
      {"  upstreams: [192.168.1.53]\n", "-", "-"},  // a LAN resolver: no node in the lab
      {"", "REFUSED", "REFUSED"},                   // no upstream: no forwarding
      {"  upstreams: [192.168.1.1]\n  recursion: []\n", "REFUSED", "REFUSED"},  // nobody
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.dns);
    std::map<std::string, std::string> got;
    for (const auto& check : checks_for(base + c.dns))
      if (check.name.starts_with("recursion/")) got[check.name] = check.expected();
    EXPECT_EQ(got["recursion/client-lan"], c.lan);
    EXPECT_EQ(got["recursion/client-cluster"], c.cluster);
  }
}

}  // namespace
}  // namespace labgate
