// The query log: a bounded record of the most recent DNS queries, for the status page's
// /api/queries and `labgate log`. Off unless the file turns it on (dns.query_log), because it
// records every client's questions.
//
// One ring per DNS event loop, written only by that loop's thread, so recording takes no lock
// and touches no cache line another loop writes: each slot is a seqlock (a sequence word, odd
// while the slot is being written) over relaxed atomic words, and readers on other threads copy
// a slot and keep it only if its sequence was even and unchanged across the copy. A reader never
// blocks the writer; a slot overwritten during the read is skipped, not torn.
//
// Memory: each ring holds `entries` slots of about 300 bytes (a name is kept in wire form, up to
// 255 bytes), allocated once when the loop starts; nothing is allocated when recording.
// QueryLog::recent() merges the rings by time and returns at most `entries` of the newest.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "dns/name.h"
#include "net/ip_address.h"

namespace labgate::dns {

// How labgate answered.
enum class Answered : uint8_t {
  kLocal,      // from the zone (or refused, or malformed): no upstream involved
  kCached,     // a fresh answer from the loop's cache
  kStale,      // upstreams failed or busy: a stale cached answer (RFC 8767)
  kForwarded,  // an upstream's answer
  kFailed,     // upstreams failed and nothing was cached: SERVFAIL
};
const char* to_string(Answered a);  // "local", "cached", "stale", "forwarded", "failed"

// One query as recorded (and as read back).
struct QueryRecord {
  int64_t time_ns = 0;  // when it was asked, nanoseconds since the Unix epoch (system clock)
  IpAddress client;
  Name name;  // lowercased, as labgate matched it
  uint16_t qtype = 0;
  int view = -1;  // index into the Plan's DNS networks; -1: no network of the file
  uint8_t rcode = 0;
  Answered how = Answered::kLocal;
  uint32_t latency_us = 0;  // from reading the query to sending the answer
};

// The mnemonic of common query types ("A", "AAAA", ...), else "TYPE<n>" (RFC 3597).
std::string type_name(uint16_t qtype);

// One loop's ring. record() from one thread only; snapshot() from any thread.
class QueryRing {
 public:
  explicit QueryRing(size_t capacity);

  void record(const QueryRecord& r);
  // Appends every complete slot (at most capacity), in slot order (QueryLog::recent() sorts).
  void snapshot(std::vector<QueryRecord>* out) const;
  size_t capacity() const { return capacity_; }

 private:
  static constexpr size_t kMetaWords = 5;
  static constexpr size_t kNameWords = (kMaxNameBytes + 7) / 8;
  struct Slot {
    std::atomic<uint64_t> sequence{0};  // 0: never written; odd: being written
    std::atomic<uint64_t> words[kMetaWords + kNameWords];
  };
  size_t capacity_;
  std::unique_ptr<Slot[]> slots_;
  uint64_t next_ = 0;  // the writer's own index
};

// The rings of every loop. add_ring() when a loop's handler is made (off the data path);
// recent() from any thread.
class QueryLog {
 public:
  explicit QueryLog(size_t entries) : entries_(entries) {}

  size_t entries() const { return entries_; }
  // A ring owned by the log (it outlives the loops), for one loop.
  QueryRing* add_ring();
  // The newest `entries` records of all rings, oldest first.
  std::vector<QueryRecord> recent() const;

 private:
  size_t entries_;
  mutable std::mutex mu_;  // guards rings_ (the list), never a ring's slots
  std::vector<std::unique_ptr<QueryRing>> rings_;
};

}  // namespace labgate::dns
