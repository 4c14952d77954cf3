// What the forwarder believes: check_reply over a table of replies, and the query it sends.
#include <gtest/gtest.h>

#include "dns/dns_test_util.h"
#include "dns/upstream.h"

namespace labgate::dns {
namespace {

using testing::Bytes;

const UpstreamQuestion kQuestion{*Name::from_text("www.example.com"), type::kA, klass::kIn};
constexpr uint16_t kId = 0xBEEF;

struct Row {
  const char* label;
  uint16_t id = kId;
  uint16_t flags = flag::kQr | flag::kRd | flag::kRa;
  const char* name = "www.example.com";
  uint16_t qtype = type::kA;
  uint16_t qclass = klass::kIn;
  ReplyCheck expected = ReplyCheck::kAccept;
};

Bytes reply(const Row& r) {
  Bytes b(512);
  Writer w(b.data(), b.size());
  w.header(r.id, r.flags);
  w.question(*Name::from_text(r.name), r.qtype, r.qclass);
  w.a(Section::kAnswer, *Name::from_text(r.name), 60, 0x01020304);
  b.resize(w.finish());
  return b;
}

TEST(CheckReply, BelievesOnlyTheReplyToItsOwnQuestion) {
  const uint16_t qr = flag::kQr | flag::kRd | flag::kRa;
  const Row rows[] = {
      {"our reply"},
      {"NXDOMAIN is an answer", kId, static_cast<uint16_t>(qr | rcode::kNxDomain)},
      {"the name in another case", kId, qr, "WWW.Example.COM"},
      {"wrong ID", kId ^ 1, qr, "www.example.com", type::kA, klass::kIn, ReplyCheck::kNotOurs},
      {"a query, not a reply", kId, flag::kRd, "www.example.com", type::kA, klass::kIn,
       ReplyCheck::kNotOurs},
      {"another name", kId, qr, "www.example.org", type::kA, klass::kIn, ReplyCheck::kNotOurs},
      {"a longer name", kId, qr, "x.www.example.com", type::kA, klass::kIn, ReplyCheck::kNotOurs},
      {"another type", kId, qr, "www.example.com", type::kAaaa, klass::kIn, ReplyCheck::kNotOurs},
      {"another class", kId, qr, "www.example.com", type::kA, klass::kChaos, ReplyCheck::kNotOurs},
      {"another opcode", kId, static_cast<uint16_t>(qr | 2 << 11), "www.example.com", type::kA,
       klass::kIn, ReplyCheck::kNotOurs},
      {"truncated", kId, static_cast<uint16_t>(qr | flag::kTc), "www.example.com", type::kA,
       klass::kIn, ReplyCheck::kTruncated},
      {"SERVFAIL", kId, static_cast<uint16_t>(qr | rcode::kServFail), "www.example.com", type::kA,
       klass::kIn, ReplyCheck::kUpstreamError},
      {"REFUSED", kId, static_cast<uint16_t>(qr | rcode::kRefused), "www.example.com", type::kA,
       klass::kIn, ReplyCheck::kUpstreamError},
  };
  for (const Row& r : rows) {
    Bytes b = reply(r);
    EXPECT_EQ(check_reply(b.data(), b.size(), kId, kQuestion), r.expected)
        << r.label << ": got " << to_string(check_reply(b.data(), b.size(), kId, kQuestion));
  }
}

TEST(CheckReply, RejectsWhatDoesNotParse) {
  Bytes good = reply({"our reply"});
  for (size_t cut : {size_t{0}, size_t{5}, size_t{12}, size_t{20}, good.size() - 40})
    EXPECT_EQ(check_reply(good.data(), cut, kId, kQuestion), ReplyCheck::kNotOurs) << cut;
  Bytes two_questions = good;
  two_questions[5] = 2;  // QDCOUNT 2
  EXPECT_EQ(check_reply(two_questions.data(), two_questions.size(), kId, kQuestion),
            ReplyCheck::kNotOurs);
  Bytes loop = good;
  loop[12] = 0xC0;  // the question's name points at itself
  loop[13] = 12;
  EXPECT_EQ(check_reply(loop.data(), loop.size(), kId, kQuestion), ReplyCheck::kNotOurs);
}

TEST(UpstreamQuery, HasTheIdRdTheQuestionAndEdns1232) {
  uint8_t out[512];
  size_t n = write_upstream_query(kId, kQuestion, out, sizeof out);
  ASSERT_GT(n, 0u);
  Query q;
  ASSERT_EQ(parse_query(out, n, &q), ParseStatus::kOk);
  EXPECT_EQ(q.header.id, kId);
  EXPECT_EQ(q.header.flags, flag::kRd);
  EXPECT_EQ(q.qname, kQuestion.qname);
  EXPECT_EQ(q.qtype, type::kA);
  EXPECT_EQ(q.qclass, klass::kIn);
  EXPECT_TRUE(q.edns.present);
  EXPECT_EQ(q.edns.udp_size, 1232);
  EXPECT_FALSE(q.edns.dnssec_ok);
}

}  // namespace
}  // namespace labgate::dns
