// One UDP relay loop: one thread's epoll over its own SO_REUSEPORT UDP socket per forward and the
// sessions of the clients that socket received from.
//
// A session is one client address:port of one forward, with its own UDP socket connected to the
// backend. Datagrams from the client go out on that socket (so the backend sees the gateway's
// address and a port of the session's own), and what the backend sends to it goes back to that
// client from the listening socket (so replies come from the address the client sent to). A session
// ends after the forward's idle timeout without a datagram either way. Past the forward's
// max_sessions (counted across all loops), a datagram from a new client is dropped and counted;
// established sessions go on. Datagrams are read in batches with recvmmsg(), and replies written
// back to clients in batches with sendmmsg().
//
// SO_REUSEPORT hashes a client's address and port to one of the loops' sockets, so a client keeps
// its session only while the set of sockets is stable (they are all opened before any loop runs
// and stay open until the proxy stops). PROXY protocol v2 over UDP is not sent.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "proxy/udp_forward.h"

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

class UdpRelayLoop {
 public:
  // `forwards` and `states` are indexed alike and outlive the loop.
  UdpRelayLoop(const std::vector<UdpForward>& forwards, std::vector<UdpForwardState>& states);
  ~UdpRelayLoop();
  UdpRelayLoop(const UdpRelayLoop&) = delete;
  UdpRelayLoop& operator=(const UdpRelayLoop&) = delete;

  // Takes ownership of a bound, non-blocking UDP socket for forwards[index]. Call before run().
  void add_listener(size_t index, int fd);
  void run();   // until stop()
  void stop();  // thread-safe

 private:
  struct Session;
  enum class Kind : uint8_t { kWake, kListener, kSession };
  struct Source {
    Kind kind;
    int fd;
    size_t forward = 0;
    Session* session = nullptr;  // for kSession
  };
  struct Batch;

  void on_client_datagrams(Source* listener);
  void on_backend_datagrams(Session* s);
  Session* open_session(size_t forward, int listener_fd, uint64_t key, const void* client_addr);
  void close_session(Session* s);
  void sweep_idle();

  const std::vector<UdpForward>& forwards_;
  std::vector<UdpForwardState>& states_;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  std::vector<std::unique_ptr<Source>> listeners_;  // and the wake source, first
  // Key: forward index, client address and port (see session_key in the .cc).
  std::unordered_map<uint64_t, std::unique_ptr<Session>> sessions_;
  std::unique_ptr<Batch> batch_;  // recvmmsg/sendmmsg buffers, reused by every event
};

}  // namespace labgate::proxy
