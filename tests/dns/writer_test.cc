#include "dns/writer.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "dns/dns_test_util.h"

namespace labgate::dns {
namespace {

using testing::Bytes;

TEST(Writer, CompressesRepeatedNamesAgainstTheQuestion) {
  Bytes b(512);
  Writer w(b.data(), b.size());
  Name q = *Name::from_text("argocd.cluster");
  w.header(7, flag::kQr);
  ASSERT_TRUE(w.question(q, type::kA, klass::kIn));
  ASSERT_TRUE(w.a(Section::kAnswer, q, 60, 0xC0A80137));
  size_t n = w.finish();
  // The answer's owner is a pointer to offset 12: 2 bytes instead of 16.
  EXPECT_EQ(n, 12u + (16 + 4) + (2 + 10 + 4));
  EXPECT_EQ(b[12 + 20], 0xC0);
  EXPECT_EQ(b[12 + 21], 12);
  Message m;
  ASSERT_EQ(parse_message(b.data(), n, &m), ParseStatus::kOk);
  EXPECT_EQ(m.header.id, 7);
  EXPECT_EQ(m.answers[0].name, q);
}

TEST(Writer, CompressesASuffixInsideSoaRdata) {
  Bytes b(512);
  Writer w(b.data(), b.size());
  Name zone = *Name::from_text("cluster");
  Soa soa{*Name::from_text("pve.cluster"), *Name::from_text("hostmaster.cluster"), 1};
  w.header(1, flag::kQr);
  w.question(*Name::from_text("nosuch.cluster"), type::kA, klass::kIn);
  ASSERT_TRUE(w.soa(Section::kAuthority, zone, 60, soa));
  size_t n = w.finish();
  // owner: pointer (2); mname "pve"+pointer (6); rname "hostmaster"+pointer (13); 5 numbers.
  EXPECT_EQ(n, 12u + (16 + 4) + 2 + 10 + 6 + 13 + 20);
  Message m;
  ASSERT_EQ(parse_message(b.data(), n, &m), ParseStatus::kOk);
  ASSERT_EQ(m.authority.size(), 1u);
  size_t at = m.authority[0].rdata_offset;
  Name mname, rname;
  ASSERT_EQ(Name::read(b.data(), n, &at, &mname), ParseStatus::kOk);
  ASSERT_EQ(Name::read(b.data(), n, &at, &rname), ParseStatus::kOk);
  EXPECT_EQ(mname.to_text(), "pve.cluster.");
  EXPECT_EQ(rname.to_text(), "hostmaster.cluster.");
}

TEST(Writer, EchoesTheQuestionWithTheClientsCase) {
  Bytes query = testing::make_query("argocd.cluster", type::kA);
  const std::string mixed = "ArGoCd";  // Name lowercases; the client's bytes keep their case
  std::copy(mixed.begin(), mixed.end(), query.begin() + 13);
  Name lowered = *Name::from_text("argocd.cluster");
  Bytes b(512);
  Writer w(b.data(), b.size());
  w.header(1, flag::kQr);
  ASSERT_TRUE(w.question(query.data() + 12, query.size() - 12, lowered));
  ASSERT_TRUE(w.a(Section::kAnswer, lowered, 60, 1));
  size_t n = w.finish();
  EXPECT_EQ(std::string(b.begin() + 13, b.begin() + 19), "ArGoCd");
  // The lowercased owner still compresses against the mixed-case question.
  EXPECT_EQ(b[12 + 20], 0xC0);
  EXPECT_EQ(n, 12u + 20 + 16);
}

TEST(Writer, AnItemThatDoesNotFitIsLeftOutWhole) {
  Bytes b(40);
  Writer w(b.data(), b.size());
  Name q = *Name::from_text("argocd.cluster");
  w.header(1, flag::kQr);
  ASSERT_TRUE(w.question(q, type::kA, klass::kIn));  // 32 bytes
  EXPECT_FALSE(w.a(Section::kAnswer, q, 60, 1));     // would need 16 more
  EXPECT_TRUE(w.overflowed());
  EXPECT_EQ(w.count(Section::kAnswer), 0);
  size_t n = w.finish();
  EXPECT_EQ(n, 32u);
  Message m;
  EXPECT_EQ(parse_message(b.data(), n, &m), ParseStatus::kOk);
}

TEST(Writer, ReserveKeepsRoomForALastRecord) {
  Bytes b(12 + 20 + 11);
  Writer w(b.data(), b.size());
  Name q = *Name::from_text("argocd.cluster");
  w.header(1, flag::kQr);
  w.reserve(11);
  ASSERT_TRUE(w.question(q, type::kA, klass::kIn));
  EXPECT_FALSE(w.a(Section::kAnswer, q, 60, 1));
  w.release();
  EXPECT_TRUE(w.opt(1232, 0, false));
  EXPECT_EQ(w.finish(), b.size());
}

TEST(Writer, RefusesSectionsOutOfOrder) {
  Bytes b(512);
  Writer w(b.data(), b.size());
  Name q = *Name::from_text("a.b");
  w.header(1, 0);
  ASSERT_TRUE(w.a(Section::kAuthority, q, 1, 1));
  EXPECT_FALSE(w.a(Section::kAnswer, q, 1, 1));
  EXPECT_FALSE(w.question(q, type::kA, klass::kIn));
}

}  // namespace
}  // namespace labgate::dns
