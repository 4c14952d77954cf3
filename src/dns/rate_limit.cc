#include "dns/rate_limit.h"

#include <algorithm>

namespace labgate::dns {
namespace {

// The client's prefix as one number: IPv4's /24 (below 2^24), IPv6's /56 with the top bit set,
// so the two families never share a key.
uint64_t prefix_key(IpAddress client) {
  if (client.is_v4()) return client.v4_value() >> 8;
  return (client.hi() >> 8) | (uint64_t{1} << 63);
}

}  // namespace

RateLimiter::RateLimiter(uint32_t rate, uint32_t burst)
    : rate_(rate), burst_(std::max<uint32_t>(burst, 1)) {
  if (rate_ != 0) slots_.resize(kSlots);
}

RateLimiter::Verdict RateLimiter::check(IpAddress client, Clock::time_point now) {
  if (rate_ == 0) return Verdict::kAnswer;
  const uint64_t prefix = prefix_key(client);
  const uint32_t folded = static_cast<uint32_t>(prefix ^ (prefix >> 32));  // IPv4: the /24 itself
  Bucket& b = slots_[(folded * 2654435761u) >> 20 & (kSlots - 1)];
  if (!b.used || b.prefix != prefix) {
    b = Bucket{prefix, true, 0, burst_, now};
  } else if (now > b.last) {
    const double elapsed = std::chrono::duration<double>(now - b.last).count();
    b.tokens = std::min(burst_, b.tokens + elapsed * rate_);
    b.last = now;
  }
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return Verdict::kAnswer;
  }
  // Counted across answers: a client just over its rate alternates answer and excess, and half
  // of its excess must still slip.
  ++b.excess;
  return b.excess % 2 == 0 ? Verdict::kSlip : Verdict::kDrop;
}

}  // namespace labgate::dns
