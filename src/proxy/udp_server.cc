#include "proxy/udp_server.h"

#include <fmt/format.h>

#include "runtime/sockets.h"

namespace labgate::proxy {

UdpProxyServer::UdpProxyServer(std::vector<UdpForward> forwards)
    : forwards_(std::move(forwards)), states_(forwards_.size()) {}

UdpProxyServer::~UdpProxyServer() {
  stop();
  loops_.clear();
}

bool UdpProxyServer::bind(int threads, std::string* error) {
  if (threads < 1) threads = 1;
  loops_.clear();
  for (int t = 0; t < threads; ++t) {
    auto loop = std::make_unique<UdpRelayLoop>(forwards_, states_);
    for (size_t i = 0; i < forwards_.size(); ++i) {
      runtime::ListenAddress got;
      std::string why;
      int fd = runtime::open_udp_socket(forwards_[i].listen, &got, &why);
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

void UdpProxyServer::start() {
  for (auto& loop : loops_) threads_.emplace_back([l = loop.get()] { l->run(); });
}

void UdpProxyServer::stop() {
  for (auto& loop : loops_) loop->stop();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

}  // namespace labgate::proxy
