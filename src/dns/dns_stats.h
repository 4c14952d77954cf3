// What the DNS service counts, per event loop, for the metrics (docs/observability.md).
//
// Free on the data path: each loop owns one DnsLoopStats and is its only writer; a count is a
// relaxed load and store of the loop's own cache lines (no read-modify-write, no lock, no sharing
// between loops). The metrics collector reads every loop's counters from another thread at
// collect() and sums them (DnsStatsTotals); a reading may lag a loop by a few increments.
//
// Low cardinality by construction: responses are counted by view (the client's network, at most
// kMaxViews of them, then "other"), query type (the common types, then "other") and rcode (the six
// of RFC 1035, then "other").
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace labgate::dns {

inline constexpr size_t kMaxViews = 16;              // views beyond this count as "other"
inline constexpr size_t kViewSlots = kMaxViews + 1;  // + the client on no network of the file
// Query types with a label of their own; every other type is counted as "other" (the last slot).
inline constexpr std::array<uint16_t, 11> kCountedTypes = {1, 28, 5, 2, 6, 12, 15, 16, 33, 65, 255};
inline constexpr size_t kTypeSlots = kCountedTypes.size() + 1;
inline constexpr size_t kRcodeSlots = 7;  // NOERROR .. REFUSED (0..5), other
// The upstream latency histogram's upper bounds, in seconds.
inline constexpr std::array<double, 12> kUpstreamBuckets = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};

const char* type_label(size_t slot);   // "A", "AAAA", ..., "other"
const char* rcode_label(size_t slot);  // "NOERROR", ..., "REFUSED", "other"
size_t type_slot(uint16_t qtype);
// The view slot of Authority::view_for's result: the view itself, kMaxViews for -1 (no network
// of the file) and for views beyond kMaxViews.
size_t view_slot(int view);

// One loop's counters. Written by that loop only.
class alignas(64) DnsLoopStats {
 public:
  // A response sent (or about to be) to a client of `view`: its type and rcode are read from the
  // reply's header and question. A reply too short to have them counts as "other".
  void count_response(int view, const uint8_t* reply, size_t size);
  void count_cache_hit() { bump(cache_hits_); }
  void count_cache_miss() { bump(cache_misses_); }
  void count_stale() { bump(stale_); }
  void count_rate_limited() { bump(rate_limited_); }
  void count_upstream_timeout() { bump(upstream_timeouts_); }
  // A question no upstream answered (its clients got stale or SERVFAIL).
  void count_upstream_failure() { bump(upstream_failures_); }
  void observe_upstream_seconds(double seconds);
  // Gauges, not counters: the loop's cache size now and its maximum (dns/cache.h publishes them
  // when its size changes; a loop that stops sets both to 0).
  void set_cache_entries(size_t n) { cache_entries_.store(n, std::memory_order_relaxed); }
  void set_cache_capacity(size_t n) { cache_capacity_.store(n, std::memory_order_relaxed); }

  // Adds this loop's counters to the arrays of DnsStatsTotals (from any thread).
  friend struct DnsStatsTotals;

 private:
  using U = std::atomic<uint64_t>;
  static void bump(U& c, uint64_t n = 1) {
    c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  std::array<std::array<std::array<U, kRcodeSlots>, kTypeSlots>, kViewSlots> responses_{};
  U cache_hits_{0}, cache_misses_{0}, stale_{0}, rate_limited_{0};
  U upstream_timeouts_{0}, upstream_failures_{0};
  std::array<U, kUpstreamBuckets.size() + 1> upstream_buckets_{};  // not cumulative; +Inf last
  U upstream_count_{0}, upstream_micros_{0};
  U cache_entries_{0}, cache_capacity_{0};
};

// The sum over every loop.
struct DnsStatsTotals {
  std::array<std::array<std::array<uint64_t, kRcodeSlots>, kTypeSlots>, kViewSlots> responses{};
  uint64_t cache_hits = 0, cache_misses = 0, stale = 0, rate_limited = 0;
  uint64_t upstream_timeouts = 0, upstream_failures = 0;
  std::array<uint64_t, kUpstreamBuckets.size() + 1> upstream_buckets{};  // not cumulative
  uint64_t upstream_count = 0;
  double upstream_seconds = 0;
  uint64_t cache_entries = 0, cache_capacity = 0;  // gauges: summed over the loops running now

  void add(const DnsLoopStats& loop);
};

}  // namespace labgate::dns
