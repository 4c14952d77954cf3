// ClientHello parser: real hellos (captured from `openssl s_client -servername`, and hellos with a
// hybrid post-quantum key share built per RFC 8446 by testdata/make_pq_hello.py), fed whole, split
// at every byte offset, and one byte at a time; then garbage and malformed hellos.
#include "proxy/client_hello.h"

#include <fstream>
#include <iterator>
#include <string>

#include <gtest/gtest.h>

namespace labgate::proxy {
namespace {

std::string testdata(const std::string& name) {
  std::ifstream in(std::string(LABGATE_SOURCE_DIR) + "/tests/proxy/testdata/" + name,
                   std::ios::binary);
  EXPECT_TRUE(in) << name;
  return std::string(std::istreambuf_iterator<char>(in), {});
}

struct RealHello {
  const char* file;
  const char* name;  // expected server name, "" for none
  int records;
};

const RealHello kRealHellos[] = {
    {"openssl-tls13-a.example.bin", "a.example", 1},
    {"openssl-tls12-b.example.bin", "b.example", 1},
    {"openssl-no-sni.bin", "", 1},
    {"pq-mlkem-argocd.cluster.bin", "argocd.cluster", 1},
    {"pq-mlkem-3-records-argocd.cluster.bin", "argocd.cluster", 3},
    {"pq-one-byte-records-pve.lan.bin", "pve.lan", 8382 / 6},
};

class RealHelloTest : public testing::TestWithParam<RealHello> {};

TEST_P(RealHelloTest, WholeHelloGivesTheName) {
  std::string bytes = testdata(GetParam().file);
  ClientHelloParser p;
  EXPECT_EQ(p.feed(bytes), HelloStatus::kDone) << p.reason();
  EXPECT_EQ(p.server_name(), GetParam().name);
  EXPECT_EQ(p.records(), GetParam().records);
}

TEST_P(RealHelloTest, SplitAtEveryOffsetGivesTheSameName) {
  std::string bytes = testdata(GetParam().file);
  for (size_t cut = 0; cut <= bytes.size(); ++cut) {
    ClientHelloParser p;
    HelloStatus first = p.feed(std::string_view(bytes).substr(0, cut));
    ASSERT_EQ(first, cut == bytes.size() ? HelloStatus::kDone : HelloStatus::kNeedMore)
        << "cut at " << cut;
    ASSERT_EQ(p.feed(std::string_view(bytes).substr(cut)), HelloStatus::kDone) << "cut " << cut;
    ASSERT_EQ(p.server_name(), GetParam().name) << "cut at " << cut;
  }
}

TEST_P(RealHelloTest, OneByteAtATime) {
  std::string bytes = testdata(GetParam().file);
  ClientHelloParser p;
  for (size_t i = 0; i + 1 < bytes.size(); ++i)
    ASSERT_EQ(p.feed(std::string_view(bytes).substr(i, 1)), HelloStatus::kNeedMore) << i;
  EXPECT_EQ(p.feed(std::string_view(bytes).substr(bytes.size() - 1)), HelloStatus::kDone);
  EXPECT_EQ(p.server_name(), GetParam().name);
}

TEST_P(RealHelloTest, EveryProperPrefixNeedsMore) {
  std::string bytes = testdata(GetParam().file);
  for (size_t cut = 0; cut < bytes.size(); cut += 7) {
    ClientHelloParser p;
    EXPECT_EQ(p.feed(std::string_view(bytes).substr(0, cut)), HelloStatus::kNeedMore) << cut;
  }
}

INSTANTIATE_TEST_SUITE_P(Captured, RealHelloTest, testing::ValuesIn(kRealHellos));

TEST(ClientHelloTest, PostQuantumHelloIsLargerThanOneSegment) {
  EXPECT_GT(testdata("pq-mlkem-argocd.cluster.bin").size(), 1400u);
}

TEST(ClientHelloTest, NameIsLowerCasedWithoutTrailingDot) {
  // Rewrite the name in the captured hello: same length, upper case and a trailing dot.
  std::string bytes = testdata("openssl-tls13-a.example.bin");
  size_t at = bytes.find("a.example");
  ASSERT_NE(at, std::string::npos);
  bytes.replace(at, 9, "A.Example");
  ClientHelloParser p;
  ASSERT_EQ(p.feed(bytes), HelloStatus::kDone);
  EXPECT_EQ(p.server_name(), "a.example");
}

struct Garbage {
  const char* what;
  std::string bytes;
  HelloStatus expected;
};

class GarbageTest : public testing::TestWithParam<Garbage> {};

TEST_P(GarbageTest, IsRefused) {
  ClientHelloParser p;
  EXPECT_EQ(p.feed(GetParam().bytes), GetParam().expected) << GetParam().what;
  EXPECT_STRNE(p.reason(), "");
  // The verdict sticks.
  EXPECT_EQ(p.feed(testdata("openssl-tls13-a.example.bin")), GetParam().expected);
  EXPECT_EQ(p.server_name(), "");
}

std::string with_byte(std::string s, size_t at, uint8_t b) {
  s[at] = static_cast<char>(b);
  return s;
}

std::vector<Garbage> garbage() {
  std::string hello = testdata("openssl-tls13-a.example.bin");
  std::string name_ext_name = hello;
  name_ext_name.replace(name_ext_name.find("a.example"), 9, "a..xample");
  std::string bad_char = hello;
  bad_char.replace(bad_char.find("a.example"), 9, "a.ex mple");
  return {
      {"plain HTTP (first byte)", "G", HelloStatus::kNotTls},
      {"plain HTTP", "GET / HTTP/1.1\r\n\r\n", HelloStatus::kNotTls},
      {"SSH banner", "SSH-2.0-OpenSSH_9.2\r\n", HelloStatus::kNotTls},
      {"SSLv2 hello", std::string("\x80\x2e\x01\x03\x01", 5), HelloStatus::kNotTls},
      {"alert record", std::string("\x15\x03\x03\x00\x02\x02\x28", 7), HelloStatus::kNotTls},
      {"record version 2.x", std::string("\x16\x02", 2), HelloStatus::kNotTls},
      {"record version 3.9", std::string("\x16\x03\x09", 3), HelloStatus::kNotTls},
      {"empty record", std::string("\x16\x03\x01\x00\x00", 5), HelloStatus::kInvalid},
      {"record over 16 KiB", std::string("\x16\x03\x01\x40\x01", 5), HelloStatus::kInvalid},
      {"ServerHello", std::string("\x16\x03\x03\x00\x04\x02\x00\x00\x00", 9),
       HelloStatus::kInvalid},
      {"hello over the limit", std::string("\x16\x03\x01\x00\x04\x01\x01\x00\x00", 9),
       HelloStatus::kInvalid},
      {"hello length too short for its fields",
       std::string("\x16\x03\x01\x00\x06\x01\x00\x00\x02\x03\x03", 11), HelloStatus::kInvalid},
      {"session id over 32", with_byte(hello, 5 + 4 + 2 + 32, 33), HelloStatus::kInvalid},
      {"odd cipher suites length", with_byte(hello, 5 + 4 + 2 + 32 + 1 + 32 + 1, 0x3F),
       HelloStatus::kInvalid},
      {"an empty label", name_ext_name, HelloStatus::kInvalid},
      {"a space in the name", bad_char, HelloStatus::kInvalid},
      {"handshake interrupted by an alert",
       std::string("\x16\x03\x01\x00\x01\x01\x15\x03\x03\x00\x02", 11), HelloStatus::kInvalid},
  };
}

INSTANTIATE_TEST_SUITE_P(Table, GarbageTest, testing::ValuesIn(garbage()));

TEST(ClientHelloTest, GarbageIsRejectedOnItsFirstByte) {
  for (int b = 0; b < 256; ++b) {
    ClientHelloParser p;
    uint8_t byte = static_cast<uint8_t>(b);
    EXPECT_EQ(p.feed(&byte, 1), b == 0x16 ? HelloStatus::kNeedMore : HelloStatus::kNotTls) << b;
  }
}

TEST(ClientHelloTest, TwoServerNameExtensionsAreRefused) {
  // A minimal hello with two server_name extensions, built by hand.
  std::string sni = std::string("\x00\x00\x00\x0e\x00\x0c\x00\x00\x09", 9) + "a.example";
  std::string exts = sni + sni;
  std::string body = std::string("\x03\x03", 2) + std::string(32, '\x01') + std::string("\x00", 1) +
                     std::string("\x00\x02\x13\x01\x01\x00", 6);
  body += static_cast<char>(exts.size() >> 8);
  body += static_cast<char>(exts.size());
  body += exts;
  std::string hs = std::string("\x01\x00", 2) + static_cast<char>(body.size() >> 8) +
                   static_cast<char>(body.size()) + body;
  std::string record = std::string("\x16\x03\x01", 3) + static_cast<char>(hs.size() >> 8) +
                       static_cast<char>(hs.size()) + hs;
  ClientHelloParser p;
  EXPECT_EQ(p.feed(record), HelloStatus::kInvalid);
  EXPECT_STREQ(p.reason(), "two server_name extensions");
  // The same hello with one extension is fine.
  std::string one = record;
  one.erase(one.size() - sni.size());
  one[4] = static_cast<char>(one[4] - sni.size());
  one[8] = static_cast<char>(one[8] - sni.size());
  size_t ext_len_at = 5 + 4 + 2 + 32 + 1 + 2 + 2 + 2;
  one[ext_len_at + 1] = static_cast<char>(one[ext_len_at + 1] - sni.size());
  ClientHelloParser q;
  EXPECT_EQ(q.feed(one), HelloStatus::kDone) << q.reason();
  EXPECT_EQ(q.server_name(), "a.example");
}

}  // namespace
}  // namespace labgate::proxy
