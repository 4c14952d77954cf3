#include "dns/responder.h"
#include "plan/plan.h"

#include <gtest/gtest.h>

#include "diag/diagnostic.h"
#include "dns/dns_test_util.h"
#include "topology/loader.h"
#include "topology/seed.h"

namespace labgate::dns {
namespace {

using testing::Bytes;
using testing::make_query;
using testing::QueryOptions;

const IpAddress kLanClient = IpAddress::v4(0xC0A8010A);      // 192.168.1.10
const IpAddress kClusterClient = IpAddress::v4(0xC0A8643C);  // 192.168.100.60
const IpAddress kStranger = IpAddress::v4(0xAC100001);       // 172.16.0.1

const Authority& seed() {
  static const std::shared_ptr<const Authority> a = [] {
    Diagnostics d;
    Topology t = check_topology(seed_topology_text(), d);
    return Authority::build(compile(t).dns, {}).value();
  }();
  return *a;
}

struct Reply {
  size_t size = 0;
  Bytes bytes;
  Message m;
  uint8_t rcode() const { return m.header.rcode(); }
  bool flag(uint16_t f) const { return (m.header.flags & f) != 0; }
};

Reply ask(const Bytes& query, IpAddress client, Transport t = Transport::kUdp) {
  Reply r;
  r.bytes.resize(kMaxMessageBytes);
  r.size = respond(seed(), query.data(), query.size(), client, t, r.bytes.data(), r.bytes.size());
  r.bytes.resize(r.size);
  if (r.size) {
    EXPECT_EQ(parse_message(r.bytes.data(), r.size, &r.m), ParseStatus::kOk);
  }
  return r;
}

uint32_t a_of(const Reply& r, size_t i = 0) {
  const uint8_t* p = r.bytes.data() + r.m.answers.at(i).rdata_offset;
  return uint32_t{p[0]} << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

TEST(Respond, AnswersTheSeedsQuestionByNetwork) {
  Reply lan = ask(make_query("argocd.cluster", type::kA, {.id = 77}), kLanClient);
  EXPECT_EQ(lan.m.header.id, 77);
  EXPECT_EQ(lan.rcode(), rcode::kNoError);
  EXPECT_TRUE(lan.flag(flag::kQr));
  EXPECT_TRUE(lan.flag(flag::kAa));
  EXPECT_TRUE(lan.flag(flag::kRd));   // copied from the query
  EXPECT_FALSE(lan.flag(flag::kRa));  // no recursion offered (yet)
  ASSERT_EQ(lan.m.questions.size(), 1u);
  ASSERT_EQ(lan.m.answers.size(), 1u);
  EXPECT_EQ(a_of(lan), 0xC0A80137u);  // 192.168.1.55
  EXPECT_EQ(lan.m.answers[0].ttl, 60u);
  EXPECT_FALSE(lan.m.edns.present);

  Reply cluster = ask(make_query("argocd.cluster", type::kA), kClusterClient);
  ASSERT_EQ(cluster.m.answers.size(), 1u);
  EXPECT_EQ(a_of(cluster), 0xC0A86450u);  // 192.168.100.80
}

TEST(Respond, NegativeAnswersCarryTheSoa) {
  for (auto [name, qtype, rc] : {std::tuple{"longhorn.cluster", type::kAaaa, rcode::kNoError},
                                 std::tuple{"nosuch.cluster", type::kA, rcode::kNxDomain}}) {
    Reply r = ask(make_query(name, qtype, {.edns = true}), kLanClient);
    EXPECT_EQ(r.rcode(), rc) << name;
    EXPECT_TRUE(r.flag(flag::kAa)) << name;
    EXPECT_TRUE(r.m.answers.empty()) << name;
    ASSERT_EQ(r.m.authority.size(), 1u) << name;
    EXPECT_EQ(r.m.authority[0].type, type::kSoa);
    EXPECT_EQ(r.m.authority[0].name.to_text(), "cluster.");
    EXPECT_TRUE(r.m.edns.present) << name;
    EXPECT_EQ(r.m.edns.udp_size, kEdnsUdpSize);
  }
}

TEST(Respond, RefusesWhatItDoesNotServe) {
  struct Case {
    const char* what;
    Bytes query;
    IpAddress client;
  };
  const Case cases[] = {
      {"local name, client on no network", make_query("argocd.cluster", type::kA), kStranger},
      {"a name outside the zone (no forwarder)", make_query("example.com", type::kA), kLanClient},
      {"class CH", make_query("version.bind", type::kTxt, {.qclass = klass::kChaos}), kLanClient},
      {"zone transfer", make_query("cluster", 252), kLanClient},
  };
  for (const auto& c : cases) {
    Reply r = ask(c.query, c.client);
    EXPECT_EQ(r.rcode(), rcode::kRefused) << c.what;
    EXPECT_FALSE(r.flag(flag::kAa)) << c.what;
    EXPECT_EQ(r.m.questions.size(), 1u) << c.what;
    EXPECT_TRUE(r.m.answers.empty()) << c.what;
  }
}

TEST(Respond, MalformedQueries) {
  Bytes good = make_query("argocd.cluster", type::kA, {.id = 9});
  Bytes two = good;
  two[5] = 2;
  Reply r = ask(two, kLanClient);
  EXPECT_EQ(r.rcode(), rcode::kFormErr);
  EXPECT_EQ(r.m.header.id, 9);
  EXPECT_TRUE(r.m.questions.empty());

  Bytes loop = good;
  loop[12] = 0xC0;
  loop[13] = 12;
  EXPECT_EQ(ask(loop, kLanClient).rcode(), rcode::kFormErr);

  // Too short to have an ID, or a response: silence.
  EXPECT_EQ(ask(Bytes(good.begin(), good.begin() + 11), kLanClient).size, 0u);
  Bytes response = good;
  response[2] |= 0x80;
  EXPECT_EQ(ask(response, kLanClient).size, 0u);

  Bytes notify = make_query("cluster", type::kSoa, {.flags = 4 << 11});
  Reply n = ask(notify, kLanClient);
  EXPECT_EQ(n.rcode(), rcode::kNotImp);
  EXPECT_EQ((n.m.header.flags >> 11) & 0xF, 4);
}

TEST(Respond, EdnsVersionAboveZeroIsBadvers) {
  Bytes q = make_query("argocd.cluster", type::kA, {.edns = true});
  q[q.size() - 5] = 1;  // OPT TTL byte 2: the version
  Reply r = ask(q, kLanClient);
  ASSERT_TRUE(r.m.edns.present);
  EXPECT_EQ((r.m.edns.extended_rcode << 4) | r.rcode(), rcode::kBadVers);
}

TEST(Respond, BadversEchoesTheQuestion) {
  // RFC 6891 section 7 and what Unbound and BIND do: the question comes back with BADVERS.
  Bytes q = make_query("argocd.cluster", type::kA, {.edns = true});
  q[q.size() - 5] = 1;
  Reply r = ask(q, kLanClient);
  ASSERT_EQ(r.m.questions.size(), 1u);
  EXPECT_EQ(r.m.questions[0].name, *Name::from_text("argocd.cluster"));
  EXPECT_EQ(r.m.questions[0].qtype, type::kA);
  EXPECT_TRUE(r.m.answers.empty());
}

TEST(Respond, AQueryForTypeOptIsFormerr) {
  // OPT is a pseudo-record (RFC 6891 section 6.1.1): it cannot be asked for. Unbound: FORMERR.
  for (const char* name : {"argocd.cluster", "nosuch.cluster", "example.com"}) {
    for (bool edns : {false, true}) {
      Reply r = ask(make_query(name, type::kOpt, {.edns = edns}), kLanClient);
      EXPECT_EQ(r.rcode(), rcode::kFormErr) << name;
      EXPECT_TRUE(r.m.answers.empty()) << name;
      EXPECT_EQ(r.m.edns.present, edns) << name;
    }
  }
}

TEST(Respond, FormerrKeepsAValidOpt) {
  // RFC 6891 section 7: a responder includes OPT in its reply to a request with OPT, and leaves it
  // out only when the OPT itself is the problem.
  Bytes good = make_query("argocd.cluster", type::kA, {.id = 5, .edns = true});
  struct Case {
    const char* what;
    Bytes query;
    bool opt;
  };
  Bytes two_questions = good;  // QDCOUNT 2, both whole, then a valid OPT
  two_questions[5] = 2;
  two_questions.insert(two_questions.begin() + 32, good.begin() + 12, good.begin() + 32);
  Bytes trailing = good;
  trailing.push_back(0);
  Bytes two_opts = good;
  two_opts[11] = 2;
  two_opts.insert(two_opts.end(), good.end() - 11, good.end());
  Bytes opt_not_root = good;
  opt_not_root[opt_not_root.size() - 11] = 0xC0;  // owner: a pointer to the question name
  opt_not_root.insert(opt_not_root.end() - 10, uint8_t{12});
  Bytes opt_in_answers = good;
  opt_in_answers[7] = 1;
  opt_in_answers[11] = 0;
  for (const Case& c :
       {Case{"trailing byte", trailing, true}, Case{"two questions", two_questions, true},
        Case{"two OPT records", two_opts, false}, Case{"OPT owner not root", opt_not_root, false},
        Case{"OPT in the answer section", opt_in_answers, false}}) {
    Reply r = ask(c.query, kLanClient);
    EXPECT_EQ(r.rcode(), rcode::kFormErr) << c.what;
    EXPECT_EQ(r.m.header.id, 5) << c.what;
    EXPECT_EQ(r.m.edns.present, c.opt) << c.what;
    if (c.opt) {
      EXPECT_EQ(r.m.edns.udp_size, kEdnsUdpSize) << c.what;
    }
  }
  // Without OPT in the query, none in the FORMERR.
  Bytes plain = make_query("argocd.cluster", type::kA);
  plain.push_back(0);
  Reply r = ask(plain, kLanClient);
  EXPECT_EQ(r.rcode(), rcode::kFormErr);
  EXPECT_FALSE(r.m.edns.present);
}

TEST(Respond, TheLongestNameFitsInPlainUdp) {
  // A 255-byte name: the largest local reply (NXDOMAIN with the SOA, compressed) still fits in
  // 512 bytes, so local answers never need TC; UDP and TCP give the same reply.
  std::string label(61, 'x');
  std::string name = label + "." + label + "." + label + "." + std::string(59, 'y') + ".cluster";
  ASSERT_EQ(Name::from_text(name)->size(), 255u);
  Bytes q = make_query(name, type::kA);
  Reply udp = ask(q, kLanClient, Transport::kUdp);
  EXPECT_FALSE(udp.flag(flag::kTc));
  EXPECT_LE(udp.size, 512u);
  EXPECT_EQ(udp.rcode(), rcode::kNxDomain);
  EXPECT_EQ(udp.m.authority.size(), 1u);
  Reply tcp = ask(q, kLanClient, Transport::kTcp);
  EXPECT_EQ(tcp.bytes, udp.bytes);
}

TEST(Respond, PtrAndApex) {
  Reply ptr = ask(make_query("80.100.168.192.in-addr.arpa", type::kPtr), kLanClient);
  ASSERT_EQ(ptr.m.answers.size(), 1u);
  size_t at = ptr.m.answers[0].rdata_offset;
  Name target;
  ASSERT_EQ(Name::read(ptr.bytes.data(), ptr.size, &at, &target), ParseStatus::kOk);
  EXPECT_EQ(target.to_text(), "argocd.cluster.");

  Reply soa = ask(make_query("cluster", type::kSoa), kClusterClient);
  ASSERT_EQ(soa.m.answers.size(), 1u);
  EXPECT_EQ(soa.m.answers[0].type, type::kSoa);
  EXPECT_TRUE(soa.m.authority.empty());
}

}  // namespace
}  // namespace labgate::dns
