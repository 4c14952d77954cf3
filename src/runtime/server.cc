#include "runtime/server.h"

#include <unistd.h>

#include "runtime/sockets.h"

namespace labgate::runtime {

Server::~Server() {
  stop();
}

Status Server::bind(Service& service, const std::vector<ListenAddress>& addresses, int threads) {
  if (threads < 1) threads = 1;
  std::vector<ListenAddress> resolved = addresses;
  bound_.clear();
  loops_.clear();
  for (int t = 0; t < threads; ++t) {
    auto loop = std::make_unique<EventLoop>(service.make_loop_handler());
    for (size_t i = 0; i < resolved.size(); ++i) {
      Result<BoundSocket> udp = open_udp_socket(resolved[i]);
      Status unfragmented = udp ? send_unfragmented(udp->fd) : udp.status();
      if (!unfragmented.ok()) {
        if (udp) ::close(udp->fd);
        loops_.clear();  // closes what the earlier loops bound
        return unfragmented;
      }
      // Once the kernel chose a port for the first UDP socket, TCP and the other loops use it.
      resolved[i] = udp->bound;
      loop->add_udp_socket(udp->fd);
      Result<BoundSocket> tcp = open_tcp_listener(resolved[i]);
      if (!tcp) {
        loops_.clear();
        return tcp.status();
      }
      loop->add_tcp_listener(tcp->fd);
    }
    loops_.push_back(std::move(loop));
  }
  bound_ = resolved;
  return Status::ok_status();
}

void Server::start() {
  loops_.start();
}

void Server::stop() {
  loops_.stop();
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
