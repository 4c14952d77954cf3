#include "dns/authority.h"
#include "plan/plan.h"

#include <gtest/gtest.h>

#include <string>

#include "diag/diagnostic.h"
#include "dns/message.h"
#include "dns/split_horizon_topology.h"
#include "topology/loader.h"

namespace labgate::dns {
namespace {

using testing::kSplitHorizonTopology;

const Topology& topology() {
  static const Topology t = [] {
    Diagnostics d;
    Topology t = check_topology(kSplitHorizonTopology, d);
    for (const auto& e : d.all()) ADD_FAILURE() << format_diagnostic("test", e);
    return t;
  }();
  return t;
}

std::shared_ptr<const Authority> build(AuthorityOptions options = {}) {
  auto a = Authority::build(compile(topology()).dns, options);
  EXPECT_TRUE(a) << a.error();
  return a ? *a : nullptr;
}

IpAddress ip(const char* text) {
  return *IpAddress::parse(text);
}

struct Case {
  const char* client;
  const char* qname;
  uint16_t qtype;
  Outcome outcome;
  const char* a = nullptr;  // the A record's address, for kAnswer of type A
};

TEST(Authority, SplitHorizonTable) {
  auto auth = build();
  const Case cases[] = {
      // The seed's own question: the LAN gets the gateway, the cluster gets the service.
      {"192.168.1.10", "argocd.cluster", type::kA, Outcome::kAnswer, "192.168.1.55"},
      {"192.168.100.60", "argocd.cluster", type::kA, Outcome::kAnswer, "192.168.100.80"},
      {"192.168.100.60", "ARGOCD.Cluster.", type::kA, Outcome::kAnswer, "192.168.100.80"},
      // A service on the LAN: the LAN gets it directly; the cluster has no forward to it.
      {"192.168.1.10", "nas.cluster", type::kA, Outcome::kAnswer, "192.168.1.20"},
      {"192.168.100.60", "nas.cluster", type::kA, Outcome::kRefused},
      // A network that reaches nothing, and a client on no network at all.
      {"10.9.0.5", "argocd.cluster", type::kA, Outcome::kRefused},
      {"172.16.0.1", "argocd.cluster", type::kA, Outcome::kRefused},
      {"172.16.0.1", "nosuch.cluster", type::kA, Outcome::kRefused},
      {"127.0.0.1", "argocd.cluster", type::kA, Outcome::kRefused},
      // Two labels deep; its parent exists only as an empty non-terminal.
      {"192.168.1.10", "api.k8s.cluster", type::kA, Outcome::kAnswer, "192.168.1.55"},
      {"192.168.1.10", "k8s.cluster", type::kA, Outcome::kNoData},
      // Wildcards (RFC 4592): any depth below apps, but not apps itself, and an explicit name
      // below apps wins and blocks the wildcard beneath it.
      {"192.168.1.10", "grafana.apps.cluster", type::kA, Outcome::kAnswer, "192.168.1.55"},
      {"192.168.100.9", "a.b.apps.cluster", type::kA, Outcome::kAnswer, "192.168.100.80"},
      {"192.168.1.10", "apps.cluster", type::kA, Outcome::kNoData},
      {"192.168.1.10", "files.apps.cluster", type::kA, Outcome::kAnswer, "192.168.1.55"},
      {"192.168.100.9", "files.apps.cluster", type::kA, Outcome::kAnswer, "192.168.100.81"},
      {"192.168.1.10", "x.files.apps.cluster", type::kA, Outcome::kNxDomain},
      {"192.168.1.10", "*.apps.cluster", type::kA, Outcome::kAnswer, "192.168.1.55"},
      // NODATA for other types of a name that exists; AAAA is never forwarded.
      {"192.168.1.10", "argocd.cluster", type::kAaaa, Outcome::kNoData},
      {"192.168.1.10", "grafana.apps.cluster", type::kAaaa, Outcome::kNoData},
      {"192.168.1.10", "argocd.cluster", type::kMx, Outcome::kNoData},
      {"192.168.1.10", "argocd.cluster", type::kAny, Outcome::kAnswer, "192.168.1.55"},
      // NXDOMAIN under the zone, names outside it are not local.
      {"192.168.1.10", "nosuch.cluster", type::kA, Outcome::kNxDomain},
      {"192.168.1.10", "nosuch.cluster", type::kAaaa, Outcome::kNxDomain},
      {"192.168.1.10", "argocd.cluster.example", type::kA, Outcome::kNotLocal},
      {"192.168.1.10", "xcluster", type::kA, Outcome::kNotLocal},
      {"192.168.1.10", "example.com", type::kA, Outcome::kNotLocal},
      // The gateway's own name resolves to its address on the asker's network.
      {"192.168.1.10", "pve.cluster", type::kA, Outcome::kAnswer, "192.168.1.55"},
      {"192.168.100.9", "pve.cluster", type::kA, Outcome::kAnswer, "192.168.100.1"},
      {"10.9.0.5", "pve.cluster", type::kA, Outcome::kAnswer, "10.9.0.1"},
      // The apex owns SOA and NS only.
      {"192.168.1.10", "cluster", type::kSoa, Outcome::kAnswer},
      {"192.168.1.10", "cluster", type::kNs, Outcome::kAnswer},
      {"192.168.1.10", "cluster", type::kA, Outcome::kNoData},
      // PTR for the named addresses only.
      {"192.168.1.10", "80.100.168.192.in-addr.arpa", type::kPtr, Outcome::kAnswer},
      {"192.168.1.10", "55.1.168.192.in-addr.arpa", type::kPtr, Outcome::kAnswer},
      {"192.168.1.10", "99.100.168.192.in-addr.arpa", type::kPtr, Outcome::kNotLocal},
      {"172.16.0.1", "80.100.168.192.in-addr.arpa", type::kPtr, Outcome::kRefused},
  };
  for (const Case& c : cases) {
    std::string what = std::string(c.client) + " " + c.qname + " type " + std::to_string(c.qtype);
    Lookup r = auth->lookup(*Name::from_text(c.qname), c.qtype, ip(c.client));
    EXPECT_EQ(to_string(r.outcome), std::string(to_string(c.outcome))) << what;
    if (c.a) {
      ASSERT_EQ(r.answer_count, 1) << what;
      EXPECT_EQ(r.answers[0].type, type::kA) << what;
      EXPECT_EQ(IpAddress::v4(r.answers[0].address).str(), c.a) << what;
      // The same record precomputed in wire form: owner -> offset 12, A, IN, TTL 300, 4 bytes.
      ASSERT_NE(r.a_wire, nullptr) << what;
      uint32_t v = r.answers[0].address;
      AnswerWire expected = {0xC0,
                             0x0C,
                             0,
                             1,
                             0,
                             1,
                             0,
                             0,
                             0x01,
                             0x2C,
                             0,
                             4,
                             static_cast<uint8_t>(v >> 24),
                             static_cast<uint8_t>(v >> 16),
                             static_cast<uint8_t>(v >> 8),
                             static_cast<uint8_t>(v)};
      EXPECT_EQ(*r.a_wire, expected) << what;
    } else {
      EXPECT_EQ(r.a_wire, nullptr) << what;  // only A answers have precomputed bytes
    }
    if (r.outcome != Outcome::kAnswer) {
      EXPECT_EQ(r.answer_count, 0) << what;
    }
  }
}

// dns.unreachable: nxdomain answers NXDOMAIN, of every type, where a view cannot reach the
// name's service; clients on no network are still refused, and reachable names still answer.
TEST(Authority, UnreachableNamesCanBeNxdomain) {
  Plan plan = compile(topology());
  plan.dns.unreachable_nxdomain = true;
  auto built = Authority::build(plan.dns, {});
  ASSERT_TRUE(built) << built.error();
  const Authority& auth = **built;
  EXPECT_EQ(auth.lookup(*Name::from_text("nas.cluster"), type::kA, ip("192.168.100.60")).outcome,
            Outcome::kNxDomain);
  EXPECT_EQ(auth.lookup(*Name::from_text("nas.cluster"), type::kAaaa, ip("192.168.100.60")).outcome,
            Outcome::kNxDomain);
  EXPECT_EQ(auth.lookup(*Name::from_text("nas.cluster"), type::kA, ip("192.168.1.10")).outcome,
            Outcome::kAnswer);
  EXPECT_EQ(auth.lookup(*Name::from_text("argocd.cluster"), type::kA, ip("172.16.0.1")).outcome,
            Outcome::kRefused);
}

TEST(Authority, ApexRecordsAndSoaFields) {
  auto auth = build({.serial = 2026112601});
  Lookup any = auth->lookup(*Name::from_text("cluster"), type::kAny, ip("192.168.1.10"));
  ASSERT_EQ(any.outcome, Outcome::kAnswer);
  ASSERT_EQ(any.answer_count, 2);
  ASSERT_EQ(any.answers[0].type, type::kSoa);
  const Soa& soa = *any.answers[0].soa;
  EXPECT_EQ(soa.mname.to_text(), "pve.cluster.");
  EXPECT_EQ(soa.rname.to_text(), "hostmaster.cluster.");
  EXPECT_EQ(soa.serial, 2026112601u);
  EXPECT_EQ(soa.minimum, 300u);  // dns.ttl: negative answers live as long as positive ones
  EXPECT_EQ(any.answers[1].type, type::kNs);
  EXPECT_EQ(any.answers[1].target->to_text(), "pve.cluster.");
  EXPECT_EQ(auth->ttl(), 300u);
}

TEST(Authority, PtrTargetsResolveForward) {
  auto auth = build();
  Lookup r = auth->lookup(reverse_name(ip("192.168.100.80")), type::kPtr, ip("192.168.1.10"));
  ASSERT_EQ(r.answer_count, 1);
  EXPECT_EQ(r.answers[0].target->to_text(), "argocd.cluster.");
  r = auth->lookup(reverse_name(ip("192.168.100.1")), type::kPtr, ip("192.168.1.10"));
  ASSERT_EQ(r.answer_count, 1);
  EXPECT_EQ(r.answers[0].target->to_text(), "pve.cluster.");
  EXPECT_EQ(reverse_name(ip("192.168.100.80")).to_text(), "80.100.168.192.in-addr.arpa.");
  // RFC 3596 section 2.5 example (lower case)
  EXPECT_EQ(reverse_name(ip("4321:0:1:2:3:4:567:89ab")).to_text(),
            "b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.0.0.0.0.1.2.3.4.ip6.arpa.");
}

TEST(Authority, LoopbackViewIsOptIn) {
  auto auth = build({.loopback_view = "cluster"});
  Lookup r = auth->lookup(*Name::from_text("argocd.cluster"), type::kA, ip("127.0.0.1"));
  ASSERT_EQ(r.outcome, Outcome::kAnswer);
  EXPECT_EQ(IpAddress::v4(r.answers[0].address).str(), "192.168.100.80");
  auto failed = Authority::build(compile(topology()).dns, {.loopback_view = "nosuch"});
  EXPECT_FALSE(failed);
  EXPECT_NE(failed.error().find("nosuch"), std::string::npos);
}

TEST(Authority, WithoutADnsSectionNothingIsLocal) {
  Diagnostics d;
  Topology t = check_topology(R"(
version: 1
networks:
  lan: { interface: eth0, subnet: 192.168.1.0/24, address: 192.168.1.2 }
)",
                              d);
  ASSERT_FALSE(d.has_errors());
  auto built = Authority::build(compile(t).dns, {});
  ASSERT_TRUE(built);
  auto auth = *built;
  EXPECT_EQ(auth->lookup(*Name::from_text("argocd.cluster"), type::kA, ip("192.168.1.9")).outcome,
            Outcome::kNotLocal);
}

}  // namespace
}  // namespace labgate::dns
