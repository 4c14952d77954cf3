// The runtime: N event loops on N threads, each with its own UDP and TCP sockets on every listen
// address (SO_REUSEPORT), all serving one Service.
#pragma once

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "runtime/event_loop.h"
#include "runtime/listen_address.h"
#include "runtime/service.h"

namespace labgate::runtime {

class Server {
 public:
  Server() = default;
  ~Server();  // stops and joins

  // Binds every socket of every loop (so failures show before anything runs). A listen address
  // with port 0 gets a port from the kernel, which the other loops then share. Returns false with
  // *error if any socket cannot be opened; nothing is left open then.
  bool bind(Service& service, const std::vector<ListenAddress>& addresses, int threads,
            std::string* error);
  // The addresses actually bound (ports resolved), in the order given.
  const std::vector<ListenAddress>& bound() const { return bound_; }

  void start();  // one thread per loop
  void stop();   // thread-safe; returns after every loop has stopped and its thread joined

  struct Stats {
    uint64_t udp_answers = 0, udp_batches = 0, tcp_answers = 0;
  };
  Stats stats() const;

 private:
  std::vector<std::unique_ptr<EventLoop>> loops_;
  std::vector<std::thread> threads_;
  std::vector<ListenAddress> bound_;
};

}  // namespace labgate::runtime
