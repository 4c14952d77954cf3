// Binding a proxy's loops: for each of `threads` loops, one socket per forward (SO_REUSEPORT, so
// the kernel spreads clients across the loops), shared by the TCP and UDP proxies.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "runtime/listen_address.h"
#include "runtime/loop_group.h"

namespace labgate::proxy {

// `open(listen, &got, &why)` opens one socket (returns the fd, or -1 with why). A listen port 0
// gets one from the kernel, written back into each runtime's config so the next loops share it.
// False with *error: no loop is left (every socket opened is closed with its loop).
template <class Loop, class Runtime, class Open>
bool bind_loops(runtime::LoopGroup<Loop>& loops, int threads,
                std::vector<std::shared_ptr<Runtime>>& runtimes, Open open, std::string* error) {
  if (threads < 1) threads = 1;
  loops.clear();
  for (int t = 0; t < threads; ++t) {
    auto loop = std::make_unique<Loop>();
    for (auto& r : runtimes) {
      runtime::ListenAddress got;
      std::string why;
      int fd = open(r->config.listen, &got, &why);
      if (fd < 0) {
        *error = fmt::format("proxy {}: {}", r->config.label, why);
        loops.clear();
        return false;
      }
      r->config.listen = got;
      loop->add_listener(r, fd);
    }
    loops.push_back(std::move(loop));
  }
  return true;
}

}  // namespace labgate::proxy
