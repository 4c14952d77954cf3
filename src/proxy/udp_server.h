// The UDP side of the userspace proxy as `labgate run` hosts it: N UDP relay loops on N threads,
// each with its own SO_REUSEPORT socket for every UDP forward (the kernel spreads clients across
// them by address and port, so a client stays on one loop and one session).
//
// Reload: like ProxyServer's (proxy_server.h), a forward is identified by its listen address. One
// whose address stays keeps its sockets (never closed or re-bound, so a client's session keeps
// flowing); if its settings changed, new sessions get the new ones and open sessions go on with
// those they started with. A forward that is gone has its sockets closed and its sessions ended
// at once: a UDP session has nothing to finish, and a datagram to a closed forward is refused by
// the kernel like one to any port nobody listens on. A new forward's sockets are opened on every
// loop before anything changes, so a reload either applies whole or not at all.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "proxy/forward_diff.h"
#include "proxy/udp_forward.h"
#include "proxy/udp_relay.h"
#include "runtime/loop_group.h"

namespace labgate::proxy {

// A reload ready to apply: the new forwards with the sockets of the added ones already open (owned
// here, closed if it is dropped without apply_reload()).
struct UdpReload {
  ForwardDiff diff;
  std::vector<UdpLoopUpdate> updates;  // one per loop, sockets of added forwards in `added`
  std::vector<std::shared_ptr<UdpForwardRuntime>> runtimes;
};

class UdpProxyServer {
 public:
  explicit UdpProxyServer(std::vector<UdpForward> forwards);
  ~UdpProxyServer();  // stops and joins

  // Creates the loops and opens every socket of every loop (so failures show before anything
  // runs). A listen port 0 gets one from the kernel, shared by the other loops. On failure
  // nothing is left open. With no forwards, the loops wait for a reload to bring some.
  Status bind(int threads);
  std::vector<UdpForward> forwards() const;  // ports resolved

  void start();
  void stop();  // thread-safe; returns after every loop stopped and its thread joined

  // After bind(), from one thread at a time. prepare_reload() opens the sockets of the added
  // forwards on every loop and changes nothing: it fails if one cannot be opened (then nothing
  // is left open). apply_reload() hands the change to the loops, which apply it right
  // after their current batch. Split so that `labgate run` can fail the TCP and UDP reloads
  // together; reload() does both.
  Result<UdpReload> prepare_reload(std::vector<UdpForward> next) const;
  ForwardDiff apply_reload(UdpReload reload);
  Result<ForwardDiff> reload(std::vector<UdpForward> next);

  const UdpForwardState& state(size_t i) const;
  // Each forward served now with its counters, read under the lock in one go (for metrics).
  std::vector<std::pair<std::string, std::shared_ptr<const UdpForwardState>>> counters() const;

 private:
  mutable std::mutex mu_;  // guards runtimes_ against forwards() and state() from other threads
  std::vector<std::shared_ptr<UdpForwardRuntime>> runtimes_;
  runtime::LoopGroup<UdpRelayLoop> loops_;
};

}  // namespace labgate::proxy
