#include "runtime/server.h"

#include <unistd.h>

#include "runtime/sockets.h"

namespace labgate::runtime {

Server::~Server() {
  stop();
}

bool Server::bind(Service& service, const std::vector<ListenAddress>& addresses, int threads,
                  std::string* error) {
  if (threads < 1) threads = 1;
  std::vector<ListenAddress> resolved = addresses;
  bound_.clear();
  loops_.clear();
  for (int t = 0; t < threads; ++t) {
    auto loop = std::make_unique<EventLoop>(service.make_loop_handler());
    for (size_t i = 0; i < resolved.size(); ++i) {
      ListenAddress got;
      int udp = open_udp_socket(resolved[i], &got, error);
      if (udp >= 0 && !send_unfragmented(udp, error)) {
        ::close(udp);
        udp = -1;
      }
      if (udp < 0) {
        loops_.clear();  // closes what the earlier loops bound
        return false;
      }
      // Once the kernel chose a port for the first UDP socket, TCP and the other loops use it.
      resolved[i] = got;
      loop->add_udp_socket(udp);
      int tcp = open_tcp_listener(resolved[i], &got, error);
      if (tcp < 0) {
        loops_.clear();
        return false;
      }
      loop->add_tcp_listener(tcp);
    }
    loops_.push_back(std::move(loop));
  }
  bound_ = resolved;
  return true;
}

void Server::start() {
  for (auto& loop : loops_) threads_.emplace_back([l = loop.get()] { l->run(); });
}

void Server::stop() {
  for (auto& loop : loops_) loop->stop();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

Server::Stats Server::stats() const {
  Stats s;
  for (const auto& loop : loops_) {
    s.udp_answers += loop->udp_answers();
    s.udp_batches += loop->udp_batches();
    s.tcp_answers += loop->tcp_answers();
  }
  return s;
}

}  // namespace labgate::runtime
