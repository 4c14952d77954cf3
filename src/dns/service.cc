#include "dns/service.h"

#include <algorithm>

#include "dns/rate_limit.h"
#include "dns/responder.h"
#include "dns/upstream.h"

namespace labgate::dns {
namespace {

// The largest reply this client takes: TCP 65,535; UDP 512 without EDNS, else its EDNS size
// capped at what labgate advertises (as the responder does for local answers).
size_t reply_limit(const Query& q, runtime::Transport transport, size_t capacity) {
  size_t limit = kMaxMessageBytes;
  if (transport == runtime::Transport::kUdp)
    limit = q.edns.present ? std::clamp<size_t>(q.edns.udp_size, kMaxUdpWithoutEdns, kEdnsUdpSize)
                           : kMaxUdpWithoutEdns;
  return std::min(limit, capacity);
}

}  // namespace

class DnsService::Handler : public runtime::LoopHandler {
 public:
  Handler(const DnsService& service, std::shared_ptr<DnsLoopStats> stats)
      : service_(service),
        stats_(std::move(stats)),
        cache_(service.options_.cache_entries),
        limiter_(service.options_.rate_limit, service.options_.rate_limit_burst
                                                  ? service.options_.rate_limit_burst
                                                  : 2 * service.options_.rate_limit),
        ring_(service.options_.query_log ? service.options_.query_log->add_ring() : nullptr) {
    cache_.report_to(stats_.get());
    refresh();
  }
  // The counters outlive the loop's handler (the totals never go back), but its cache goes with
  // it: its gauges say so.
  ~Handler() override {
    if (stats_) {
      stats_->set_cache_entries(0);
      stats_->set_cache_capacity(0);
    }
  }

  void attach(runtime::LoopContext* loop) override {
    forwarder_ =
        std::make_unique<Forwarder>(loop, &cache_, service_.options_.forwarder, stats_.get());
    forwarder_->set_query_log(ring_);
  }

  void refresh() override {
    // One relaxed-cost load per batch; the shared_ptr is copied only when a reload happened.
    // The clock is read once per batch too: cache ages and rate limits need no finer time.
    now_ = Cache::Clock::now();
    uint64_t g = service_.generation_.load(std::memory_order_acquire);
    if (g == generation_) return;
    std::shared_ptr<const Snapshot> next = service_.current_.load();
    if (snapshot_ && !same_cached_answers(*snapshot_, *next)) {
      cache_.clear();  // publishes the size: the gauge drops with it
      if (forwarder_) forwarder_->uncache_pending();
    }
    snapshot_ = std::move(next);
    forwarding_ = snapshot_->forwarding && snapshot_->forwarding->enabled()
                      ? snapshot_->forwarding.get()
                      : nullptr;
    generation_ = g;
  }

  size_t handle(const uint8_t* message, size_t size, const runtime::ReplyPath& from, uint8_t* out,
                size_t out_capacity) override {
    if (from.transport == runtime::Transport::kUdp && limiter_.enabled() &&
        !from.client.is_loopback() && !unlimited(from.client)) {
      switch (limiter_.check(from.client, now_)) {
        case RateLimiter::Verdict::kAnswer:
          break;
        case RateLimiter::Verdict::kDrop:
          if (stats_) stats_->count_rate_limited();
          return 0;
        case RateLimiter::Verdict::kSlip:
          return slip(message, size, out, out_capacity);
      }
    }
    if (!ring_) {
      size_t n = answer(message, size, from, out, out_capacity, nullptr);
      // Counted here, once per reply sent now (deferred ones when the forwarder sends them).
      if (stats_ && n != 0 && n != runtime::LoopHandler::kDeferred)
        stats_->count_response(snapshot_->authority->view_for(from.client), out, n);
      return n;
    }
    const auto asked = std::chrono::steady_clock::now();
    Answered how = Answered::kLocal;
    size_t n = answer(message, size, from, out, out_capacity, &how);
    if (n != 0 && n != runtime::LoopHandler::kDeferred) {
      if (stats_) stats_->count_response(snapshot_->authority->view_for(from.client), out, n);
      record(message, size, from, out, n, how, asked);
    }
    return n;
  }

  int tick(runtime::LoopContext::Clock::time_point now) override {
    return forwarder_ ? forwarder_->tick(now) : -1;
  }

  void shutdown() override {
    if (forwarder_) forwarder_->shutdown();
  }

 private:
  // The reply to `message` (0: none, kDeferred: the forwarder replies later); *how, when given,
  // says where it came from, for the query log.
  size_t answer(const uint8_t* message, size_t size, const runtime::ReplyPath& from, uint8_t* out,
                size_t out_capacity, Answered* how) {
    const Transport transport =
        from.transport == runtime::Transport::kTcp ? Transport::kTcp : Transport::kUdp;
    if (!forwarding_)
      return respond(*snapshot_->authority, message, size, from.client, transport, out,
                     out_capacity);
    size_t n = respond(*snapshot_->authority, message, size, from.client, transport, out,
                       out_capacity, &query_);
    if (n != kNotLocal) return n;
    Answered ignored;
    return forward(message, size, from, out, out_capacity, how ? how : &ignored);
  }

  size_t forward(const uint8_t* message, size_t size, const runtime::ReplyPath& from, uint8_t* out,
                 size_t capacity, Answered* how) {
    const Query& q = query_;
    if (!forwarding_->allowed(from.client))
      return write_short_reply(q, message, rcode::kRefused, 0, out, capacity);
    const size_t limit = reply_limit(q, from.transport, capacity);
    size_t n = 0;
    *how = Answered::kCached;
    if (cache_.lookup(q, message, now_, false, out, limit, &n) == Cache::Hit::kFresh) {
      if (stats_) stats_->count_cache_hit();
      return n;
    }
    if (stats_) stats_->count_cache_miss();
    if (forwarder_ && forwarder_->forward(snapshot_->forwarding, q, message, size, from, limit,
                                          snapshot_->authority))
      return runtime::LoopHandler::kDeferred;
    // Too much in flight, or no upstream reachable at all: stale if there is, else SERVFAIL.
    *how = Answered::kStale;
    if (cache_.lookup(q, message, now_, true, out, limit, &n) != Cache::Hit::kMiss) {
      if (stats_) stats_->count_stale();
      return n;
    }
    *how = Answered::kFailed;
    return write_short_reply(q, message, rcode::kServFail, flag::kRa, out, capacity);
  }

  // The query log's entry for an answer sent now. Parses the question again: the log is opt-in,
  // and the path without it stays as it was. A message with no readable question is not logged.
  void record(const uint8_t* message, size_t size, const runtime::ReplyPath& from,
              const uint8_t* reply, size_t n, Answered how,
              std::chrono::steady_clock::time_point asked) {
    Query q;
    if (parse_query(message, size, &q) != ParseStatus::kOk || n < kHeaderBytes) return;
    QueryRecord r;
    const auto latency = std::chrono::steady_clock::now() - asked;
    r.time_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                    std::chrono::system_clock::now().time_since_epoch() - latency)
                    .count();
    r.client = from.client;
    r.name = q.qname;
    r.qtype = q.qtype;
    r.view = snapshot_->authority->view_for(from.client);
    r.rcode = reply[3] & 0xF;
    r.how = how;
    r.latency_us = static_cast<uint32_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(latency).count());
    ring_->record(r);
  }

  // Whether a reply cached under `before` is still what `after` would cache: the same local names
  // (what prepare_reply strips) and the same upstreams, in order (who is asked). Nothing else
  // shapes a cached reply: the recursion networks are checked before the cache is.
  static bool same_cached_answers(const Snapshot& before, const Snapshot& after) {
    static const std::vector<Upstream> kNone;
    const auto& up_before = before.forwarding ? before.forwarding->upstreams : kNone;
    const auto& up_after = after.forwarding ? after.forwarding->upstreams : kNone;
    return up_before == up_after && before.authority->same_local_names(*after.authority);
  }

  // Clients on the file's own networks are served at full speed: the Authority knows them (a
  // prefix test per network, no lock); the limit is for sources the file does not know.
  bool unlimited(IpAddress client) const { return snapshot_->authority->view_for(client) >= 0; }

  // The rate limiter's "slip": an empty TC reply, so a real client retries over TCP.
  size_t slip(const uint8_t* message, size_t size, uint8_t* out, size_t capacity) {
    Query q;
    if (parse_query(message, size, &q) != ParseStatus::kOk || q.header.qr()) return 0;
    return write_short_reply(q, message, rcode::kNoError, flag::kTc, out, capacity);
  }

  const DnsService& service_;
  std::shared_ptr<DnsLoopStats> stats_;  // this loop's (null: not counting); read for the metrics
  uint64_t generation_ = 0;
  std::shared_ptr<const Snapshot> snapshot_;
  const ForwardingConfig* forwarding_ = nullptr;  // null: no forwarding (owned by snapshot_)
  Cache cache_;
  RateLimiter limiter_;
  std::unique_ptr<Forwarder> forwarder_;  // once attached to a loop
  Cache::Clock::time_point now_;
  Query query_;      // the query respond() left to the forwarder
  QueryRing* ring_;  // this loop's ring of the query log; null when it is off
};

DnsService::DnsService(std::shared_ptr<const Authority> initial,
                       std::shared_ptr<const ForwardingConfig> forwarding,
                       DnsServiceOptions options)
    : options_(options),
      current_(
          std::make_shared<const Snapshot>(Snapshot{std::move(initial), std::move(forwarding)})) {}

void DnsService::replace(std::shared_ptr<const Authority> next,
                         std::shared_ptr<const ForwardingConfig> forwarding) {
  current_.store(
      std::make_shared<const Snapshot>(Snapshot{std::move(next), std::move(forwarding)}));
  generation_.fetch_add(1, std::memory_order_release);
}

std::unique_ptr<runtime::LoopHandler> DnsService::make_loop_handler() {
  if (!options_.count) return std::make_unique<Handler>(*this, nullptr);
  auto stats = std::make_shared<DnsLoopStats>();
  {
    std::lock_guard lock(stats_mu_);
    loop_stats_.push_back(stats);
  }
  return std::make_unique<Handler>(*this, std::move(stats));
}

DnsStatsTotals DnsService::stats() const {
  DnsStatsTotals totals;
  std::lock_guard lock(stats_mu_);
  for (const auto& loop : loop_stats_) totals.add(*loop);
  return totals;
}

}  // namespace labgate::dns
