// PROXY protocol: the writers' exact bytes, the parser on what the writers produce (split at every
// offset), and a table of valid and refused headers.
#include "proxy/proxy_header.h"

#include <string>

#include <gtest/gtest.h>

namespace labgate::proxy {
namespace {

const ProxyEndpoints kClient{IpAddress::v4(0xC0A80114), 50000, IpAddress::v4(0xC0A80137),
                             443};  // .1.20 -> .1.55

ProxyParseResult parse(std::string_view s) {
  return parse_proxy_header(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

const std::string kV2Signature("\r\n\r\n\0\r\nQUIT\n", 12);

TEST(ProxyHeaderTest, V1WriterBytes) {
  EXPECT_EQ(proxy_v1_header(kClient), "PROXY TCP4 192.168.1.20 192.168.1.55 50000 443\r\n");
}

TEST(ProxyHeaderTest, V2WriterBytes) {
  std::string expected = kV2Signature + std::string("\x21\x11\x00\x0c", 4) +
                         std::string("\xc0\xa8\x01\x14\xc0\xa8\x01\x37\xc3\x50\x01\xbb", 12);
  EXPECT_EQ(proxy_v2_header(kClient), expected);
}

// An IPv6 endpoint makes both writers use the IPv6 form (the other address v4-mapped), and the
// parser reads it back.
TEST(ProxyHeaderTest, WritersUseTheIpv6FormForIpv6Endpoints) {
  const ProxyEndpoints e{*IpAddress::parse("2001:db8::20"), 50000, IpAddress::v4(0xC0A80137), 443};
  EXPECT_EQ(proxy_v1_header(e), "PROXY TCP6 2001:db8::20 ::ffff:192.168.1.55 50000 443\r\n");
  std::string v2 = proxy_v2_header(e);
  EXPECT_EQ(v2.size(), 16u + 36u);
  EXPECT_EQ(v2.substr(12, 4), std::string("\x21\x21\x00\x24", 4));
  for (const std::string& header : {proxy_v1_header(e), v2}) {
    ProxyParseResult r = parse(header);
    ASSERT_EQ(r.status, ProxyParseStatus::kDone) << header;
    EXPECT_EQ(r.header.family, ProxyFamily::kTcp6);
    EXPECT_EQ(IpAddress::v6(r.header.source6), *IpAddress::parse("2001:db8::20"));
    EXPECT_EQ(IpAddress::v6(r.header.destination6), *IpAddress::parse("::ffff:192.168.1.55"));
    EXPECT_EQ(r.header.source_port6, 50000);
    EXPECT_EQ(r.header.destination_port6, 443);
  }
  EXPECT_EQ(parse("PROXY TCP4 2001:db8::1 192.168.1.55 50000 443\r\n").status,
            ProxyParseStatus::kInvalid);  // TCP4 with IPv6 text
}

TEST(ProxyHeaderTest, ParserReadsBackBothWritersAtEverySplit) {
  for (ProxyVersion v : {ProxyVersion::kV1, ProxyVersion::kV2}) {
    std::string stream = proxy_header(v, kClient) + "GET / HTTP/1.1\r\n";
    size_t header_size = proxy_header(v, kClient).size();
    for (size_t cut = 0; cut < header_size; ++cut)
      ASSERT_EQ(parse(std::string_view(stream).substr(0, cut)).status, ProxyParseStatus::kNeedMore)
          << static_cast<int>(v) << " cut " << cut;
    for (size_t end = header_size; end <= stream.size(); ++end) {
      ProxyParseResult r = parse(std::string_view(stream).substr(0, end));
      ASSERT_EQ(r.status, ProxyParseStatus::kDone) << r.reason;
      EXPECT_EQ(r.consumed, header_size);
      EXPECT_EQ(r.header.version, v);
      EXPECT_EQ(r.header.family, ProxyFamily::kTcp4);
      EXPECT_EQ(r.header.v4.source, kClient.source);
      EXPECT_EQ(r.header.v4.source_port, kClient.source_port);
      EXPECT_EQ(r.header.v4.destination, kClient.destination);
      EXPECT_EQ(r.header.v4.destination_port, kClient.destination_port);
    }
  }
}

TEST(ProxyHeaderTest, LongestV1HeaderFitsTheLimit) {
  ProxyEndpoints e{IpAddress::v4(0xFFFFFFFF), 65535, IpAddress::v4(0xFFFFFFFF), 65535};
  EXPECT_LE(proxy_v1_header(e).size(), kMaxV1HeaderBytes);
  EXPECT_EQ(parse(proxy_v1_header(e)).status, ProxyParseStatus::kDone);
}

TEST(ProxyHeaderTest, V1Tcp6AndUnknown) {
  ProxyParseResult r = parse("PROXY TCP6 2001:db8::1 ::1 1 65535\r\n");
  ASSERT_EQ(r.status, ProxyParseStatus::kDone) << r.reason;
  EXPECT_EQ(r.header.family, ProxyFamily::kTcp6);
  EXPECT_EQ(r.header.source6[0], 0x20);
  EXPECT_EQ(r.header.source6[15], 0x01);
  EXPECT_EQ(r.header.destination6[15], 0x01);
  EXPECT_EQ(r.header.source_port6, 1);
  EXPECT_EQ(r.header.destination_port6, 65535);
  r = parse("PROXY UNKNOWN ffff::1 ffff::2 1 2\r\nrest");
  ASSERT_EQ(r.status, ProxyParseStatus::kDone);
  EXPECT_EQ(r.header.family, ProxyFamily::kUnknown);
  EXPECT_EQ(r.consumed, 35u);
}

TEST(ProxyHeaderTest, V2LocalUnspecAndTlvs) {
  ProxyParseResult r = parse(kV2Signature + std::string("\x20\x00\x00\x00", 4));
  ASSERT_EQ(r.status, ProxyParseStatus::kDone);
  EXPECT_EQ(r.header.family, ProxyFamily::kLocal);
  EXPECT_EQ(r.consumed, 16u);
  // TCP4 with a 7-byte TLV after the addresses: consumed covers the TLV too.
  std::string tlv = kV2Signature + std::string("\x21\x11\x00\x13", 4) + std::string(12, '\x01') +
                    std::string(
                        "\x04\x00\x04"
                        "abcd",
                        7) +
                    "payload";
  r = parse(tlv);
  ASSERT_EQ(r.status, ProxyParseStatus::kDone) << r.reason;
  EXPECT_EQ(r.consumed, 16u + 19u);
  EXPECT_EQ(r.header.v4.source, IpAddress::v4(0x01010101));
  EXPECT_EQ(r.header.v4.source_port, 0x0101);
  r = parse(kV2Signature + std::string("\x21\x12\x00\x0c", 4) + std::string(12, '\x02'));
  ASSERT_EQ(r.status, ProxyParseStatus::kDone);
  EXPECT_EQ(r.header.family, ProxyFamily::kUdp4);
  r = parse(kV2Signature + std::string("\x21\x00\x00\x00", 4));
  ASSERT_EQ(r.status, ProxyParseStatus::kDone);
  EXPECT_EQ(r.header.family, ProxyFamily::kUnknown);
}

struct Refused {
  const char* what;
  std::string bytes;
  ProxyParseStatus expected;
};

class RefusedTest : public testing::TestWithParam<Refused> {};

TEST_P(RefusedTest, IsRefused) {
  ProxyParseResult r = parse(GetParam().bytes);
  EXPECT_EQ(r.status, GetParam().expected) << GetParam().what;
  EXPECT_STRNE(r.reason, "");
}

INSTANTIATE_TEST_SUITE_P(
    Table, RefusedTest,
    testing::Values(
        Refused{"TLS", "\x16\x03\x01", ProxyParseStatus::kNotProxy},
        Refused{"HTTP", "GET / HTTP/1.1\r\n", ProxyParseStatus::kNotProxy},
        Refused{"lower-case proxy", "proxy TCP4", ProxyParseStatus::kNotProxy},
        Refused{"PROXY without space", "PROXY\r\n", ProxyParseStatus::kNotProxy},
        Refused{"v2 signature wrong late", std::string("\r\n\r\n\0\r\nQUIT\r", 12),
                ProxyParseStatus::kNotProxy},
        Refused{"v1 LF only", "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n", ProxyParseStatus::kInvalid},
        Refused{"v1 CR not followed by LF", "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\rX",
                ProxyParseStatus::kInvalid},
        Refused{"v1 too long", "PROXY UNKNOWN " + std::string(100, 'x'),
                ProxyParseStatus::kInvalid},
        Refused{"v1 port leading zero", "PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n",
                ProxyParseStatus::kInvalid},
        Refused{"v1 port over 65535", "PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n",
                ProxyParseStatus::kInvalid},
        Refused{"v1 bad address", "PROXY TCP4 1.2.3.256 5.6.7.8 1 2\r\n",
                ProxyParseStatus::kInvalid},
        Refused{"v1 IPv6 in TCP4", "PROXY TCP4 ::1 ::1 1 2\r\n", ProxyParseStatus::kInvalid},
        Refused{"v1 double space", "PROXY TCP4  1.2.3.4 5.6.7.8 1 2\r\n",
                ProxyParseStatus::kInvalid},
        Refused{"v1 too many fields", "PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n",
                ProxyParseStatus::kInvalid},
        Refused{"v1 UDP4", "PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n", ProxyParseStatus::kInvalid},
        Refused{"v1 NUL byte", std::string("PROXY TCP4\0", 11), ProxyParseStatus::kInvalid},
        Refused{"v2 version 1", kV2Signature + std::string("\x11", 1), ProxyParseStatus::kInvalid},
        Refused{"v2 command 2", kV2Signature + std::string("\x22\x11\x00\x0c", 4),
                ProxyParseStatus::kInvalid},
        Refused{"v2 family 4", kV2Signature + std::string("\x21\x41\x00\x00", 4),
                ProxyParseStatus::kInvalid},
        Refused{"v2 IPv4 block short",
                kV2Signature + std::string("\x21\x11\x00\x04", 4) + std::string(4, '\0'),
                ProxyParseStatus::kInvalid},
        Refused{"v2 over the limit", kV2Signature + std::string("\x21\x11\x08\x01", 4),
                ProxyParseStatus::kInvalid}));

}  // namespace
}  // namespace labgate::proxy
