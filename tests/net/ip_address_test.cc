#include "net/ip_address.h"

#include <gtest/gtest.h>

#include <vector>

namespace labgate {
namespace {

IpAddress ip(std::string_view text) {
  auto a = IpAddress::parse(text);
  EXPECT_TRUE(a) << text;
  return a.value_or(IpAddress{});
}

TEST(IpAddress, ParsesIpv4LikeIpv4) {
  IpAddress a = ip("192.168.100.1");
  EXPECT_TRUE(a.is_v4());
  EXPECT_EQ(a.v4_value(), 0xc0a86401u);
  EXPECT_EQ(a.str(), "192.168.100.1");
  EXPECT_EQ(IpAddress{}, IpAddress::v4(0));
  EXPECT_EQ(IpAddress{}.str(), "0.0.0.0");
}

TEST(IpAddress, RejectsMalformedIpv4WithIpv4sTexts) {
  struct Case {
    const char* text;
    const char* error;
  };
  const std::vector<Case> cases = {
      {"", "'' is not an IPv4 address (expected four dotted numbers)"},
      {"1.2.3", "'1.2.3' is not an IPv4 address (expected four dotted numbers)"},
      {"1.2.3.4.5", "'1.2.3.4.5' is not an IPv4 address (expected four dotted numbers)"},
      {"256.1.1.1",
       "'256.1.1.1' is not an IPv4 address (each part must be 0-255, written without leading "
       "zeros)"},
      {"01.2.3.4",
       "'01.2.3.4' is not an IPv4 address (each part must be 0-255, written without leading "
       "zeros)"},
      {" 1.2.3.4",
       "' 1.2.3.4' is not an IPv4 address (each part must be 0-255, written without leading "
       "zeros)"},
      {"1.2.3.4 ",
       "'1.2.3.4 ' is not an IPv4 address (each part must be 0-255, written without leading "
       "zeros)"},
      {"1..3.4",
       "'1..3.4' is not an IPv4 address (each part must be 0-255, written without leading "
       "zeros)"},
      {"1.2.3.4/24",
       "'1.2.3.4/24' is not an IPv4 address (each part must be 0-255, written without leading "
       "zeros)"},
  };
  for (const Case& c : cases) {
    std::string error;
    EXPECT_FALSE(IpAddress::parse(c.text, &error)) << c.text;
    EXPECT_EQ(error, c.error) << c.text;
  }
}

// RFC 4291 section 2.2: the three conventional forms, and RFC 5952 section 4: one canonical text.
TEST(IpAddress, ParsesRfc4291FormsIntoRfc5952Text) {
  struct Case {
    const char* text;
    const char* canonical;
  };
  const std::vector<Case> cases = {
      // 2.2 (1): the preferred form x:x:x:x:x:x:x:x
      {"ABCD:EF01:2345:6789:ABCD:EF01:2345:6789", "abcd:ef01:2345:6789:abcd:ef01:2345:6789"},
      {"2001:DB8:0:0:8:800:200C:417A", "2001:db8::8:800:200c:417a"},
      // 2.2 (2): "::" compression
      {"FF01:0:0:0:0:0:0:101", "ff01::101"},
      {"FF01::101", "ff01::101"},
      {"0:0:0:0:0:0:0:1", "::1"},
      {"::1", "::1"},
      {"0:0:0:0:0:0:0:0", "::"},
      {"::", "::"},
      {"2001:DB8::8:800:200C:417A", "2001:db8::8:800:200c:417a"},
      // 2.2 (3): an IPv4 quad in the last 32 bits
      {"0:0:0:0:0:0:13.1.68.3", "::d01:4403"},
      {"0:0:0:0:0:FFFF:129.144.52.38", "::ffff:129.144.52.38"},
      {"::13.1.68.3", "::d01:4403"},
      {"::FFFF:129.144.52.38", "::ffff:129.144.52.38"},
      {"::ffff:c0a8:164", "::ffff:192.168.1.100"},
      {"64:ff9b::192.0.2.33", "64:ff9b::c000:221"},
      // RFC 5952 4.1: leading zeros suppressed
      {"2001:0db8::0001", "2001:db8::1"},
      // 4.2.1: the longest run is compressed
      {"2001:db8:0:0:0:0:2:1", "2001:db8::2:1"},
      // 4.2.2: a single 0 group is not compressed
      {"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"},
      {"2001:db8::1:1:1:1:1", "2001:db8:0:1:1:1:1:1"},
      // 4.2.3: the longest run wins, the first on a tie
      {"2001:0:0:1:0:0:0:1", "2001:0:0:1::1"},
      {"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},
      // 4.3: lower case
      {"2001:DB8::AAAA:BBBB:CCCC:DDDD", "2001:db8::aaaa:bbbb:cccc:dddd"},
      // "::" at either end and for one group when parsing
      {"1::", "1::"},
      {"1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"},
      {"::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8"},
      {"fe80::1", "fe80::1"},
      {"ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
  };
  for (const Case& c : cases) {
    std::string error;
    auto a = IpAddress::parse(c.text, &error);
    ASSERT_TRUE(a) << c.text << ": " << error;
    EXPECT_TRUE(a->is_v6()) << c.text;
    EXPECT_EQ(a->str(), c.canonical) << c.text;
    EXPECT_EQ(IpAddress::parse(a->str()), a) << c.text;
  }
}

TEST(IpAddress, RejectsMalformedIpv6) {
  for (const char* bad : {":",
                          ":::",
                          "1:2:3:4:5:6:7",
                          "1:2:3:4:5:6:7:8:9",
                          "1::2::3",
                          ":1::",
                          "1::2:",
                          "::1:",
                          "1:2:3:4:5:6:7:8::",
                          "::1:2:3:4:5:6:7:8",
                          "12345::",
                          "g::",
                          "1:2:3:4:5:6:1.2.3.4:8",
                          "::1.2.3",
                          "::1.2.3.04",
                          "::256.1.1.1",
                          "1.2.3.4::",
                          "fe80::1%eth0",
                          "[::1]",
                          " ::1",
                          "::1 ",
                          "1:2:3:4:5:6:7:1.2.3.4",
                          "::ffff:1.2.3.4.5",
                          "0000000000000000000000000000000000000000::1",
                          "::-1",
                          "+1::"}) {
    std::string error;
    EXPECT_FALSE(IpAddress::parse(bad, &error)) << bad;
    EXPECT_FALSE(error.empty()) << bad;
  }
  std::string error;
  IpAddress::parse("fe80::1%eth0", &error);
  EXPECT_EQ(error,
            "'fe80::1%eth0' is not an IPv6 address (zone ids such as %eth0 are not accepted)");
  IpAddress::parse("1::2::3", &error);
  EXPECT_EQ(error, "'1::2::3' is not an IPv6 address ('::' may appear only once)");
}

TEST(IpAddress, BytesAndMapping) {
  IpAddress a = ip("2001:db8::1");
  std::array<uint8_t, 16> b = a.v6_bytes();
  EXPECT_EQ(b[0], 0x20);
  EXPECT_EQ(b[1], 0x01);
  EXPECT_EQ(b[2], 0x0d);
  EXPECT_EQ(b[3], 0xb8);
  EXPECT_EQ(b[15], 0x01);
  EXPECT_EQ(IpAddress::v6(b), a);
  IpAddress mapped = ip("::ffff:10.0.0.1");
  EXPECT_TRUE(mapped.is_v4_mapped());
  EXPECT_TRUE(mapped.is_v6());
  EXPECT_EQ(mapped.unmapped(), ip("10.0.0.1"));
  EXPECT_EQ(a.unmapped(), a);
  EXPECT_NE(mapped, ip("10.0.0.1"));
  EXPECT_TRUE(ip("127.1.2.3").is_loopback());
  EXPECT_TRUE(ip("::1").is_loopback());
  EXPECT_FALSE(ip("::2").is_loopback());
  EXPECT_FALSE(ip("128.0.0.1").is_loopback());
  EXPECT_TRUE(ip("::").is_unspecified());
  EXPECT_EQ(family_name(a.family()), "IPv6");
}

TEST(IpAddress, OrdersV4BeforeV6ThenByValue) {
  std::vector<IpAddress> sorted = {
      ip("0.0.0.0"), ip("9.255.255.255"),  ip("10.0.0.1"), ip("255.255.255.255"), ip("::"),
      ip("::1"),     ip("::ffff:0.0.0.0"), ip("1::"),      ip("2001:db8::"),      ip("ffff::")};
  for (size_t i = 0; i + 1 < sorted.size(); ++i)
    EXPECT_LT(sorted[i], sorted[i + 1]) << sorted[i].str() << " < " << sorted[i + 1].str();
}

TEST(IpAddress, NextAndPrevStopAtTheFamilysEnds) {
  EXPECT_EQ(ip("10.0.0.255").next(), ip("10.0.1.0"));
  EXPECT_EQ(ip("255.255.255.255").next(), std::nullopt);
  EXPECT_EQ(ip("0.0.0.0").prev(), std::nullopt);
  EXPECT_EQ(ip("10.0.1.0").prev(), ip("10.0.0.255"));
  EXPECT_EQ(ip("::ffff:ffff:ffff:ffff").next(), ip("0:0:0:1::"));
  EXPECT_EQ(ip("0:0:0:1::").prev(), ip("::ffff:ffff:ffff:ffff"));
  EXPECT_EQ(ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff").next(), std::nullopt);
  EXPECT_EQ(ip("::").prev(), std::nullopt);
}

TEST(IpPrefix, ParsesBothFamiliesAndContains) {
  auto p = IpPrefix::parse("192.168.100.0/24");
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->contains(ip("192.168.100.255")));
  EXPECT_FALSE(p->contains(ip("192.168.101.0")));
  EXPECT_FALSE(p->contains(ip("::ffff:192.168.100.1")));  // the other family
  EXPECT_EQ(p->last(), ip("192.168.100.255"));
  EXPECT_FALSE(p->is_assignable(ip("192.168.100.0")));
  EXPECT_FALSE(p->is_assignable(ip("192.168.100.255")));
  EXPECT_TRUE(p->is_assignable(ip("192.168.100.1")));
  EXPECT_TRUE(IpPrefix::parse("10.0.0.0/31")->is_assignable(ip("10.0.0.0")));
  EXPECT_EQ(IpPrefix::parse("0.0.0.0/0")->last(), ip("255.255.255.255"));
  EXPECT_TRUE(IpPrefix::parse("10.0.0.0/8")->overlaps(*IpPrefix::parse("10.1.0.0/16")));
  EXPECT_FALSE(IpPrefix::parse("10.0.0.0/8")->overlaps(*IpPrefix::parse("11.0.0.0/8")));

  auto q = IpPrefix::parse("2001:db8::/32");
  ASSERT_TRUE(q);
  EXPECT_EQ(q->str(), "2001:db8::/32");
  EXPECT_EQ(q->last(), ip("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"));
  EXPECT_TRUE(q->contains(ip("2001:db8:1::1")));
  EXPECT_FALSE(q->contains(ip("2001:db9::")));
  EXPECT_FALSE(q->contains(ip("32.1.13.184")));
  EXPECT_FALSE(q->is_assignable(ip("2001:db8::")));  // subnet-router anycast
  EXPECT_TRUE(q->is_assignable(ip("2001:db8::1")));
  EXPECT_TRUE(IpPrefix::parse("2001:db8::/127")->is_assignable(ip("2001:db8::")));
  EXPECT_EQ(IpPrefix::parse("::/0")->last(), ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));
  EXPECT_EQ(IpPrefix::parse("2001:db8::1/128")->last(), ip("2001:db8::1"));
  EXPECT_EQ(IpPrefix::parse("2001:db8:0:0:8000::/65")->last(), ip("2001:db8::ffff:ffff:ffff:ffff"));
  EXPECT_TRUE(q->overlaps(*IpPrefix::parse("2001:db8:5::/48")));
  EXPECT_FALSE(q->overlaps(*IpPrefix::parse("10.0.0.0/8")));
  EXPECT_EQ(IpPrefix::host(ip("::1")).str(), "::1/128");
  EXPECT_EQ(IpPrefix::host(ip("10.0.0.1")).str(), "10.0.0.1/32");
  EXPECT_EQ(IpPrefix::containing(ip("2001:db8::ffff"), 112).str(), "2001:db8::/112");
}

TEST(IpPrefix, RejectsHostBitsAndBadLengthsWithReasons) {
  struct Case {
    const char* text;
    const char* error;
  };
  const std::vector<Case> cases = {
      {"192.168.1.55/24", "'192.168.1.55/24' has host bits set; the network is 192.168.1.0/24"},
      {"192.168.1.0/33", "'192.168.1.0/33' has an invalid prefix length (expected 0-32)"},
      {"192.168.1.0/024", "'192.168.1.0/024' has an invalid prefix length (expected 0-32)"},
      {"192.168.1.0",
       "'192.168.1.0' is not a subnet (expected ADDRESS/LENGTH, e.g. 192.168.100.0/24)"},
      {"2001:db8::1/64", "'2001:db8::1/64' has host bits set; the network is 2001:db8::/64"},
      {"2001:db8::/129", "'2001:db8::/129' has an invalid prefix length (expected 0-128)"},
      {"2001:db8::/", "'2001:db8::/' has an invalid prefix length (expected 0-128)"},
  };
  for (const Case& c : cases) {
    std::string error;
    EXPECT_FALSE(IpPrefix::parse(c.text, &error)) << c.text;
    EXPECT_EQ(error, c.error) << c.text;
  }
}

TEST(IpRange, ParsesFullAndShortForms) {
  auto r = IpRange::parse("192.168.100.80-85");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->str(), "192.168.100.80-192.168.100.85");
  EXPECT_EQ(r->size(), 6u);
  EXPECT_TRUE(r->contains(ip("192.168.100.85")));
  EXPECT_FALSE(r->contains(ip("192.168.100.86")));
  EXPECT_EQ(IpRange::parse("10.0.0.1-10.0.1.1")->size(), 257u);
  EXPECT_EQ(IpRange::parse("0.0.0.0-255.255.255.255")->size(), uint64_t{1} << 32);
  auto v6 = IpRange::parse("2001:db8::10-2001:db8::1f");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->size(), 16u);
  EXPECT_EQ(v6->str(), "2001:db8::10-2001:db8::1f");
  EXPECT_TRUE(v6->overlaps(*IpRange::parse("2001:db8::1f-2001:db8::20")));
  EXPECT_FALSE(v6->overlaps(*IpRange::parse("2001:db8::20-2001:db8::21")));
  EXPECT_EQ(IpRange::parse("::-::ffff:ffff:ffff:fffe")->size(), ~uint64_t{0});  // exactly 2^64-1
  EXPECT_EQ(IpRange::parse("::-::ffff:ffff:ffff:ffff")->size(), ~uint64_t{0});  // 2^64: saturates
  EXPECT_EQ(IpRange::parse("::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")->size(), ~uint64_t{0});
  EXPECT_EQ(IpRange::parse("::1:0:0:0:0-::1:0:0:0:5")->size(), 6u);  // borrow across the halves
  EXPECT_EQ(IpRange::parse("::ffff:ffff:ffff:ffff-0:0:0:1::")->size(), 2u);
}

TEST(IpRange, RejectsBadRangesWithReasons) {
  struct Case {
    const char* text;
    const char* error;
  };
  const std::vector<Case> cases = {
      {"192.168.100.85-80", "'192.168.100.85-80' ends before it starts"},
      {"192.168.100.80",
       "'192.168.100.80' is not a range (expected FIRST-LAST, e.g. "
       "192.168.100.80-192.168.100.85)"},
      {"192.168.100.80-256",
       "'192.168.100.80-256' has an invalid end (expected an address or a last octet 0-255)"},
      {"192.168.100.80-::1", "'192.168.100.80-::1' mixes an IPv4 and an IPv6 address"},
      {"2001:db8::10-20", "'2001:db8::10-20' has an invalid end (expected an IPv6 address)"},
      {"2001:db8::10-2001:db8::f", "'2001:db8::10-2001:db8::f' ends before it starts"},
  };
  for (const Case& c : cases) {
    std::string error;
    EXPECT_FALSE(IpRange::parse(c.text, &error)) << c.text;
    EXPECT_EQ(error, c.error) << c.text;
  }
}

}  // namespace
}  // namespace labgate
