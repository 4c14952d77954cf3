// One relay loop: one thread's epoll over its own SO_REUSEPORT listeners (one per forward) and
// the connections they accepted. The proxy runs one loop per core; loops share nothing but the
// per-forward counters and backend states (atomics).
//
// A connection: accept the client; on an accept_proxy listener, close it unless its source is
// trusted, then read its PROXY header (bounded in size and time) and take the client address from
// it; for an SNI forward, read the ClientHello (bounded in size and time) and pick the route by
// name; pick a backend of the pool (backend_pool.h); non-blocking connect to it (bounded in
// time) — if that fails, mark the backend down (when the forward is health-checked) and try the
// next one not yet tried, so a dead backend costs the client nothing while another is there;
// write the PROXY header, if the forward asks for one, and the bytes already read; then relay both
// directions. Each direction starts by copying through the loop's 16 KiB scratch buffer, so a short
// exchange (a request and its reply) costs no pipe; a read that fills the buffer (a bulk transfer)
// or a write the receiver cannot take whole gives the direction a pipe, and from then on it moves
// by splice(), so bulk payload never enters user space.
// Half-close: when one side's read reaches EOF and its direction has nothing left to write, the
// other side gets shutdown(SHUT_WR) and the other direction keeps flowing; the connection closes
// when both directions are done (without a shutdown when both ended in the same batch of events),
// on an error or reset of either side, or after the idle timeout.
//
// Overload: past a forward's max_connections, or when the process is out of file descriptors
// (EMFILE/ENFILE), a new connection is accepted and closed at once (the client sees a clean close,
// the listen queue does not fill up), and every other connection is served as before.
//
// The epoll core (wake-up, reloads as posted tasks, the 250 ms sweep, connections freed after the
// batch of events that closed them) is runtime/reactor.h.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "proxy/backend_pool.h"
#include "proxy/proxy_forward.h"
#include "runtime/reactor.h"

namespace labgate::proxy {

// Counters shared by all loops (relaxed atomics: for stats and the per-forward limit).
struct ForwardState {
  std::atomic<uint32_t> active{0};
  std::atomic<uint64_t> accepted{0};
  std::atomic<uint64_t> refused{0};   // over the limit or out of descriptors
  std::atomic<uint64_t> failed{0};    // no backend reached, bad hello or PROXY header, no route
  std::atomic<uint64_t> bytes_up{0};  // relayed client -> backend (after each batch, and at close)
  std::atomic<uint64_t> bytes_down{0};  // relayed backend -> client
};

// A forward as the loops serve it: settings fixed for its lifetime, and the state it shares
// across loops. A reload that changes a forward makes a new one (keeping `counters` and the state
// of backends that stay); connections keep the one they were accepted with.
struct ForwardRuntime {
  ProxyForward config;
  std::shared_ptr<ForwardState> counters = std::make_shared<ForwardState>();
  BackendStates backends;                // alike config.backends
  std::atomic<uint64_t> next_ticket{0};  // round-robin position, shared by the loops

  bool health_checked() const { return config.health_interval_ms > 0; }
};

// What a reload changes in one loop (see ProxyServer::reload).
struct LoopUpdate {
  // Listeners kept: the same socket now serves the new runtime.
  std::vector<std::pair<const ForwardRuntime*, std::shared_ptr<ForwardRuntime>>> replaced;
  // New listeners, sockets owned by the update until applied.
  std::vector<std::pair<std::shared_ptr<ForwardRuntime>, int>> added;
  // Listeners closed; their connections are closed after drain_ms.
  std::vector<const ForwardRuntime*> removed;
  uint32_t drain_ms = 30000;
};

class RelayLoop {
 public:
  RelayLoop();
  ~RelayLoop();
  RelayLoop(const RelayLoop&) = delete;
  RelayLoop& operator=(const RelayLoop&) = delete;

  // Takes ownership of a listening, non-blocking socket for `forward`. Call before run().
  void add_listener(std::shared_ptr<ForwardRuntime> forward, int fd);
  void run();   // until stop()
  void stop();  // thread-safe
  // Thread-safe: applied by the loop's thread after its current batch of events, in order.
  void post(LoopUpdate update);

 private:
  struct Connection;
  enum Kind : uint8_t { kListener, kClient, kBackend };
  struct Source : runtime::Reactor::Source {
    Source(Kind k, int descriptor, Connection* c = nullptr,
           std::shared_ptr<ForwardRuntime> f = nullptr)
        : connection(c), forward(std::move(f)) {
      fd = descriptor;
      kind = k;
    }
    Connection* connection = nullptr;
    std::shared_ptr<ForwardRuntime> forward = nullptr;  // for kListener
  };

  void dispatch(Source& s, uint32_t events);
  void on_accept(Source* listener);
  void on_client_input(Connection* c);
  bool on_proxy_header(Connection* c);  // false: closed
  void on_hello_done(Connection* c);
  void connect_backend(Connection* c);
  void on_connect_failed(Connection* c);
  void on_connected(Connection* c, uint32_t events);
  void start_relay(Connection* c);
  void apply(LoopUpdate& update);
  void on_relay(Connection* c);
  // The backend failed (reset, or a write to it failed): deliver what it sent before, then close.
  void salvage(Connection* c);
  bool flush_pending(Connection* c);  // false: error
  void update_interest(Connection* c);
  void touch(Connection* c);  // settle it after the batch (see settle_touched)
  void settle_touched();
  void close_connection(Connection* c, bool failed);
  void report_bytes(Connection* c);
  void sweep_timeouts();
  bool stuck_after_client_eof(Connection* c, std::chrono::steady_clock::time_point now);

  // First, so that it goes last. A closed connection is handed to its defer_delete(): its memory
  // (which holds the Sources that later events of the same batch point at) is freed only after
  // the batch, so such events are skipped, and no new connection can reuse the address meanwhile.
  runtime::Reactor reactor_;
  int reserve_fd_ = -1;  // released to accept-and-close when out of descriptors
  std::vector<std::unique_ptr<Source>> listeners_;
  std::unordered_set<Connection*> connections_;
  std::vector<Connection*> touched_;  // relayed in this batch: see settle_touched()
  std::unique_ptr<char[]> scratch_;   // the copying directions' buffer (see Direction, .cc)
};

}  // namespace labgate::proxy
