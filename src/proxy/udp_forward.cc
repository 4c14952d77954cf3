#include "proxy/udp_forward.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace labgate::proxy {

std::vector<UdpForward> udp_proxy_forwards(const Topology& t, std::vector<std::string>* ignored) {
  std::vector<UdpForward> out;
  for (const auto& f : t.forwards) {
    if (!f.ok || f.via != Datapath::kProxy) continue;
    const Network* network = t.find_network(f.listen_network);
    const Service* service = t.find_service(f.service);
    const ServicePort* port = service ? service->find_port(f.service_port) : nullptr;
    if (!network || !port || port->protocol != Protocol::kUdp) continue;
    UdpForward u;
    u.label =
        fmt::format("{}:{} -> {}:{}", f.listen_network, f.listen_port, f.service, f.service_port);
    u.listen = {network->address, f.listen_port};
    u.backend = {service->address, port->port};
    if (f.max_connections > 0) u.max_sessions = f.max_connections;
    std::vector<std::string> unused;  // options of TCP forwards only
    if (f.proxy_protocol != 0) unused.push_back("'proxy_protocol' (no PROXY header over UDP)");
    if (f.sni) unused.push_back("'sni'");
    if (f.health_interval_ms != 0 || f.health_timeout_ms != 0) unused.push_back("'health_check'");
    if (!f.accept_proxy.empty()) unused.push_back("'accept_proxy'");
    if (ignored && !unused.empty())
      ignored->push_back(
          fmt::format("proxy {}: ignored over UDP: {}", u.label, fmt::join(unused, ", ")));
    out.push_back(std::move(u));
  }
  return out;
}

}  // namespace labgate::proxy
