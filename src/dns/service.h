// The DNS service as the runtime hosts it: answers from the current Authority for the local
// zone, and the caching forwarder for every other name; both replaced whole on reload.
//
// Reload without dropping a query: replace() publishes a new configuration (Authority and
// ForwardingConfig) with one atomic store; each event loop notices the new generation before its
// next batch and switches then. Queries already being answered finish on the configuration they
// started with, which stays alive (shared ownership) until the last loop lets go of it; a query
// out to an upstream keeps the upstream list it started with.
//
// Each loop's cache is kept across a reload only when the new configuration has the same local
// names (Authority::same_local_names) and the same upstreams in the same order; otherwise the loop
// clears it, on its own thread, when it switches (and the cache gauge drops to 0). A cached reply
// was shaped by both: asked of those upstreams, and stripped of the records of the names local
// then. Both directions matter: a name that stopped being local must stop being stripped, and
// one that became local, though its own question goes to the Authority first, may sit in the
// cached reply for another name (x.example.com CNAME argocd.cluster + its A record). Comparing
// rather than clearing on every reload keeps the cache, and serve-stale, across the SIGHUPs that
// change nothing DNS answers from upstream (a forward, a firewall rule). Replies to queries out at
// the switch still reach their clients, including those that join them after it, but are not
// cached (Forwarder::uncache_pending).
//
// Per query (in each loop, no locks):
//   1. UDP from outside 127.0.0.0/8 and from no network of the file (Authority::view_for): the
//      response-rate limit (rate_limit.h) may drop it or answer an empty TC reply.
//   2. The responder: a local name (or a malformed query) is answered at once, as before.
//   3. A name outside the zone: REFUSED (RA clear) when there are no upstreams or the client may
//      not recurse (ForwardingConfig::allowed); a fresh cache hit at once; otherwise the
//      Forwarder answers later (the loop's deferred reply), or, when too many queries are out,
//      stale from the cache or SERVFAIL at once.
//   4. With a query log: the answer is recorded in the loop's own ring (no lock); a deferred one
//      by the Forwarder when it replies.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "dns/authority.h"
#include "dns/dns_stats.h"
#include "dns/forwarder.h"
#include "dns/query_log.h"
#include "runtime/service.h"

namespace labgate::dns {

struct DnsServiceOptions {
  size_t cache_entries = 10000;   // per loop
  uint32_t rate_limit = 0;        // UDP answers per second per /24 (0: no limit), for sources
                                  // on no network of the file
  uint32_t rate_limit_burst = 0;  // 0: twice the rate
  ForwarderOptions forwarder;
  bool count = true;  // keep the per-loop counters of dns_stats.h (false: stats() stays zero)
  // The query log (query_log.h): each loop records every answer into its own ring. Null: off.
  std::shared_ptr<QueryLog> query_log;
};

class DnsService : public runtime::Service {
 public:
  explicit DnsService(std::shared_ptr<const Authority> initial,
                      std::shared_ptr<const ForwardingConfig> forwarding = nullptr,
                      DnsServiceOptions options = {});

  // Thread-safe. A null `forwarding` means no forwarding (every other name REFUSED).
  void replace(std::shared_ptr<const Authority> next,
               std::shared_ptr<const ForwardingConfig> forwarding = nullptr);
  std::shared_ptr<const Authority> current() const { return current_.load()->authority; }

  std::unique_ptr<runtime::LoopHandler> make_loop_handler() override;

  // Every loop's counters summed (dns_stats.h); thread-safe, for the metrics collector. Loops
  // that stopped keep their counts (the totals never go back).
  DnsStatsTotals stats() const;

 private:
  class Handler;
  struct Snapshot {
    std::shared_ptr<const Authority> authority;
    std::shared_ptr<const ForwardingConfig> forwarding;
  };

  DnsServiceOptions options_;
  std::atomic<std::shared_ptr<const Snapshot>> current_;
  std::atomic<uint64_t> generation_{1};
  mutable std::mutex stats_mu_;  // guards the list; the counters themselves are atomics
  std::vector<std::shared_ptr<DnsLoopStats>> loop_stats_;
};

}  // namespace labgate::dns
