#include "net/names.h"

#include <string>

#include <gtest/gtest.h>

namespace labgate {
namespace {

TEST(Names, DnsLabelsFollowRfc1123) {
  for (const std::string& good :
       {std::string("a"), std::string("lan"), std::string("talos-worker-01"), std::string("1st"),
        std::string("ArgoCD"), std::string(63, 'x')})
    EXPECT_TRUE(is_dns_label(good)) << good;
  for (const std::string& bad :
       {std::string(""), std::string("-a"), std::string("a-"), std::string("a_b"),
        std::string("a.b"), std::string("a b"), std::string(64, 'x'), std::string("*"),
        std::string("caf\xc3\xa9")})
    EXPECT_FALSE(is_dns_label(bad)) << bad;
}

TEST(Names, DnsNamesAreDottedLabels) {
  EXPECT_TRUE(is_dns_name("cluster"));
  EXPECT_TRUE(is_dns_name("home.arpa"));
  EXPECT_FALSE(is_dns_name(""));
  EXPECT_FALSE(is_dns_name("a..b"));
  EXPECT_FALSE(is_dns_name("a."));
  EXPECT_FALSE(is_dns_name(".a"));
  EXPECT_FALSE(is_dns_name("*.apps"));
  EXPECT_TRUE(is_dns_name("*.apps", /*allow_wildcard=*/true));
  EXPECT_TRUE(is_dns_name("*", /*allow_wildcard=*/true));
  EXPECT_FALSE(is_dns_name("apps.*", /*allow_wildcard=*/true));
  EXPECT_FALSE(is_dns_name("a*.apps", /*allow_wildcard=*/true));
  // 253 characters at most: four 63-character labels and three dots make 255.
  std::string label(63, 'a');
  EXPECT_TRUE(is_dns_name(label + "." + label + "." + label + "." + std::string(61, 'a')));
  EXPECT_FALSE(is_dns_name(label + "." + label + "." + label + "." + label));
}

TEST(Names, InterfaceNamesFitIfnamsiz) {
  for (const char* good : {"vmbr0", "eth0.100", "veth-lab_1", "fifteen-chars-x", "br@x"})
    EXPECT_TRUE(is_interface_name(good)) << good;
  for (const char* bad :
       {"", ".", "..", "sixteen-chars-xx", "a/b", "vmbr0:1", "a b", "tab\there", "nl\n"})
    EXPECT_FALSE(is_interface_name(bad)) << bad;
}

TEST(Names, PlainInterfaceNamesHaveNothingARulesetParserInterprets) {
  for (const char* good : {"vmbr0", "eth0.100", "veth-lab_1", "fifteen-chars-x", "tap100i0"})
    EXPECT_TRUE(is_plain_interface_name(good)) << good;
  for (const char* bad : {"", ".", "..", "sixteen-chars-xx", "a/b", "vmbr0:1", "a b", "br@x",
                          "a\"drop;#", "a*", "eth+", "a\\b", "a'b", "a;b", "a#", "a{"})
    EXPECT_FALSE(is_plain_interface_name(bad)) << bad;
  EXPECT_EQ(first_unplain_interface_char("ab\"c"), '"');
  EXPECT_EQ(first_unplain_interface_char("vmbr0"), std::nullopt);
}

TEST(Names, ClosestMatchSuggestsLikelyTypos) {
  const std::vector<std::string> keys = {"interface", "subnet", "address", "router", "uplink"};
  EXPECT_EQ(closest_match("adress", keys), "address");
  EXPECT_EQ(closest_match("uplnk", keys), "uplink");
  EXPECT_EQ(closest_match("intreface", keys), "interface");
  EXPECT_EQ(closest_match("colour", keys), "");
  EXPECT_EQ(closest_match("x", keys), "");
  EXPECT_EQ(closest_match("anything", {}), "");
  // Long words are not typos of anything a topology names (and stay cheap to check).
  EXPECT_EQ(closest_match(std::string(10000, 'a'), keys), "");
  // Short names: one changed character is still a likely typo.
  EXPECT_EQ(closest_match("wan", {"lan", "cluster"}), "lan");
}

}  // namespace
}  // namespace labgate
