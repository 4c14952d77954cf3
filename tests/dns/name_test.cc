#include "dns/name.h"

#include <gtest/gtest.h>

#include <vector>

namespace labgate::dns {
namespace {

using Bytes = std::vector<uint8_t>;

ParseStatus read_at(const Bytes& m, size_t offset, Name* out, size_t* end = nullptr) {
  size_t pos = offset;
  ParseStatus s = Name::read(m.data(), m.size(), &pos, out);
  if (end) *end = pos;
  return s;
}

TEST(Name, FromTextLowercasesAndFormats) {
  auto n = Name::from_text("ArgoCD.Cluster.");
  ASSERT_TRUE(n);
  EXPECT_EQ(n->wire(), std::string_view("\6argocd\7cluster\0", 16));
  EXPECT_EQ(n->to_text(), "argocd.cluster.");
  EXPECT_EQ(n->label_count(), 2);
  EXPECT_TRUE(Name::from_text("")->is_root());
  EXPECT_EQ(Name::from_text(".")->to_text(), ".");
  EXPECT_FALSE(Name::from_text("a..b"));
  EXPECT_FALSE(Name::from_text(std::string(64, 'a')));
}

TEST(Name, ParentChildAndSubdomain) {
  Name n = *Name::from_text("a.apps.cluster");
  Name zone = *Name::from_text("cluster");
  EXPECT_EQ(n.parent(), *Name::from_text("apps.cluster"));
  EXPECT_EQ(*zone.child("*"), *Name::from_text("*.cluster"));
  EXPECT_TRUE(n.is_subdomain_of(zone));
  EXPECT_TRUE(zone.is_subdomain_of(zone));
  EXPECT_TRUE(n.is_subdomain_of(Name()));
  EXPECT_FALSE(Name::from_text("xcluster")->is_subdomain_of(zone));
  EXPECT_FALSE(zone.is_subdomain_of(n));
  EXPECT_TRUE(Name().parent().is_root());
}

struct ReadCase {
  const char* what;
  Bytes message;
  size_t offset;
  ParseStatus status;
  const char* text;  // when kOk
  size_t end;        // when kOk
};

TEST(Name, ReadTable) {
  const ReadCase cases[] = {
      {"plain", {3, 'F', 'o', 'O', 0}, 0, ParseStatus::kOk, "foo.", 5},
      {"root", {0}, 0, ParseStatus::kOk, ".", 1},
      {"pointer back",
       {3, 'b', 'a', 'r', 0, 3, 'f', 'o', 'o', 0xC0, 0},
       5,
       ParseStatus::kOk,
       "foo.bar.",
       11},
      {"empty", {}, 0, ParseStatus::kTruncated, nullptr, 0},
      {"label runs past end", {5, 'a', 'b'}, 0, ParseStatus::kTruncated, nullptr, 0},
      {"no root label", {1, 'a'}, 0, ParseStatus::kTruncated, nullptr, 0},
      {"half pointer", {0xC0}, 0, ParseStatus::kTruncated, nullptr, 0},
      {"pointer to itself", {0xC0, 0}, 0, ParseStatus::kBadPointer, nullptr, 0},
      {"pointer forwards", {0xC0, 2, 0}, 0, ParseStatus::kBadPointer, nullptr, 0},
      {"loop through two pointers",
       {1, 'a', 0xC0, 4, 0xC0, 0},
       4,
       ParseStatus::kBadPointer,
       nullptr,
       0},
      {"label type 01", {0x40, 0}, 0, ParseStatus::kBadLabelType, nullptr, 0},
      {"label type 10", {0x80, 0}, 0, ParseStatus::kBadLabelType, nullptr, 0},
  };
  for (const auto& c : cases) {
    Name n;
    size_t end = 0;
    EXPECT_EQ(read_at(c.message, c.offset, &n, &end), c.status) << c.what;
    if (c.status == ParseStatus::kOk) {
      EXPECT_EQ(n.to_text(), c.text) << c.what;
      EXPECT_EQ(end, c.end) << c.what;
    }
  }
}

TEST(Name, RejectsNamesOver255Bytes) {
  // 4 labels of 63 bytes = 256 bytes of labels + root: one byte too many.
  Bytes m;
  for (int i = 0; i < 4; ++i) {
    m.push_back(63);
    m.insert(m.end(), 63, 'a');
  }
  m.push_back(0);
  Name n;
  EXPECT_EQ(read_at(m, 0, &n), ParseStatus::kNameTooLong);
  // 3 labels of 63 + one of 61 + root = 255 bytes: the longest legal name.
  Bytes ok;
  for (int i = 0; i < 3; ++i) {
    ok.push_back(63);
    ok.insert(ok.end(), 63, 'a');
  }
  ok.push_back(61);
  ok.insert(ok.end(), 61, 'b');
  ok.push_back(0);
  ASSERT_EQ(read_at(ok, 0, &n), ParseStatus::kOk);
  EXPECT_EQ(n.size(), 255u);
}

TEST(Name, RejectsLongPointerChainsAndLongExpansions) {
  // A chain of pointers each pointing at the previous one: legal direction, but too many hops.
  Bytes m = {0};
  for (int i = 0; i < 100; ++i) {
    size_t target = i == 0 ? 0 : m.size() - 2;
    m.push_back(static_cast<uint8_t>(0xC0 | (target >> 8)));
    m.push_back(static_cast<uint8_t>(target));
  }
  Name n;
  EXPECT_EQ(read_at(m, m.size() - 2, &n), ParseStatus::kTooManyPointers);
  // Labels that each point back to a longer name: expansion is bounded by 255 bytes.
  Bytes grow = {1, 'a', 0};
  for (int i = 0; i < 200; ++i) {
    size_t prev = grow.size() == 3 ? 0 : grow.size() - 4;
    grow.push_back(1);
    grow.push_back('a');
    grow.push_back(static_cast<uint8_t>(0xC0 | (prev >> 8)));
    grow.push_back(static_cast<uint8_t>(prev));
  }
  ParseStatus s = read_at(grow, grow.size() - 4, &n);
  EXPECT_TRUE(s == ParseStatus::kNameTooLong || s == ParseStatus::kTooManyPointers) << to_string(s);
}

}  // namespace
}  // namespace labgate::dns
