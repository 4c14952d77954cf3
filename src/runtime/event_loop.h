// One event loop: one thread's epoll over its own UDP sockets, TCP listeners and connections.
//
// The runtime runs one loop per core, each with its own SO_REUSEPORT sockets, so loops share no
// socket, no buffer and no lock: the only shared state is what the service's handlers share.
//
// UDP: datagrams are read and answered in batches (recvmmsg/sendmmsg); a datagram larger than
// the receive buffer is dropped. TCP (RFC 7766): messages framed by a 2-byte length, several per
// connection, answered in order. One client must not lock the others out (RFC 7766 section 6.2.3;
// Unbound's incoming-num-tcp and tcp-idle-timeout and dnsdist's per-client limits are the anchors):
//   - a connection idle for kTcpIdleSeconds is closed;
//   - a message must arrive whole within kTcpMessageSeconds of its first byte, or the connection
//     is closed (a client trickling a 65,535-byte message keeps no slot);
//   - a loop keeps at most kMaxTcpConnectionsPerClient per client address and kMaxTcpConnections
//     in all; a new connection beyond either bound evicts the idlest one (of that client, or of
//     the loop) that owes no reply, so a client holding many idle connections only ever displaces
//     its own. Only when every candidate owes a reply is the new connection closed at once.
//
// Deferred replies (see service.h): a UDP reply goes out with sendto() on the socket the query
// came in on; a TCP reply is framed onto its connection, in the order replies become ready (RFC
// 7766 allows out of order, the IDs tell replies apart). A connection with replies owed is not
// closed for idleness, nor when the client half-closes, until they are sent.
//
// The epoll core (sources, wake-up, the 1 s sweep timer, deferred frees) is runtime/reactor.h:
// closed connections and unwatched descriptors are freed after the round of events that closed
// them, so an event still queued for them in that round is skipped, never dereferenced.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "runtime/reactor.h"
#include "runtime/service.h"

namespace labgate::runtime {

class EventLoop : public LoopContext {
 public:
  static constexpr int kTcpIdleSeconds = 10;
  static constexpr int kTcpMessageSeconds = 5;
  static constexpr size_t kMaxTcpConnections = 1024;
  static constexpr size_t kMaxTcpConnectionsPerClient = 64;

  explicit EventLoop(std::unique_ptr<LoopHandler> handler);
  ~EventLoop() override;
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Takes ownership of a bound, non-blocking socket. Call before run().
  void add_udp_socket(int fd);
  void add_tcp_listener(int fd);

  // Serves until stop(); then closes every connection.
  void run();
  // Thread-safe, async-signal-safe: makes run() return soon.
  void stop();

  // LoopContext, for the handler (this loop's thread only).
  void reply(const ReplyPath& to, const uint8_t* message, size_t size) override;
  bool watch(int fd, uint32_t events, Callback callback) override;
  void modify(int fd, uint32_t events) override;
  void unwatch(int fd) override;

  uint64_t udp_answers() const { return udp_answers_.load(std::memory_order_relaxed); }
  uint64_t tcp_answers() const { return tcp_answers_.load(std::memory_order_relaxed); }
  // recvmmsg calls that returned datagrams: udp_answers / udp_batches is the mean batch size.
  uint64_t udp_batches() const { return udp_batches_.load(std::memory_order_relaxed); }
  // TCP connections closed to make room for another, and for a message that made no progress.
  uint64_t tcp_evicted() const { return tcp_evicted_.load(std::memory_order_relaxed); }
  uint64_t tcp_stalled() const { return tcp_stalled_.load(std::memory_order_relaxed); }

 private:
  struct Connection;
  struct UdpBatch;
  enum Kind : uint8_t { kUdp, kListener, kConnection, kHandler };
  struct Source : Reactor::Source {
    Source(Kind k = kConnection, int descriptor = -1, Connection* c = nullptr, Callback cb = {})
        : connection(c), callback(std::move(cb)) {
      fd = descriptor;
      kind = k;
    }
    Connection* connection = nullptr;  // for kConnection
    Callback callback;                 // for kHandler
  };

  void dispatch(Source& source, uint32_t events);
  void on_udp(int fd);
  void on_accept(int fd);
  void on_connection(Connection* c, uint32_t events);
  bool read_frames(Connection* c);  // false: close
  bool flush(Connection* c);        // false: close
  void close_connection(Connection* c);
  void close_idle_connections();
  // The connection that has waited longest without activity and owes no reply, among `client`'s
  // (or all, when null); nullptr if there is none.
  Connection* idlest(const IpAddress* client) const;
  void append_frame(Connection* c, const uint8_t* message, size_t size);

  // First, so that it goes last: the handler unwatches its descriptors as it is destroyed.
  Reactor reactor_;
  std::unique_ptr<LoopHandler> handler_;
  std::unique_ptr<UdpBatch> udp_;                 // made by the first add_udp_socket
  std::vector<std::unique_ptr<Source>> sources_;  // UDP sockets and TCP listeners
  std::unordered_map<Connection*, std::unique_ptr<Connection>> connections_;
  std::unordered_map<uint64_t, Connection*> connection_ids_;
  std::unordered_map<IpAddress, uint32_t> connections_per_client_;  // by address
  uint64_t next_connection_id_ = 1;
  std::unordered_map<int, std::unique_ptr<Source>> handler_sources_;  // by fd
  std::vector<uint8_t> tcp_reply_;                                    // scratch for one TCP reply
  std::atomic<uint64_t> udp_answers_{0};
  std::atomic<uint64_t> tcp_answers_{0};
  std::atomic<uint64_t> udp_batches_{0};
  std::atomic<uint64_t> tcp_evicted_{0};
  std::atomic<uint64_t> tcp_stalled_{0};
};

}  // namespace labgate::runtime
