#include "plan/forwarding_plan.h"

#include <algorithm>

namespace labgate {

const char* to_string(SnatMode m) {
  return m == SnatMode::kAlways ? "always" : "hairpin-only";
}

std::vector<const ResolvedForward*> ForwardingPlan::kernel_forwards() const {
  std::vector<const ResolvedForward*> out;
  for (const auto& f : forwards)
    if (f.datapath == Datapath::kKernel) out.push_back(&f);
  return out;
}

namespace {

const Network* usable_network(const Topology& t, const std::string& name) {
  const Network* n = t.find_network(name);
  return n && n->ok ? n : nullptr;
}

}  // namespace

ForwardingPlan compile_forwarding_plan(const Topology& t) {
  ForwardingPlan plan;

  for (size_t i = 0; i < t.forwards.size(); ++i) {
    const Forward& f = t.forwards[i];
    if (!f.ok) continue;
    const Network* listen = usable_network(t, f.listen_network);
    const Service* service = t.find_service(f.service);
    if (!listen || !service || !service->ok) continue;
    const ServicePort* port = service->find_port(f.service_port);
    const Network* backend = t.network_containing(service->address);
    if (!port || !backend || !backend->ok) continue;
    ResolvedForward r;
    r.index = i;
    r.listen_network = listen->name;
    r.listen_interface = listen->interface;
    r.listen_address = listen->address;
    r.listen_port = f.listen_port;
    r.protocol = port->protocol;
    r.service = service->name;
    r.service_port = port->name;
    r.backend_address = service->address;
    r.backend_port = port->port;
    r.backend_network = backend->name;
    r.backend_interface = backend->interface;
    r.backend_gateway = backend->address;
    r.datapath = f.via;
    r.snat = f.snat ? SnatMode::kAlways : SnatMode::kHairpinOnly;
    plan.forwards.push_back(std::move(r));
  }

  const Network* uplink = t.uplink();
  if (uplink && !uplink->ok) uplink = nullptr;
  for (const Network& n : t.networks) {
    if (!n.ok) continue;
    plan.networks.push_back({n.name, n.interface, n.subnet, n.inbound});
    if (n.masquerade && uplink && &n != uplink)
      plan.masquerade.push_back({n.name, n.subnet, n.interface, uplink->name, uplink->interface});
    bool holds_kernel_backend =
        std::any_of(plan.forwards.begin(), plan.forwards.end(), [&](const ResolvedForward& f) {
          return f.datapath == Datapath::kKernel && f.backend_network == n.name;
        });
    if (holds_kernel_backend) plan.hairpin.push_back({n.name, n.interface, n.subnet, n.address});
  }

  // The gateway routes between its networks as soon as it forwards or masquerades anything.
  if (!plan.kernel_forwards().empty() || !plan.masquerade.empty())
    plan.sysctls.push_back({"net.ipv4.ip_forward", "1"});
  std::sort(plan.sysctls.begin(), plan.sysctls.end());
  return plan;
}

}  // namespace labgate
