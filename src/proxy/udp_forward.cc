#include "proxy/udp_forward.h"

#include <fmt/format.h>

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
    if (ignored && f.proxy_protocol != 0)
      ignored->push_back(
          fmt::format("proxy {}: no PROXY header is sent over UDP; "
                      "'proxy_protocol' is ignored",
                      u.label));
    if (ignored && f.sni)
      ignored->push_back(fmt::format("proxy {}: 'sni' does not apply to UDP", u.label));
    out.push_back(std::move(u));
  }
  return out;
}

}  // namespace labgate::proxy
