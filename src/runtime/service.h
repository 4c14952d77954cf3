// What the runtime hosts: services that answer messages on UDP and on length-framed TCP.
//
// The runtime owns sockets, threads and the event loops; a service owns only the answering. Each
// event loop gets its own LoopHandler, used by that loop's thread alone, so handlers need no
// locks; what they share (e.g. the current answers) is the service's business.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "net/ipv4.h"

namespace labgate::runtime {

enum class Transport : uint8_t { kUdp, kTcp };

class LoopHandler {
 public:
  virtual ~LoopHandler() = default;
  // Called by the loop before each batch of messages: the place to pick up a reloaded
  // configuration. Messages of one batch are answered from one configuration.
  virtual void refresh() = 0;
  // Answers one message from `client` into `out`; returns the reply size, or 0 for no reply.
  virtual size_t handle(const uint8_t* message, size_t size, Ipv4 client, Transport transport,
                        uint8_t* out, size_t out_capacity) = 0;
};

class Service {
 public:
  virtual ~Service() = default;
  virtual std::unique_ptr<LoopHandler> make_loop_handler() = 0;
};

}  // namespace labgate::runtime
