#include "dns/dns_stats.h"

#include <algorithm>

namespace labgate::dns {
namespace {

constexpr const char* kTypeLabels[kTypeSlots] = {"A",  "AAAA", "CNAME", "NS",    "SOA", "PTR",
                                                 "MX", "TXT",  "SRV",   "HTTPS", "ANY", "other"};
constexpr const char* kRcodeLabels[kRcodeSlots] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
                                                   "NOTIMP",  "REFUSED", "other"};

uint64_t get(const std::atomic<uint64_t>& c) {
  return c.load(std::memory_order_relaxed);
}

}  // namespace

const char* type_label(size_t slot) {
  return slot < kTypeSlots ? kTypeLabels[slot] : "other";
}

const char* rcode_label(size_t slot) {
  return slot < kRcodeSlots ? kRcodeLabels[slot] : "other";
}

size_t type_slot(uint16_t qtype) {
  for (size_t i = 0; i < kCountedTypes.size(); ++i)
    if (kCountedTypes[i] == qtype) return i;
  return kCountedTypes.size();
}

size_t view_slot(int view) {
  return view >= 0 && static_cast<size_t>(view) < kMaxViews ? static_cast<size_t>(view) : kMaxViews;
}

void DnsLoopStats::count_response(int view, const uint8_t* reply, size_t size) {
  size_t type = kCountedTypes.size();
  size_t rcode = kRcodeSlots - 1;
  if (size >= 12) {
    rcode = std::min<size_t>(reply[3] & 0x0F, kRcodeSlots - 1);
    // The question's type: after the name's labels (no compression in a question we wrote).
    if (reply[4] == 0 && reply[5] == 1) {
      size_t at = 12;
      while (at < size && reply[at] != 0 && (reply[at] & 0xC0) == 0) at += 1 + reply[at];
      if (at + 2 < size && reply[at] == 0)
        type = type_slot(static_cast<uint16_t>(reply[at + 1] << 8 | reply[at + 2]));
    }
  }
  bump(responses_[view_slot(view)][type][rcode]);
}

void DnsLoopStats::observe_upstream_seconds(double seconds) {
  size_t i = 0;
  while (i < kUpstreamBuckets.size() && seconds > kUpstreamBuckets[i]) ++i;
  bump(upstream_buckets_[i]);
  bump(upstream_count_);
  bump(upstream_micros_, static_cast<uint64_t>(seconds * 1e6));
}

void DnsStatsTotals::add(const DnsLoopStats& loop) {
  for (size_t v = 0; v < kViewSlots; ++v)
    for (size_t t = 0; t < kTypeSlots; ++t)
      for (size_t r = 0; r < kRcodeSlots; ++r) responses[v][t][r] += get(loop.responses_[v][t][r]);
  cache_hits += get(loop.cache_hits_);
  cache_misses += get(loop.cache_misses_);
  stale += get(loop.stale_);
  rate_limited += get(loop.rate_limited_);
  upstream_timeouts += get(loop.upstream_timeouts_);
  upstream_failures += get(loop.upstream_failures_);
  for (size_t i = 0; i < upstream_buckets.size(); ++i)
    upstream_buckets[i] += get(loop.upstream_buckets_[i]);
  upstream_count += get(loop.upstream_count_);
  upstream_seconds += static_cast<double>(get(loop.upstream_micros_)) / 1e6;
  cache_entries += get(loop.cache_entries_);
  cache_capacity += get(loop.cache_capacity_);
}

}  // namespace labgate::dns
