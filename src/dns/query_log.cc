#include "dns/query_log.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "dns/message.h"

namespace labgate::dns {

const char* to_string(Answered a) {
  switch (a) {
    case Answered::kLocal:
      return "local";
    case Answered::kCached:
      return "cached";
    case Answered::kStale:
      return "stale";
    case Answered::kForwarded:
      return "forwarded";
    case Answered::kFailed:
      return "failed";
  }
  return "local";
}

std::string type_name(uint16_t qtype) {
  switch (qtype) {
    case type::kA:
      return "A";
    case type::kNs:
      return "NS";
    case type::kCname:
      return "CNAME";
    case type::kSoa:
      return "SOA";
    case type::kPtr:
      return "PTR";
    case type::kMx:
      return "MX";
    case type::kTxt:
      return "TXT";
    case type::kAaaa:
      return "AAAA";
    case 33:
      return "SRV";
    case 64:
      return "SVCB";
    case 65:
      return "HTTPS";
    case type::kAny:
      return "ANY";
    default:
      return fmt::format("TYPE{}", qtype);
  }
}

QueryRing::QueryRing(size_t capacity)
    : capacity_(std::max<size_t>(capacity, 1)), slots_(new Slot[capacity_]) {}

// Slot words: 0 time, 1-2 the client's address (hi, lo), 3 family | qtype | rcode | how | name
// size | view packed, 4 latency; then the name's wire bytes, 8 to a word.
void QueryRing::record(const QueryRecord& r) {
  Slot& s = slots_[next_ % capacity_];
  ++next_;
  const uint64_t seq = s.sequence.load(std::memory_order_relaxed);
  s.sequence.store(seq + 1, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);  // the odd sequence before the words
  const uint64_t packed = uint64_t{static_cast<uint8_t>(r.client.family())} |
                          uint64_t{r.qtype} << 8 | uint64_t{r.rcode} << 24 |
                          uint64_t{static_cast<uint8_t>(r.how)} << 32 |
                          uint64_t{static_cast<uint8_t>(r.name.size())} << 40 |
                          uint64_t{static_cast<uint16_t>(static_cast<int16_t>(r.view))} << 48;
  s.words[0].store(static_cast<uint64_t>(r.time_ns), std::memory_order_relaxed);
  s.words[1].store(r.client.hi(), std::memory_order_relaxed);
  s.words[2].store(r.client.lo(), std::memory_order_relaxed);
  s.words[3].store(packed, std::memory_order_relaxed);
  s.words[4].store(r.latency_us, std::memory_order_relaxed);
  const size_t size = std::min(r.name.size(), kMaxNameBytes);
  for (size_t i = 0; i * 8 < size; ++i) {
    uint64_t w = 0;
    std::memcpy(&w, r.name.data() + i * 8, std::min<size_t>(8, size - i * 8));
    s.words[kMetaWords + i].store(w, std::memory_order_relaxed);
  }
  s.sequence.store(seq + 2, std::memory_order_release);
}

void QueryRing::snapshot(std::vector<QueryRecord>* out) const {
  uint64_t words[kMetaWords + kNameWords];
  for (size_t i = 0; i < capacity_; ++i) {
    const Slot& s = slots_[i];
    const uint64_t before = s.sequence.load(std::memory_order_acquire);
    if (before == 0 || before % 2 == 1) continue;
    for (size_t w = 0; w < kMetaWords; ++w) words[w] = s.words[w].load(std::memory_order_relaxed);
    const size_t size = (words[3] >> 40) & 0xff;
    for (size_t w = 0; w * 8 < size; ++w)
      words[kMetaWords + w] = s.words[kMetaWords + w].load(std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_acquire);  // the words before the second look
    if (s.sequence.load(std::memory_order_relaxed) != before) continue;  // overwritten meanwhile

    QueryRecord r;
    r.time_ns = static_cast<int64_t>(words[0]);
    const auto family = static_cast<IpFamily>(words[3] & 0xff);
    r.client = IpAddress::from_bits(family, words[1], words[2]);
    r.qtype = static_cast<uint16_t>(words[3] >> 8);
    r.rcode = static_cast<uint8_t>(words[3] >> 24);
    r.how = static_cast<Answered>((words[3] >> 32) & 0xff);
    r.view = static_cast<int16_t>(static_cast<uint16_t>(words[3] >> 48));
    r.latency_us = static_cast<uint32_t>(words[4]);
    uint8_t wire[kNameWords * 8];
    std::memcpy(wire, words + kMetaWords, kNameWords * 8);
    size_t offset = 0;
    if (Name::read(wire, size, &offset, &r.name) != ParseStatus::kOk) continue;
    out->push_back(std::move(r));
  }
}

QueryRing* QueryLog::add_ring() {
  std::lock_guard lock(mu_);
  rings_.push_back(std::make_unique<QueryRing>(entries_));
  return rings_.back().get();
}

std::vector<QueryRecord> QueryLog::recent() const {
  std::vector<QueryRecord> all;
  {
    std::lock_guard lock(mu_);
    for (const auto& ring : rings_) ring->snapshot(&all);
  }
  std::stable_sort(all.begin(), all.end(), [](const QueryRecord& a, const QueryRecord& b) {
    return a.time_ns < b.time_ns;
  });
  if (all.size() > entries_) all.erase(all.begin(), all.end() - static_cast<ptrdiff_t>(entries_));
  return all;
}

}  // namespace labgate::dns
