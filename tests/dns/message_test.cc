#include "dns/message.h"

#include <gtest/gtest.h>

#include "dns/dns_test_util.h"

namespace labgate::dns {
namespace {

using testing::Bytes;
using testing::make_query;

TEST(ParseQuery, ReadsHeaderQuestionAndEdns) {
  Bytes b = make_query("ArgoCD.cluster", type::kA, {.id = 0xBEEF, .edns = true, .udp_size = 4096});
  Query q;
  ASSERT_EQ(parse_query(b.data(), b.size(), &q), ParseStatus::kOk);
  EXPECT_EQ(q.header.id, 0xBEEF);
  EXPECT_TRUE(q.header.flags & flag::kRd);
  EXPECT_FALSE(q.header.qr());
  EXPECT_EQ(q.qname.to_text(), "argocd.cluster.");
  EXPECT_EQ(q.qtype, type::kA);
  EXPECT_EQ(q.qclass, klass::kIn);
  EXPECT_EQ(q.question_offset, 12u);
  EXPECT_EQ(q.question_end, 12u + 16 + 4);
  EXPECT_TRUE(q.edns.present);
  EXPECT_EQ(q.edns.udp_size, 4096);
  EXPECT_EQ(q.edns.version, 0);
}

TEST(ParseQuery, WithoutEdns) {
  Bytes b = make_query("a.cluster", type::kAaaa);
  Query q;
  ASSERT_EQ(parse_query(b.data(), b.size(), &q), ParseStatus::kOk);
  EXPECT_FALSE(q.edns.present);
  EXPECT_EQ(q.qtype, type::kAaaa);
}

struct BadCase {
  const char* what;
  Bytes bytes;
  ParseStatus status;
};

Bytes with(Bytes b, size_t at, uint8_t value) {
  b[at] = value;
  return b;
}

Bytes appended(Bytes b, const Bytes& more) {
  b.insert(b.end(), more.begin(), more.end());
  return b;
}

TEST(ParseQuery, MalformedTable) {
  const Bytes good = make_query("a.cluster", type::kA);
  const Bytes good_edns = make_query("a.cluster", type::kA, {.edns = true});
  const Bytes opt = {0, 0, 41, 4, 0xD0, 0, 0, 0, 0, 0, 0};
  const BadCase cases[] = {
      {"empty", {}, ParseStatus::kTruncated},
      {"short header", Bytes(good.begin(), good.begin() + 11), ParseStatus::kTruncated},
      {"no question", with(Bytes(good.begin(), good.begin() + 12), 5, 0),
       ParseStatus::kBadQuestionCount},
      {"two questions", with(good, 5, 2), ParseStatus::kBadQuestionCount},
      {"question cut in its type", Bytes(good.begin(), good.end() - 3), ParseStatus::kTruncated},
      {"question name cut", Bytes(good.begin(), good.begin() + 14), ParseStatus::kTruncated},
      {"bad label length", with(good, 12, 0x41), ParseStatus::kBadLabelType},
      {"question is a pointer loop", with(with(good, 12, 0xC0), 13, 12), ParseStatus::kBadPointer},
      {"answer count with no answers", with(good, 7, 1), ParseStatus::kTruncated},
      {"huge counts", with(with(good, 6, 0xFF), 7, 0xFF), ParseStatus::kTruncated},
      {"trailing byte", appended(good, {0}), ParseStatus::kTrailingData},
      {"two OPT records", with(appended(good_edns, opt), 11, 2), ParseStatus::kBadOpt},
      {"OPT in the answer section", with(with(appended(good, opt), 7, 1), 11, 0),
       ParseStatus::kBadOpt},
      {"OPT with a non-root owner",
       with(appended(good, {1, 'x', 0, 0, 41, 4, 0xD0, 0, 0, 0, 0, 0, 0}), 11, 1),
       ParseStatus::kBadOpt},
      {"OPT RDATA past the end", with(appended(good, {0, 0, 41, 4, 0xD0, 0, 0, 0, 0, 0, 9}), 11, 1),
       ParseStatus::kTruncated},
      {"over 65535 bytes", Bytes(65536, 0), ParseStatus::kTooLong},
  };
  for (const auto& c : cases) {
    Query q;
    EXPECT_EQ(parse_query(c.bytes.data(), c.bytes.size(), &q), c.status)
        << c.what << ": got " << to_string(parse_query(c.bytes.data(), c.bytes.size(), &q));
  }
}

TEST(ParseQuery, KeepsTheHeaderOfABrokenMessage) {
  Bytes b = with(make_query("a.cluster", type::kA, {.id = 0x4242}), 12, 0x80);
  Query q;
  EXPECT_NE(parse_query(b.data(), b.size(), &q), ParseStatus::kOk);
  EXPECT_EQ(q.header.id, 0x4242);
}

TEST(ParseMessage, ReadsEverySection) {
  // A reply: question, one A answer (compressed owner), one SOA in authority, OPT.
  Bytes b(512);
  Writer w(b.data(), b.size());
  Name name = *Name::from_text("x.example");
  Soa soa{*Name::from_text("ns.example"), *Name::from_text("hostmaster.example"), 7};
  w.header(1, flag::kQr | flag::kAa);
  w.question(name, type::kA, klass::kIn);
  w.a(Section::kAnswer, name, 300, 0x0A000001);
  w.soa(Section::kAuthority, *Name::from_text("example"), 60, soa);
  w.opt(1232, 0, true);
  b.resize(w.finish());
  Message m;
  ASSERT_EQ(parse_message(b.data(), b.size(), &m), ParseStatus::kOk);
  ASSERT_EQ(m.questions.size(), 1u);
  ASSERT_EQ(m.answers.size(), 1u);
  ASSERT_EQ(m.authority.size(), 1u);
  EXPECT_TRUE(m.additional.empty());
  EXPECT_TRUE(m.edns.present);
  EXPECT_TRUE(m.edns.dnssec_ok);
  EXPECT_EQ(m.answers[0].name, name);
  EXPECT_EQ(m.answers[0].ttl, 300u);
  EXPECT_EQ(m.answers[0].rdlength, 4);
  EXPECT_EQ(b[m.answers[0].rdata_offset], 10);
  EXPECT_EQ(m.authority[0].type, type::kSoa);
  // The SOA's names were compressed against "x.example": its owner reads back whole.
  EXPECT_EQ(m.authority[0].name.to_text(), "example.");
}

TEST(ParseMessage, RejectsTruncatedRecords) {
  Bytes b = make_query("a.b", type::kA);
  b[7] = 1;                                                      // one answer...
  b.insert(b.end(), {0, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 0});  // ...whose RDATA is cut
  Message m;
  EXPECT_EQ(parse_message(b.data(), b.size(), &m), ParseStatus::kTruncated);
}

}  // namespace
}  // namespace labgate::dns
