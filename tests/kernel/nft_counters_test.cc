// libnftables' JSON listing of counters (kernel/nft_counters.h), from what nft 1.0.6 prints.
#include "kernel/nft_counters.h"

#include <gtest/gtest.h>

namespace labgate {
namespace {

using Counter = Ruleset::NamedCounter;

TEST(NftCountersTest, ReadsTheCountersOfTheLabgateTable) {
  const char* listed =
      R"({"nftables": [{"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", )"
      R"("json_schema_version": 1}}, {"counter": {"family": "inet", "name": "fwd_lan_80_tcp", )"
      R"("table": "labgate", "handle": 2, "packets": 12, "bytes": 3456}}, )"
      R"({"counter": {"family": "inet", "name": "other", "table": "mine", "handle": 3, )"
      R"("packets": 1, "bytes": 1}}, {"counter": {"family": "inet", "name": "fwd_lan_53_udp", )"
      R"("table": "labgate", "handle": 4, "packets": 0, "bytes": 0}}]})";
  Result<std::vector<Counter>> c = parse_nft_counters_json(listed);
  ASSERT_TRUE(c.ok()) << c.error();
  EXPECT_EQ(*c, (std::vector<Counter>{{"fwd_lan_80_tcp", 12, 3456}, {"fwd_lan_53_udp", 0, 0}}));
}

TEST(NftCountersTest, RefusesWhatIsNotItsJson) {
  for (const char* text : {"", "table inet labgate {", "[]", R"({"nftables": 3})"})
    EXPECT_FALSE(parse_nft_counters_json(text).ok()) << text;
  Result<std::vector<Counter>> empty = parse_nft_counters_json(R"({"nftables": []})");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

}  // namespace
}  // namespace labgate
