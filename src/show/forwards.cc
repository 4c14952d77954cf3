#include "show/forwards.h"

namespace labgate::show {

std::vector<ForwardRow> resolve_forwards(const Topology& t) {
  std::vector<ForwardRow> rows;
  for (size_t i = 0; i < t.forwards.size(); ++i) {
    const Forward& f = t.forwards[i];
    if (!f.ok) continue;
    const Network* net = t.find_network(f.listen_network);
    const Service* service = t.find_service(f.service);
    if (!net || !net->ok || !service || !service->ok) continue;
    const ServicePort* port = service->find_port(f.service_port);
    if (!port) continue;
    ForwardRow row;
    row.index = i;
    row.listen_network = net->name;
    row.listen_address = net->address;
    row.listen_port = f.listen_port;
    row.protocol = port->protocol;
    row.service = service->name;
    row.service_port = port->name;
    row.service_address = service->address;
    row.target_port = port->port;
    row.via = f.via;
    row.snat_always = f.snat;
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace labgate::show
