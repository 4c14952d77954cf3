// plan/text_quote.h: the one place values become text for nft, iptables-restore and DNS files.
// Issue 12: an interface name 'a"drop;#' ended the nft string and replaced a network's rules with
// `iifname != "a" drop`; these tests pin that no value can end a token or a line.
#include "plan/text_quote.h"

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "dns/export.h"
#include "plan/iptables_ruleset.h"
#include "plan/nft_ruleset.h"
#include "support/valid_topology.h"
#include "topology/seed.h"

namespace labgate {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const char* const kHostile[] = {
    "a\"drop;#",
    "ab\"c",
    "a*",
    "vmbr+",
    "a\\b",
    "a b",
    "a\nb",
    "a;b",
    "a}",
    "a{",
    "a#",
    "",
    "sixteen-chars-xx",
    ".",
    "..",
    "a/b",
    "a:b",
    "a@b",
    "a$b",
    "a'b",
    "a`b",
    "a\x01",
    "a\xff",
};

TEST(TextQuote, InterfaceNamesOutsideThePlainAlphabetAreRefused) {
  for (const char* name : kHostile) {
    EXPECT_THROW(nft_interface(name), UnsafeText) << name;
    EXPECT_THROW(iptables_interface(name), UnsafeText) << name;
  }
  EXPECT_EQ(nft_interface("vmbr0"), "\"vmbr0\"");
  EXPECT_EQ(nft_interface("br_1-x.100"), "\"br_1-x.100\"");
  EXPECT_EQ(iptables_interface("vmbr0.100"), "vmbr0.100");
}

TEST(TextQuote, CommentsCannotEndTheirStringOrLine) {
  EXPECT_EQ(nft_comment("lan egress"), "\"lan egress\"");
  EXPECT_EQ(nft_comment("a\" drop; \\n\n#"), "\"a? drop; ?n?#\"");
  EXPECT_EQ(nft_comment(std::string(200, 'x')).size(), 128u + 2);
  EXPECT_EQ(iptables_comment("a\"b\\c\n"), "\"a?b?c?\"");
  EXPECT_EQ(comment_line_text("file\nflush ruleset\r\x7f"), "file?flush ruleset??");
}

TEST(TextQuote, DnsNamesAreRefusedUnlessTheyAreNames) {
  EXPECT_EQ(dns_name_text("argocd.cluster"), "argocd.cluster");
  EXPECT_EQ(dns_name_text("*.apps.cluster"), "*.apps.cluster");
  for (const char* bad : {"a;b", "a b", "a\nb", "$ORIGIN", "a(b", "a\"b", "a\\b", "a/b", "a,b", ""})
    EXPECT_THROW(dns_name_text(bad), UnsafeText) << bad;
}

// The generators themselves, given a topology whose interface the validator never saw (the
// property holds whatever the validator misses): they throw instead of writing the name.
Topology seed_with_interface(const std::string& name) {
  Topology t = test_support::load_valid(seed_topology_text(), test_support::Allow::kNoDiagnostics);
  t.networks[1].interface = name;  // cluster: masquerading, hairpin, inbound rules
  return t;
}

TEST(TextQuote, GeneratorsRefuseAHostileInterfaceTheValidatorMissed) {
  for (const char* name : {"a\"drop;#", "ab\"c", "a*", "vmbr+"}) {
    ForwardingPlan plan = compile_forwarding_plan(seed_with_interface(name));
    EXPECT_THROW(compile_nft_table(plan), UnsafeText) << name;
    EXPECT_THROW(compile_nft_script(plan, "x"), UnsafeText) << name;
    EXPECT_THROW(compile_iptables_restore(plan, "x"), UnsafeText) << name;
  }
  ForwardingPlan plain = compile_forwarding_plan(seed_with_interface("vmbr9"));
  EXPECT_THAT(compile_nft_table(plain), HasSubstr("oifname \"vmbr9\""));
}

TEST(TextQuote, ScriptHeaderCannotCarryAStatement) {
  ForwardingPlan plan = compile_forwarding_plan(seed_with_interface("vmbr1"));
  std::string script = compile_nft_script(plan, "x.yaml\nflush ruleset");
  EXPECT_THAT(script, Not(HasSubstr("\nflush ruleset")));
  EXPECT_THAT(script, HasSubstr("x.yaml?flush ruleset"));
  std::string file = compile_iptables_restore(plan, "x.yaml\n*filter\n-F");
  EXPECT_THAT(file, Not(HasSubstr("\n-F")));
}

TEST(TextQuote, ExportRefusesANameTheValidatorMissed) {
  Topology t = seed_with_interface("vmbr1");
  ASSERT_TRUE(t.dns.enabled);
  t.dns.names.push_back({"x IN A 6.6.6.6\nevil", "ingress", true});
  for (auto format : {dns::ExportFormat::kZone, dns::ExportFormat::kHosts,
                      dns::ExportFormat::kDnsmasq, dns::ExportFormat::kPihole}) {
    auto text = dns::export_dns(compile(t).dns, format, "");
    EXPECT_FALSE(text) << *text;
    EXPECT_THAT(text.error(), HasSubstr("refusing to write DNS name"));
  }
}

}  // namespace
}  // namespace labgate
