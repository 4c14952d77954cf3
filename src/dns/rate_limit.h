// A response-rate limit per client prefix (IPv4 /24, IPv6 /56 as BIND), against reflection and
// amplification through labgate's UDP port: a token bucket per prefix, refilled at `rate` answers
// per second up to `burst`. Like BIND's RRL, a client over its rate is not silenced completely:
// every second excess query is answered with an empty TC=1 reply ("slip"), so a real client retries
// over TCP (never limited, as TCP cannot be spoofed), while a spoofed victim gets nothing
// amplified.
//
// Fixed memory, no allocation after construction: a direct-mapped table of buckets. Two prefixes
// that share a slot evict each other, which only ever gives a prefix a fresh (full) bucket.
// Not thread-safe: one per event loop (so the effective rate is per loop and prefix). `labgate run`
// applies it only to sources on none of the file's networks (DnsService).
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

#include "net/ip_address.h"

namespace labgate::dns {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  enum class Verdict : uint8_t { kAnswer, kDrop, kSlip };
  static constexpr size_t kSlots = 4096;

  // `rate` answers per second per /24 (0: no limit), bursts of up to `burst` (at least 1).
  RateLimiter(uint32_t rate, uint32_t burst);

  bool enabled() const { return rate_ != 0; }
  // Accounts one answer to `client` at `now`: whether to answer, drop, or answer TC.
  Verdict check(IpAddress client, Clock::time_point now);

 private:
  struct Bucket {
    uint64_t prefix = 0;  // see prefix_key
    bool used = false;
    uint32_t excess = 0;  // queries over the rate since the bucket was made (every 2nd slips)
    double tokens = 0;
    Clock::time_point last;
  };

  uint32_t rate_;
  double burst_;
  std::vector<Bucket> slots_;
};

}  // namespace labgate::dns
