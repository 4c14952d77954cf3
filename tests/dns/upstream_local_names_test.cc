// Records an upstream gives for names of the local zone are never relayed (issue 12, item 8):
// prepare_reply with the Authority strips them from every section, keeps everything else, and the
// result is served to clients like any other prepared reply.
#include <algorithm>

#include <gtest/gtest.h>

#include "diag/diagnostic.h"
#include "dns/authority.h"
#include "dns/cache.h"
#include "dns/dns_test_util.h"
#include "topology/loader.h"
#include "topology/seed.h"

namespace labgate::dns {
namespace {

using testing::Bytes;
using testing::make_query;

std::shared_ptr<const Authority> seed() {
  static const std::shared_ptr<const Authority> a = [] {
    Diagnostics d;
    Topology t = check_topology(seed_topology_text(), d);
    std::string error;
    return Authority::build(t, {}, &error);
  }();
  return a;
}

Name n(const char* text) {
  return *Name::from_text(text);
}

uint32_t address_at(const Bytes& m, const Record& r) {
  const uint8_t* p = m.data() + r.rdata_offset;
  return uint32_t{p[0]} << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

// What a hostile or misconfigured upstream answers for x.example.com: a CNAME into the local zone
// and the local name's "address", with more local records in authority and additional, and
// foreign ones that must survive. The Writer compresses names, so the kept records point into
// the stripped ones until they are rewritten.
Bytes poisoned_reply(bool edns) {
  Bytes b(2048);
  Writer w(b.data(), b.size());
  w.header(0x4242, flag::kQr | flag::kRd | flag::kRa);
  w.question(n("x.example.com"), type::kA, klass::kIn);
  w.name_record(Section::kAnswer, n("x.example.com"), type::kCname, 300, n("argocd.cluster"));
  w.a(Section::kAnswer, n("argocd.cluster"), 300, 0x06060606);  // 6.6.6.6
  w.name_record(Section::kAuthority, n("cluster"), type::kNs, 300, n("ns.example.com"));
  w.name_record(Section::kAuthority, n("example.com"), type::kNs, 300, n("ns.example.com"));
  w.a(Section::kAdditional, n("ns.example.com"), 300, 0x01020304);
  w.a(Section::kAdditional, n("pve.cluster"), 300, 0x06060607);
  w.name_record(Section::kAdditional, n("80.100.168.192.in-addr.arpa"), type::kPtr, 300,
                n("evil.example.com"));
  Soa soa{n("ns.example.com"), n("hostmaster.example.com"), 7};
  w.soa(Section::kAdditional, n("example.com"), 300, soa);
  if (edns) w.opt(1232, 0, false);
  b.resize(w.finish());
  return b;
}

TEST(UpstreamLocalNames, RecordsForLocalNamesAreStrippedFromEverySection) {
  for (bool edns : {false, true}) {
    Bytes reply = poisoned_reply(edns);
    StoredReply stored;
    ASSERT_TRUE(prepare_reply(n("x.example.com"), type::kA, reply.data(), reply.size(), &stored,
                              seed().get()))
        << edns;
    Message m;
    ASSERT_EQ(parse_message(stored.bytes.data(), stored.bytes.size(), &m), ParseStatus::kOk);
    EXPECT_FALSE(m.edns.present) << "a stored reply has no OPT";
    ASSERT_EQ(m.questions.size(), 1u);
    EXPECT_EQ(m.questions[0].name, n("x.example.com"));
    // The CNAME stays (it is the upstream's data for its own name), pointing at the local name.
    ASSERT_EQ(m.answers.size(), 1u);
    EXPECT_EQ(m.answers[0].type, type::kCname);
    size_t at = m.answers[0].rdata_offset;
    Name target;
    ASSERT_EQ(Name::read(stored.bytes.data(), stored.bytes.size(), &at, &target), ParseStatus::kOk);
    EXPECT_EQ(target, n("argocd.cluster"));
    ASSERT_EQ(m.authority.size(), 1u);
    EXPECT_EQ(m.authority[0].name, n("example.com"));
    ASSERT_EQ(m.additional.size(), 2u);
    EXPECT_EQ(m.additional[0].name, n("ns.example.com"));
    Bytes bytes(stored.bytes.begin(), stored.bytes.end());
    EXPECT_EQ(address_at(bytes, m.additional[0]), 0x01020304u);
    EXPECT_EQ(m.additional[1].type, type::kSoa);
    for (const auto* section : {&m.answers, &m.authority, &m.additional})
      for (const Record& r : *section) EXPECT_FALSE(seed()->is_local(r.name)) << r.name.to_text();
    // Every TTL is still found (aging patches them), and nothing is lost from the lifetime.
    EXPECT_EQ(stored.ttl_at.size(), 4u);
    EXPECT_EQ(stored.lifetime, 300u);

    // Served to a client: its ID and OPT, and still no 6.6.6.6 anywhere.
    Bytes query = make_query("X.example.com", type::kA, {.id = 77, .edns = edns});
    Query q;
    ASSERT_EQ(parse_query(query.data(), query.size(), &q), ParseStatus::kOk);
    Bytes out(1232);
    size_t size = write_reply(stored, q, query.data(), 10, false, out.data(), out.size());
    ASSERT_GT(size, 0u);
    out.resize(size);
    Message served;
    ASSERT_EQ(parse_message(out.data(), out.size(), &served), ParseStatus::kOk);
    EXPECT_EQ(served.header.id, 77);
    EXPECT_EQ(served.edns.present, edns);
    EXPECT_EQ(served.answers.size(), 1u);
    const uint8_t evil[4] = {6, 6, 6, 6};
    EXPECT_EQ(std::search(out.begin(), out.end(), evil, evil + 4), out.end());
  }
}

TEST(UpstreamLocalNames, RepliesWithoutLocalRecordsAreKeptByteForByte) {
  // The rewrite happens only when something is stripped: an ordinary reply is prepared as it
  // always was (compression and all).
  Bytes b(512);
  Writer w(b.data(), b.size());
  w.header(1, flag::kQr | flag::kRd | flag::kRa);
  w.question(n("www.example.com"), type::kA, klass::kIn);
  w.name_record(Section::kAnswer, n("www.example.com"), type::kCname, 60, n("web.example.com"));
  w.a(Section::kAnswer, n("web.example.com"), 60, 0x01020304);
  b.resize(w.finish());
  StoredReply with, without;
  ASSERT_TRUE(
      prepare_reply(n("www.example.com"), type::kA, b.data(), b.size(), &with, seed().get()));
  ASSERT_TRUE(prepare_reply(n("www.example.com"), type::kA, b.data(), b.size(), &without));
  EXPECT_EQ(with.bytes, without.bytes);
  EXPECT_EQ(with.ttl_at, without.ttl_at);
}

TEST(UpstreamLocalNames, TheZoneAndItsPtrNamesAreLocal) {
  EXPECT_TRUE(seed()->is_local(n("cluster")));
  EXPECT_TRUE(seed()->is_local(n("argocd.cluster")));
  EXPECT_TRUE(seed()->is_local(n("anything.below.cluster")));
  EXPECT_TRUE(seed()->is_local(n("80.100.168.192.in-addr.arpa")));   // the ingress's PTR
  EXPECT_FALSE(seed()->is_local(n("99.100.168.192.in-addr.arpa")));  // forwarded like any name
  EXPECT_FALSE(seed()->is_local(n("cluster.example.com")));
  EXPECT_FALSE(seed()->is_local(n("example.com")));
}

}  // namespace
}  // namespace labgate::dns
