// One relay loop: one thread's epoll over its own SO_REUSEPORT listeners (one per forward) and
// the connections they accepted. The proxy runs one loop per core; loops share nothing but the
// per-forward connection counters.
//
// A connection: accept the client; for an SNI forward, read the ClientHello (bounded in size and
// time) and pick the backend by name; non-blocking connect to the backend (bounded in time); write
// the PROXY header, if the forward asks for one, and the bytes already read; then relay both
// directions with splice() through one pipe per direction, so payload never enters user space.
// Half-close: when one side's read reaches EOF and its pipe is drained, the other side gets
// shutdown(SHUT_WR) and the other direction keeps flowing; the connection closes when both
// directions are done, on an error or reset of either side, or after the idle timeout.
//
// Overload: past a forward's max_connections, or when the process is out of file descriptors
// (EMFILE/ENFILE), a new connection is accepted and closed at once (the client sees a clean close,
// the listen queue does not fill up), and every other connection is served as before.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <unordered_set>
#include <vector>

#include "proxy/proxy_forward.h"

namespace labgate::proxy {

// Counters shared by all loops (relaxed atomics: for stats and the per-forward limit).
struct ForwardState {
  std::atomic<uint32_t> active{0};
  std::atomic<uint64_t> accepted{0};
  std::atomic<uint64_t> refused{0};  // over the limit or out of descriptors
  std::atomic<uint64_t> failed{0};   // backend connect failed or timed out, bad hello, no route
};

class RelayLoop {
 public:
  // `forwards` and `states` are indexed alike and outlive the loop.
  RelayLoop(const std::vector<ProxyForward>& forwards, std::vector<ForwardState>& states);
  ~RelayLoop();
  RelayLoop(const RelayLoop&) = delete;
  RelayLoop& operator=(const RelayLoop&) = delete;

  // Takes ownership of a listening, non-blocking socket for forwards[index]. Call before run().
  void add_listener(size_t index, int fd);
  void run();   // until stop()
  void stop();  // thread-safe

 private:
  struct Connection;
  enum class Kind : uint8_t { kWake, kListener, kClient, kBackend };
  struct Source {
    Kind kind;
    int fd;
    Connection* connection = nullptr;
    size_t forward = 0;  // for kListener
  };

  void on_accept(Source* listener);
  void on_client_hello(Connection* c);
  void start_connect(Connection* c, const Backend& to);
  void on_connected(Connection* c);
  void on_relay(Connection* c);
  bool flush_pending(Connection* c);  // false: error
  void update_interest(Connection* c);
  void close_connection(Connection* c, bool failed);
  void sweep_timeouts();

  const std::vector<ProxyForward>& forwards_;
  std::vector<ForwardState>& states_;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  int reserve_fd_ = -1;  // released to accept-and-close when out of descriptors
  std::vector<std::unique_ptr<Source>> sources_;
  std::unordered_set<Connection*> connections_;
  // Connections closed during the current batch of events. Their memory (which holds the Sources
  // that later events of the same batch point at) is freed only after the batch, so such events
  // can still be recognised as stale, and no new connection can reuse the address meanwhile.
  std::vector<Connection*> closed_;
  void free_closed();
};

}  // namespace labgate::proxy
