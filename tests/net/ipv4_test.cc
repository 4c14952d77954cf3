#include "net/ipv4.h"

#include <gtest/gtest.h>

namespace labgate {
namespace {

TEST(Ipv4, ParsesAndFormatsDottedQuads) {
  auto a = Ipv4::parse("192.168.100.1");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->value, 0xc0a86401u);
  EXPECT_EQ(a->str(), "192.168.100.1");
}

TEST(Ipv4, RejectsMalformedAddresses) {
  for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.-4", " 1.2.3.4",
                          "1.2.3.4 ", "a.b.c.d", "1..3.4", "1.2.3.4/24"}) {
    std::string error;
    EXPECT_FALSE(Ipv4::parse(bad, &error)) << bad;
    EXPECT_FALSE(error.empty()) << bad;
  }
}

TEST(Ipv4Prefix, ParsesAndContains) {
  auto p = Ipv4Prefix::parse("192.168.100.0/24");
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->contains(*Ipv4::parse("192.168.100.255")));
  EXPECT_FALSE(p->contains(*Ipv4::parse("192.168.101.0")));
  EXPECT_FALSE(p->is_assignable(*Ipv4::parse("192.168.100.0")));
  EXPECT_FALSE(p->is_assignable(*Ipv4::parse("192.168.100.255")));
  EXPECT_TRUE(p->is_assignable(*Ipv4::parse("192.168.100.1")));
  EXPECT_EQ(Ipv4Prefix::parse("0.0.0.0/0")->mask(), 0u);
  EXPECT_TRUE(Ipv4Prefix::parse("10.0.0.0/8")->overlaps(*Ipv4Prefix::parse("10.1.0.0/16")));
}

TEST(Ipv4Prefix, RejectsHostBitsAndNamesTheNetwork) {
  std::string error;
  EXPECT_FALSE(Ipv4Prefix::parse("192.168.1.55/24", &error));
  EXPECT_NE(error.find("192.168.1.0/24"), std::string::npos) << error;
  EXPECT_FALSE(Ipv4Prefix::parse("192.168.1.0/33"));
  EXPECT_FALSE(Ipv4Prefix::parse("192.168.1.0"));
}

TEST(Ipv4Range, ParsesFullAndShortForms) {
  auto r = Ipv4Range::parse("192.168.100.80-85");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->str(), "192.168.100.80-192.168.100.85");
  EXPECT_EQ(r->size(), 6u);
  EXPECT_EQ(Ipv4Range::parse("10.0.0.1-10.0.1.1")->size(), 257u);
  EXPECT_FALSE(Ipv4Range::parse("192.168.100.85-80"));
  EXPECT_FALSE(Ipv4Range::parse("192.168.100.80"));
  EXPECT_FALSE(Ipv4Range::parse("192.168.100.80-256"));
}

}  // namespace
}  // namespace labgate
