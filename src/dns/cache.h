// The forwarder's answer cache: upstream replies kept for their TTL (RFC 1035, RFC 2181 5.2),
// negative replies for the SOA's negative TTL (RFC 2308 section 5), and served stale when every
// upstream is down (RFC 8767).
//
// A reply is stored as a StoredReply: the upstream's bytes without its OPT record, with the
// offsets of every TTL field, so serving it is a copy and a few patches: the client's ID, RD and
// question spelling, TTLs decreased by the entry's age (or kStaleTtl for a stale answer), and OPT
// added back if the client used EDNS. The forwarder uses the same two steps (prepare_reply,
// write_reply) to relay a reply it does not cache. Not cached: TC replies, rcodes other than
// NOERROR/NXDOMAIN, negative replies without an SOA (RFC 2308 says so), zero TTLs.
//
// Every stored reply is a forwarded one, so AA is cleared and RA set when it is prepared: labgate
// is not authoritative for it, and it offers recursion to whoever gets it.
//
// Not thread-safe: each event loop owns one cache (no locks on the hot path; a name is cached
// once per loop that forwards it). Its size is published for the metrics through the loop's
// DnsLoopStats (report_to): one relaxed store where an entry is added or removed, none on a hit.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <unordered_map>
#include <vector>

#include "dns/dns_stats.h"
#include "dns/message.h"
#include "dns/name.h"

namespace labgate::dns {

// An upstream reply ready to be replayed to clients.
struct StoredReply {
  std::vector<uint8_t> bytes;    // the reply without OPT, AA clear, RA set
  std::vector<uint16_t> ttl_at;  // offsets of every TTL field in `bytes`
  std::vector<uint32_t> ttls;    // their values when stored (capped at kMaxTtl)
  size_t question_end = 0;       // the question is [kHeaderBytes, question_end)
  uint8_t rcode = 0;
  // Seconds the reply may be cached: 0 when it must not be (see the file comment).
  uint32_t lifetime = 0;
};

class Authority;

// Prepares `reply`, an upstream's answer already matched to a query for (qname, qtype): false if
// it does not parse, its question is another, its OPT is not the last record, or a name in it
// points into the header (patching the header for a client would change that name).
//
// With `local`, every record whose owner is a name `local` answers itself (Authority::is_local)
// is removed, from every section: records for local names never come from upstream (a CNAME from
// outside to `argocd.cluster` stays, the upstream's `argocd.cluster A` does not). The chain is not
// completed from the zone: the client asks for the target, and gets its own view's answer. The
// reply is then rewritten with names uncompressed (a rare path: only when something is removed).
bool prepare_reply(const Name& qname, uint16_t qtype, const uint8_t* reply, size_t size,
                   StoredReply* out, const Authority* local = nullptr);

// Writes `stored` as the reply to `query` (ID, RD, the question's spelling, OPT for an EDNS
// client), with TTLs aged by `age` seconds, or all kStaleTtl when `stale`. A reply longer than
// `limit` becomes header + question with TC. Returns the size, or 0 if not even that fits.
size_t write_reply(const StoredReply& stored, const Query& query, const uint8_t* query_bytes,
                   uint64_t age, bool stale, uint8_t* out, size_t limit);

class Cache {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr uint32_t kStaleTtl = 30;   // RFC 8767 section 4: the TTL of a stale answer
  static constexpr uint32_t kMaxTtl = 86400;  // cap on what upstreams ask for
  static constexpr uint32_t kMaxStaleSeconds =
      86400;  // how long past expiry an entry may be served

  explicit Cache(size_t max_entries) : max_entries_(max_entries) {}

  // Stores `reply`, an upstream's answer to (qname, qtype) that the caller already matched to its
  // query (ID and question). Returns whether it was cached.
  bool insert(const Name& qname, uint16_t qtype, const uint8_t* reply, size_t size,
              Clock::time_point now);
  // The same for a reply already prepared (the forwarder prepares once, caches and relays).
  bool insert(const Name& qname, uint16_t qtype, const StoredReply& reply, Clock::time_point now);

  enum class Hit : uint8_t { kMiss, kFresh, kStale };

  // A fresh entry for `query` (kFresh), or with allow_stale an expired one kept for at most
  // kMaxStaleSeconds (kStale). On a hit writes the reply for this query into `out` (at most
  // `limit` bytes; a reply that does not fit becomes header + question with TC) and sets *size.
  Hit lookup(const Query& query, const uint8_t* query_bytes, Clock::time_point now,
             bool allow_stale, uint8_t* out, size_t limit, size_t* size);

  size_t size() const { return entries_.size(); }
  size_t capacity() const { return max_entries_; }
  void clear() {
    entries_.clear();
    lru_.clear();
    publish_size();
  }
  // Publishes the size and capacity to `stats` from now on (null: to nothing), for the
  // labgate_dns_cache_entries gauge, read from another thread at scrape time.
  void report_to(DnsLoopStats* stats) {
    stats_ = stats;
    if (stats_) stats_->set_cache_capacity(max_entries_);
    publish_size();
  }

 private:
  struct Key {
    Name qname;
    uint16_t qtype;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    size_t operator()(const Key& k) const { return NameHash{}(k.qname) * 31 + k.qtype; }
  };
  // The LRU list holds pointers to the map's own keys (an unordered_map's elements keep their
  // address across rehashing), not a second copy of each ~260-byte key.
  using LruList = std::list<const Key*>;
  struct Entry {
    StoredReply reply;
    Clock::time_point stored;
    LruList::iterator lru;
  };

  void evict_one();
  void publish_size() {
    if (stats_) stats_->set_cache_entries(entries_.size());
  }

  size_t max_entries_;
  DnsLoopStats* stats_ = nullptr;  // where the size is published (the loop's counters), or none
  std::unordered_map<Key, Entry, KeyHash> entries_;
  LruList lru_;  // front: most recently used
};

}  // namespace labgate::dns
