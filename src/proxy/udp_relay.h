// One UDP relay loop: one thread's epoll over its own SO_REUSEPORT UDP socket per forward and the
// sessions of the clients that socket received from.
//
// A session is one client address:port of one forward, with its own UDP socket connected to the
// backend. Datagrams from the client go out on that socket (so the backend sees the gateway's
// address and a port of the session's own), and what the backend sends to it goes back to that
// client from the listening socket (so replies come from the address the client sent to). A session
// ends after its idle timeout without a datagram either way. Past the forward's max_sessions
// (counted across all loops), a datagram from a new client is dropped and counted; established
// sessions go on. Datagrams are read in batches with recvmmsg(), and replies written back to
// clients in batches with sendmmsg().
//
// SO_REUSEPORT hashes a client's address and port to one of the loops' sockets, so a client keeps
// its session only while the set of sockets is stable: a reload never closes or re-binds the
// sockets of a forward that stays. PROXY protocol v2 over UDP is not sent.
//
// The epoll core (wake-up, posted reloads, the 100 ms idle sweep) is runtime/reactor.h.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <utility>
#include <vector>

#include "net/socket_address.h"
#include "proxy/udp_forward.h"
#include "runtime/reactor.h"

namespace labgate::proxy {

// Counters shared by all loops (relaxed atomics), for stats and the per-forward session bound.
struct UdpForwardState {
  std::atomic<uint32_t> sessions{0};        // open now
  std::atomic<uint64_t> opened{0};          // sessions ever opened
  std::atomic<uint64_t> expired{0};         // sessions closed by the idle timeout
  std::atomic<uint64_t> dropped{0};         // datagrams of new clients refused (limit, no socket)
  std::atomic<uint64_t> datagrams_up{0};    // client -> backend, sent
  std::atomic<uint64_t> datagrams_down{0};  // backend -> client, sent
};

// A UDP forward as the loops serve it: settings fixed for its lifetime, and the counters it shares
// across loops. A reload that changes a forward makes a new one with the same `state`; sessions
// keep the one they were opened with (backend, idle timeout).
struct UdpForwardRuntime {
  UdpForward config;
  std::shared_ptr<UdpForwardState> state = std::make_shared<UdpForwardState>();
};

// What a reload changes in one loop (see UdpProxyServer::reload). Owns the sockets of `added`
// until a loop takes them; closes them if it is destroyed first.
struct UdpLoopUpdate {
  UdpLoopUpdate() = default;
  UdpLoopUpdate(UdpLoopUpdate&&) = default;
  UdpLoopUpdate& operator=(UdpLoopUpdate&&) = default;
  ~UdpLoopUpdate();

  // Sockets kept: the same socket now opens new sessions with the new runtime.
  std::vector<std::pair<const UdpForwardRuntime*, std::shared_ptr<const UdpForwardRuntime>>>
      replaced;
  // New sockets (fd -1 once taken).
  std::vector<std::pair<std::shared_ptr<const UdpForwardRuntime>, int>> added;
  // Sockets closed, and their sessions with them, at once.
  std::vector<const UdpForwardRuntime*> removed;
};

class UdpRelayLoop {
 public:
  UdpRelayLoop();
  ~UdpRelayLoop();
  UdpRelayLoop(const UdpRelayLoop&) = delete;
  UdpRelayLoop& operator=(const UdpRelayLoop&) = delete;

  // Takes ownership of a bound, non-blocking UDP socket for `forward`. Call before run().
  void add_listener(std::shared_ptr<const UdpForwardRuntime> forward, int fd);
  void run();   // until stop()
  void stop();  // thread-safe
  // Thread-safe: applied by the loop's thread after its current batch of events, in order.
  void post(UdpLoopUpdate update);

 private:
  struct Session;
  struct Listener;
  enum Kind : uint8_t { kListener, kSession };
  struct Source : runtime::Reactor::Source {
    Listener* listener = nullptr;  // for kListener
    Session* session = nullptr;    // for kSession
  };
  struct Batch;

  void on_client_datagrams(Listener* l);
  void on_backend_datagrams(Session* s);
  Session* open_session(Listener* l, uint64_t key, const SocketAddress& client,
                        socklen_t client_length);
  void close_session(Session* s);
  void close_listener(Listener* l);
  void sweep_idle();
  void apply(UdpLoopUpdate& update);

  runtime::Reactor reactor_;
  // Each with its sessions, keyed by client address and port.
  std::vector<std::unique_ptr<Listener>> listeners_;
  std::unique_ptr<Batch> batch_;  // recvmmsg/sendmmsg buffers, reused by every event
};

}  // namespace labgate::proxy
