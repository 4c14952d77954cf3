// The caching forwarder's upstream side: one per event loop, no locks.
//
// For a question the cache cannot answer, the forwarder asks the configured upstreams in order:
//   - each try is a fresh connected UDP socket (a kernel-chosen ephemeral port: random source
//     port per query) and a random 16-bit ID from getrandom(2), RD set, EDNS0 with UDP size 1232;
//   - a datagram is believed only if it comes from that upstream (the socket is connected, and
//     the source is checked again), has the ID, and asks the same question (name
//     case-insensitive, type, class); anything else is ignored and the try keeps waiting;
//   - a truncated reply (TC) is asked again over TCP of the same upstream;
//   - a try that times out (try_timeout), is refused (ICMP), or gets SERVFAIL/REFUSED/... moves
//     on to the next upstream;
//   - identical questions in flight are coalesced: clients that ask while a query is out wait on
//     it (up to max_waiters each), and all get the one reply.
// A reply goes into the Cache (Cache::insert) and to every waiting client through
// write_reply(), which gives each its own ID, RD, question spelling and OPT (AA clear, RA set).
// When every upstream failed: the stale answer from the cache if there is one (RFC 8767, TTL 30),
// else SERVFAIL. Every client handed to forward() gets exactly one LoopContext::reply(), recorded
// in the loop's query log when there is one.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "dns/cache.h"
#include "dns/dns_stats.h"
#include "dns/message.h"
#include "dns/query_log.h"
#include "dns/upstream.h"
#include "net/ip_address.h"
#include "runtime/service.h"

namespace labgate::dns {

struct Upstream {
  IpAddress address;
  uint16_t port = 53;
  bool operator==(const Upstream&) const = default;
};

// Who may recurse and through which upstreams; built from the topology, replaced on reload.
struct ForwardingConfig {
  std::vector<Upstream> upstreams;  // tried in order
  // Clients whose source address is in one of these may recurse; loopback clients always may.
  std::vector<IpPrefix> recursion;

  bool enabled() const { return !upstreams.empty(); }
  bool allowed(IpAddress client) const;
};

struct ForwarderOptions {
  std::chrono::milliseconds try_timeout{1500};  // per upstream and transport
  size_t max_in_flight = 256;                   // upstream queries of one loop at once
  size_t max_waiters = 64;                      // clients waiting on one upstream query
};

class Forwarder {
 public:
  using Clock = std::chrono::steady_clock;

  // `stats` (the loop's, may be null) counts the replies it sends, upstream latency and failures.
  Forwarder(runtime::LoopContext* loop, Cache* cache, ForwarderOptions options,
            DnsLoopStats* stats = nullptr);
  ~Forwarder();  // closes every upstream socket; waiting clients get no reply
  Forwarder(const Forwarder&) = delete;
  Forwarder& operator=(const Forwarder&) = delete;

  // Takes a client's query (`query` parsed from `bytes`) for later: the reply, at most `limit`
  // bytes, goes to `to`. Returns false, without keeping anything, when the loop already has
  // max_in_flight upstream queries or this question max_waiters clients: the caller answers.
  // Records the upstream gives for names `local` answers itself are removed from the reply
  // (prepare_reply), so an upstream cannot speak for the local zone.
  bool forward(std::shared_ptr<const ForwardingConfig> config, const Query& query,
               const uint8_t* bytes, size_t size, const runtime::ReplyPath& to, size_t limit,
               std::shared_ptr<const Authority> local = nullptr);

  // The plan changed (the loop cleared its cache): replies to the queries out now are still
  // relayed to their clients, and to clients that join them, but not cached, since they were
  // asked and stripped under the old plan.
  void uncache_pending();

  // Expires tries; returns the milliseconds until the next deadline, or -1 if nothing is out.
  int tick(Clock::time_point now);
  // Closes everything without replying (the loop is stopping).
  void shutdown();

  size_t in_flight() const { return pending_.size(); }
  // Records every reply it sends into `ring` (the loop's query log; null: none).
  void set_query_log(QueryRing* ring) { log_ = ring; }

  struct Stats {
    uint64_t queries = 0;    // tries sent upstream (UDP and TCP)
    uint64_t coalesced = 0;  // clients that joined a query already out
    uint64_t ignored = 0;    // datagrams that were not a reply to our query
    uint64_t timeouts = 0, tcp_retries = 0, stale = 0, servfail = 0;
  };
  const Stats& stats() const { return stats_; }

 private:
  struct Waiter {
    runtime::ReplyPath to;
    std::vector<uint8_t> query;  // the client's bytes: its ID, spelling and EDNS
    size_t limit = 0;
    Clock::time_point asked{};  // with a query log: when the client asked
  };
  struct Pending {
    UpstreamQuestion question;
    std::shared_ptr<const ForwardingConfig> config;
    std::shared_ptr<const Authority> local;  // its names are stripped from the reply
    std::vector<Waiter> waiters;
    bool cache = true;    // false: asked before a plan change, its reply is not cached
    size_t upstream = 0;  // index of the upstream being tried
    bool tcp = false;
    int fd = -1;
    uint16_t id = 0;
    Clock::time_point deadline;
    Clock::time_point sent;  // when the current try started (upstream latency)
    // TCP: the framed query and how much of it is sent; the reply read so far.
    std::vector<uint8_t> tcp_out;
    size_t tcp_sent = 0;
    std::vector<uint8_t> tcp_in;
  };

  // Opens and sends the current try, moving on past upstreams that cannot even be reached;
  // false when none is left. start_try then fails the query (its clients get stale/SERVFAIL).
  bool begin_try(Pending* p);
  void start_try(Pending* p);
  bool open_udp(Pending* p);
  bool open_tcp(Pending* p);
  void on_udp(Pending* p);
  void on_tcp(Pending* p, uint32_t events);
  void next_upstream(Pending* p);
  void close_try(Pending* p);
  void succeed(Pending* p, const uint8_t* reply, size_t size);
  void fail(Pending* p);
  void finish(Pending* p);
  // The query log's entry for the reply in scratch_ (n bytes) to `w`.
  void record(const Pending& p, const Waiter& w, const Query& q, size_t n, Answered how);
  uint16_t random_id();

  void count_reply(const Pending* p, const Waiter& w, size_t n);

  runtime::LoopContext* loop_;
  Cache* cache_;
  DnsLoopStats* dns_stats_ = nullptr;
  ForwarderOptions options_;
  std::unordered_map<UpstreamQuestion, std::unique_ptr<Pending>, UpstreamQuestionHash> pending_;
  std::vector<uint8_t> scratch_;  // one reply being read or written
  uint8_t random_[256];
  size_t random_used_ = sizeof random_;
  Stats stats_;
  QueryRing* log_ = nullptr;
};

}  // namespace labgate::dns
