// What the runtime hosts: services that answer messages on UDP and on length-framed TCP.
//
// The runtime owns sockets, threads and the event loops; a service owns only the answering. Each
// event loop gets its own LoopHandler, used by that loop's thread alone, so handlers need no
// locks; what they share (e.g. the current answers) is the service's business.
//
// A handler answers a message now (the common case: no allocation, no extra syscall), drops it,
// or defers it: it keeps the message's ReplyPath and sends the reply later through the loop's
// LoopContext, e.g. when an upstream server has answered. To wait for that, a handler registers
// its own file descriptors with the loop and is ticked while it has timers pending.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>

#include "net/ip_address.h"

namespace labgate::runtime {

enum class Transport : uint8_t { kUdp, kTcp };

// Who sent a message and how to reach them again. Small and copyable: a handler that defers a
// message keeps a copy. Valid for the life of the loop; a reply to a TCP connection that has
// closed meanwhile is discarded.
struct ReplyPath {
  Transport transport = Transport::kUdp;
  IpAddress client;
  uint16_t port = 0;        // UDP: the client's port (host order)
  int udp_fd = -1;          // UDP: the socket the message came in on
  uint64_t connection = 0;  // TCP: the connection's id within its loop
};

// What a loop offers its handler. Every call must come from the loop's own thread.
class LoopContext {
 public:
  using Clock = std::chrono::steady_clock;
  // Called with the epoll events (EPOLLIN, EPOLLOUT, EPOLLERR, ...) that woke the descriptor.
  using Callback = std::function<void(uint32_t events)>;

  virtual ~LoopContext() = default;

  // Sends the reply to a deferred message. Each deferred message must get exactly one reply()
  // call; `size` 0 means "no reply after all" (it still releases a TCP connection, which stays
  // open while replies are owed).
  virtual void reply(const ReplyPath& to, const uint8_t* message, size_t size) = 0;

  // Watches a descriptor the handler owns (the loop never closes it). unwatch() must come before
  // the handler closes it; a callback may unwatch any descriptor, its own included.
  virtual bool watch(int fd, uint32_t events, Callback callback) = 0;
  virtual void modify(int fd, uint32_t events) = 0;
  virtual void unwatch(int fd) = 0;
};

class LoopHandler {
 public:
  // handle() returns this to say the reply will come later through LoopContext::reply().
  static constexpr size_t kDeferred = std::numeric_limits<size_t>::max();

  virtual ~LoopHandler() = default;
  // Called once, before the loop runs, with the loop the handler belongs to.
  virtual void attach(LoopContext* /*loop*/) {}
  // Called by the loop before each batch of messages: the place to pick up a reloaded
  // configuration. Messages of one batch are answered from one configuration.
  virtual void refresh() = 0;
  // Answers one message into `out`; returns the reply size, 0 for no reply, or kDeferred.
  virtual size_t handle(const uint8_t* message, size_t size, const ReplyPath& from, uint8_t* out,
                        size_t out_capacity) = 0;
  // Called after each round of events (at least once a second). Returns the milliseconds until
  // the handler next needs a tick, or -1 when it has no timer pending; the loop sleeps no longer.
  virtual int tick(LoopContext::Clock::time_point /*now*/) { return -1; }
  // Called once when the loop stops, before its connections close: the last chance to release
  // what the handler owns (e.g. upstream sockets). Deferred messages may be left unanswered.
  virtual void shutdown() {}
};

class Service {
 public:
  virtual ~Service() = default;
  virtual std::unique_ptr<LoopHandler> make_loop_handler() = 0;
};

}  // namespace labgate::runtime
