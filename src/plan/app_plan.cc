#include "plan/app_plan.h"

#include <cctype>

namespace labgate {
namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::vector<AppPlan> compile_apps(const Topology& t, const DnsViewTable& views) {
  std::vector<AppPlan> out;
  for (const auto& app : t.apps) {
    if (!app.ok) continue;
    AppPlan p;
    p.name = app.name;
    p.backend = app.backend;
    p.ingress = app.ingress;
    p.gateway = app.gateway;
    p.host = app.host();
    p.ingress_service = app.ingress_service();
    if (const Service* s = t.find_service(p.ingress_service); s && s->ok)
      p.ingress_address = s->address;
    if (!p.host.empty())
      for (const auto& row : views.names) {
        if (lower(row.fqdn) != p.host) continue;  // hosts are read in lower case
        p.zone_name = row.name;
        for (size_t i = 0; i < row.views.size() && i < views.networks.size(); ++i)
          p.views.push_back({views.networks[i], row.views[i].address});
        break;
      }
    if (app.tailscale) {
      p.tailscale = app.tailscale;
      p.tailscale->device = app.device();
    }
    if (app.tls) {
      p.tls = app.tls;
      p.tls->secret = app.tls_secret();
    }
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace labgate
