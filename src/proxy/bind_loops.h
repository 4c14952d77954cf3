// Binding a proxy's loops: for each of `threads` loops, one socket per forward (SO_REUSEPORT, so
// the kernel spreads clients across the loops), shared by the TCP and UDP proxies.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "diag/result.h"
#include "runtime/listen_address.h"
#include "runtime/loop_group.h"
#include "runtime/sockets.h"

namespace labgate::proxy {

// `open(listen)` opens one socket (runtime/sockets.h). A listen port 0 gets one from the kernel,
// written back into each runtime's config so the next loops share it. On failure no loop is left
// (every socket opened is closed with its loop).
template <class Loop, class Runtime, class Open>
Status bind_loops(runtime::LoopGroup<Loop>& loops, int threads,
                  std::vector<std::shared_ptr<Runtime>>& runtimes, Open open) {
  if (threads < 1) threads = 1;
  loops.clear();
  for (int t = 0; t < threads; ++t) {
    auto loop = std::make_unique<Loop>();
    for (auto& r : runtimes) {
      Result<runtime::BoundSocket> socket = open(r->config.listen);
      if (!socket) {
        loops.clear();
        return Status::error(fmt::format("proxy {}: {}", r->config.label, socket.error()));
      }
      r->config.listen = socket->bound;
      loop->add_listener(r, socket->fd);
    }
    loops.push_back(std::move(loop));
  }
  return Status::ok_status();
}

}  // namespace labgate::proxy
