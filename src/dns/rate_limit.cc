#include "dns/rate_limit.h"

#include <algorithm>

namespace labgate::dns {

RateLimiter::RateLimiter(uint32_t rate, uint32_t burst)
    : rate_(rate), burst_(std::max<uint32_t>(burst, 1)) {
  if (rate_ != 0) slots_.resize(kSlots);
}

RateLimiter::Verdict RateLimiter::check(Ipv4 client, Clock::time_point now) {
  if (rate_ == 0) return Verdict::kAnswer;
  const uint32_t prefix = client.value >> 8;
  Bucket& b = slots_[(prefix * 2654435761u) >> 20 & (kSlots - 1)];
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
