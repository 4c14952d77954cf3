#include "proxy/proxy_server.h"

#include <fmt/format.h>

#include "runtime/sockets.h"

namespace labgate::proxy {

ProxyServer::ProxyServer(std::vector<ProxyForward> forwards)
    : forwards_(std::move(forwards)), states_(forwards_.size()) {}

ProxyServer::~ProxyServer() {
  stop();
  loops_.clear();
}

bool ProxyServer::bind(int threads, std::string* error) {
  if (threads < 1) threads = 1;
  loops_.clear();
  for (int t = 0; t < threads; ++t) {
    auto loop = std::make_unique<RelayLoop>(forwards_, states_);
    for (size_t i = 0; i < forwards_.size(); ++i) {
      runtime::ListenAddress got;
      std::string why;
      int fd = runtime::open_tcp_listener(forwards_[i].listen, &got, &why);
      if (fd < 0) {
        *error = fmt::format("proxy {}: {}", forwards_[i].label, why);
        loops_.clear();
        return false;
      }
      forwards_[i].listen = got;  // a kernel-chosen port is reused by the next loops
      loop->add_listener(i, fd);
    }
    loops_.push_back(std::move(loop));
  }
  return true;
}

void ProxyServer::start() {
  for (auto& loop : loops_) threads_.emplace_back([l = loop.get()] { l->run(); });
}

void ProxyServer::stop() {
  for (auto& loop : loops_) loop->stop();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

}  // namespace labgate::proxy
