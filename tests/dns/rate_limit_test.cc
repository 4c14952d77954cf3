#include "dns/rate_limit.h"

#include <gtest/gtest.h>

namespace labgate::dns {
namespace {

using namespace std::chrono_literals;
using Verdict = RateLimiter::Verdict;

const RateLimiter::Clock::time_point t0{std::chrono::hours(1000)};
const IpAddress kClient = IpAddress::v4(0xC0A8010A);  // 192.168.1.10

TEST(RateLimiter, AnswersABurstThenDropsAndSlipsEveryOtherExcessQuery) {
  RateLimiter limiter(10, 20);
  for (int i = 0; i < 20; ++i) ASSERT_EQ(limiter.check(kClient, t0), Verdict::kAnswer) << i;
  EXPECT_EQ(limiter.check(kClient, t0), Verdict::kDrop);
  EXPECT_EQ(limiter.check(kClient, t0), Verdict::kSlip);
  EXPECT_EQ(limiter.check(kClient, t0), Verdict::kDrop);
  EXPECT_EQ(limiter.check(kClient, t0), Verdict::kSlip);
}

TEST(RateLimiter, SlipsEveryOtherExcessQueryEvenWhenAnswersComeBetween) {
  // A client a little over its rate: the bucket refills between its queries, so answers and
  // excess queries alternate. Half of the excess must still be answered TC (the "slip"), or a
  // real client behind the limit never learns to retry over TCP.
  RateLimiter limiter(8, 1);
  int slips = 0, drops = 0, answers = 0;
  for (int i = 0; i < 200; ++i) {
    // Two queries per token (one every 125 ms, exact in binary): one answered, one over the rate.
    switch (limiter.check(kClient, t0 + i * 62500us)) {
      case Verdict::kAnswer:
        ++answers;
        break;
      case Verdict::kSlip:
        ++slips;
        break;
      case Verdict::kDrop:
        ++drops;
        break;
    }
  }
  EXPECT_EQ(answers, 100);
  EXPECT_EQ(slips, 50);
  EXPECT_EQ(drops, 50);
}

TEST(RateLimiter, RefillsAtTheRateUpToTheBurst) {
  RateLimiter limiter(10, 20);
  for (int i = 0; i < 20; ++i) limiter.check(kClient, t0);
  // 10 per second: one token every 100 ms.
  EXPECT_EQ(limiter.check(kClient, t0 + 50ms), Verdict::kDrop);
  EXPECT_EQ(limiter.check(kClient, t0 + 100ms), Verdict::kAnswer);
  EXPECT_EQ(limiter.check(kClient, t0 + 100ms), Verdict::kSlip);  // the second excess query
  // A long pause refills the burst, not more.
  int answered = 0;
  for (int i = 0; i < 100; ++i) answered += limiter.check(kClient, t0 + 1h) == Verdict::kAnswer;
  EXPECT_EQ(answered, 20);
}

TEST(RateLimiter, CountsPerSlash24) {
  RateLimiter limiter(1, 2);
  EXPECT_EQ(limiter.check(IpAddress::v4(0xC0A8010A), t0), Verdict::kAnswer);
  EXPECT_EQ(limiter.check(IpAddress::v4(0xC0A801FE), t0), Verdict::kAnswer);  // same /24
  EXPECT_EQ(limiter.check(IpAddress::v4(0xC0A80199), t0),
            Verdict::kDrop);  // same /24, bucket empty
  EXPECT_EQ(limiter.check(IpAddress::v4(0xC0A8020A), t0),
            Verdict::kAnswer);  // 192.168.2.0/24: its own
  EXPECT_EQ(limiter.check(IpAddress::v4(0x0A00000A), t0), Verdict::kAnswer);
}

TEST(RateLimiter, ZeroRateMeansNoLimit) {
  RateLimiter limiter(0, 0);
  EXPECT_FALSE(limiter.enabled());
  for (int i = 0; i < 10000; ++i) ASSERT_EQ(limiter.check(kClient, t0), Verdict::kAnswer);
}

TEST(RateLimiter, ManyPrefixesStayWithinFixedMemoryAndEachGetsItsBurst) {
  RateLimiter limiter(1, 1);
  // More prefixes than slots: colliding prefixes evict each other, which only refills.
  for (uint32_t p = 0; p < 3 * RateLimiter::kSlots; ++p)
    ASSERT_EQ(limiter.check(IpAddress::v4(p << 8), t0), Verdict::kAnswer) << p;
}

}  // namespace
}  // namespace labgate::dns
