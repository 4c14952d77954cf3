// The DNS loops' counters (dns/dns_stats.h): what a reply is counted as, and the sums.
#include "dns/dns_stats.h"

#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

namespace labgate::dns {
namespace {

// A reply header + one question for "a.b" of `qtype`, with `rcode`.
std::vector<uint8_t> reply(uint16_t qtype, uint8_t rcode) {
  std::vector<uint8_t> r = {0x12,
                            0x34,
                            0x81,
                            static_cast<uint8_t>(0x80 | rcode),
                            0,
                            1,
                            0,
                            0,
                            0,
                            0,
                            0,
                            0,
                            1,
                            'a',
                            1,
                            'b',
                            0,
                            static_cast<uint8_t>(qtype >> 8),
                            static_cast<uint8_t>(qtype),
                            0,
                            1};
  return r;
}

TEST(DnsStatsTest, CountsRepliesByViewTypeAndRcode) {
  DnsLoopStats loop;
  auto a = reply(1, 0), aaaa_nx = reply(28, 3), odd = reply(99, 9), refused = reply(1, 5);
  loop.count_response(0, a.data(), a.size());
  loop.count_response(0, a.data(), a.size());
  loop.count_response(1, aaaa_nx.data(), aaaa_nx.size());
  loop.count_response(-1, odd.data(), odd.size());
  loop.count_response(40, refused.data(), refused.size());  // beyond kMaxViews: "other" slot
  loop.count_response(0, a.data(), 5);                      // too short: type and rcode "other"
  DnsStatsTotals t;
  t.add(loop);
  t.add(loop);  // two loops alike: sums
  const size_t other_type = kTypeSlots - 1, other_rcode = kRcodeSlots - 1;
  EXPECT_EQ(t.responses[0][type_slot(1)][0], 4u);
  EXPECT_EQ(t.responses[1][type_slot(28)][3], 2u);
  EXPECT_EQ(t.responses[kMaxViews][other_type][other_rcode], 2u);
  EXPECT_EQ(t.responses[kMaxViews][type_slot(1)][5], 2u);
  EXPECT_EQ(t.responses[0][other_type][other_rcode], 2u);
  EXPECT_STREQ(type_label(type_slot(1)), "A");
  EXPECT_STREQ(type_label(type_slot(65)), "HTTPS");
  EXPECT_STREQ(type_label(type_slot(99)), "other");
  EXPECT_STREQ(rcode_label(3), "NXDOMAIN");
  EXPECT_STREQ(rcode_label(other_rcode), "other");
}

TEST(DnsStatsTest, UpstreamLatencyLandsInItsBucket) {
  DnsLoopStats loop;
  loop.observe_upstream_seconds(0.0004);  // first bucket (0.0005)
  loop.observe_upstream_seconds(0.003);   // 0.005
  loop.observe_upstream_seconds(10);      // +Inf
  loop.count_cache_hit();
  loop.count_cache_miss();
  loop.count_cache_miss();
  loop.count_rate_limited();
  DnsStatsTotals t;
  t.add(loop);
  EXPECT_EQ(t.upstream_buckets[0], 1u);
  EXPECT_EQ(t.upstream_buckets[3], 1u);
  EXPECT_EQ(t.upstream_buckets.back(), 1u);
  EXPECT_EQ(t.upstream_count, 3u);
  EXPECT_NEAR(t.upstream_seconds, 10.0034, 1e-5);
  EXPECT_EQ(t.cache_hits, 1u);
  EXPECT_EQ(t.cache_misses, 2u);
  EXPECT_EQ(t.rate_limited, 1u);
}

}  // namespace
}  // namespace labgate::dns
