#include "proxy/udp_forward.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace labgate::proxy {

std::vector<UdpForward> udp_proxy_forwards(const ForwardingPlan& plan,
                                           std::vector<std::string>* ignored) {
  std::vector<UdpForward> out;
  for (const ResolvedForward* f : plan.proxy_forwards(Protocol::kUdp)) {
    UdpForward u;
    u.label = f->label();
    u.listen = {f->listen_address, f->listen_port};
    u.backend = {f->backend_address, f->backend_port};
    if (f->proxy.max_connections > 0) u.max_sessions = f->proxy.max_connections;
    if (ignored && !f->proxy.ignored_over_udp.empty())
      ignored->push_back(fmt::format("proxy {}: ignored over UDP: {}", u.label,
                                     fmt::join(f->proxy.ignored_over_udp, ", ")));
    out.push_back(std::move(u));
  }
  return out;
}

}  // namespace labgate::proxy
