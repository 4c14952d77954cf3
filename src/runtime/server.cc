#include "runtime/server.h"

#include <unistd.h>

#include "runtime/sockets.h"

namespace labgate::runtime {

Server::~Server() {
  stop();
}

namespace {

// A loop's UDP socket (sending unfragmented) and TCP listener on `at`. With port 0 the kernel
// chooses the UDP port and TCP takes the same number; that number may be taken for TCP by someone
// else, so a kernel-chosen pair is tried a few times before failing. `at` gets the bound port.
Status open_pair(ListenAddress* at, EventLoop& loop) {
  const bool kernel_chooses = at->port == 0;
  Status failed;
  for (int attempt = 0; attempt < (kernel_chooses ? 8 : 1); ++attempt) {
    Result<BoundSocket> udp = open_udp_socket(*at);
    Status unfragmented = udp ? send_unfragmented(udp->fd) : udp.status();
    if (!unfragmented.ok()) {
      if (udp) ::close(udp->fd);
      return unfragmented;
    }
    Result<BoundSocket> tcp = open_tcp_listener(udp->bound);
    if (!tcp) {
      ::close(udp->fd);
      failed = tcp.status();
      continue;
    }
    *at = udp->bound;
    loop.add_udp_socket(udp->fd);
    loop.add_tcp_listener(tcp->fd);
    return Status::ok_status();
  }
  return failed;
}

}  // namespace

Status Server::bind(Service& service, const std::vector<ListenAddress>& addresses, int threads) {
  if (threads < 1) threads = 1;
  std::vector<ListenAddress> resolved = addresses;
  bound_.clear();
  loops_.clear();
  for (int t = 0; t < threads; ++t) {
    auto loop = std::make_unique<EventLoop>(service.make_loop_handler());
    // Once the kernel chose a port for the first loop, the other loops use it.
    for (auto& at : resolved) {
      if (Status s = open_pair(&at, *loop); !s.ok()) {
        loops_.clear();  // closes what the earlier loops bound
        return s;
      }
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
