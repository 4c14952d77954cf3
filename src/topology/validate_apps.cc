// The cross-checks of the `apps` section (validate.h, docs/config.md "apps"): what one app's
// fields cannot tell alone. Each problem is reported at the value it concerns.
#include <cctype>
#include <map>
#include <string>

#include <fmt/format.h>

#include "net/names.h"
#include "topology/validate.h"

namespace labgate {

void validate_apps(const Topology& t, Diagnostics& d) {
  auto at = [&](const std::string& path) { return t.where.value(path); };
  std::vector<std::string> service_names;
  for (const auto& s : t.services) service_names.push_back(s.name);
  // Hosts and devices already claimed, by the path of the claim. DNS names of the zone claim
  // their fully qualified host too: an app must not shadow a name the file already gives.
  std::map<std::string, std::string> hosts, devices;
  if (t.dns.enabled && !t.dns.zone.empty())
    for (const auto& n : t.dns.names) {
      std::string fq = n.name + "." + t.dns.zone;
      for (auto& c : fq) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      hosts.emplace(fq, "dns.names." + n.name);
    }

  for (const auto& app : t.apps) {
    if (!app.ok) continue;
    const std::string path = "apps." + app.name;
    if (app.ingress && app.gateway) {
      d.error(t.where.key(path + ".gateway"), "conflicting-exposure",
              fmt::format("app '{}' has both 'ingress' and 'gateway'", app.name),
              "expose an app through one of the nginx Ingress or a Gateway API HTTPRoute");
      continue;
    }
    if (!app.ingress && !app.gateway && !app.tailscale) {
      d.error(t.where.key(path), "unexposed-app",
              fmt::format("app '{}' is exposed nowhere", app.name),
              "add 'ingress', 'gateway' or 'tailscale'");
      continue;
    }
    const std::string exposure = app.ingress ? path + ".ingress" : path + ".gateway";
    // The CA is for the Gateway's BackendTLSPolicy: it verifies an HTTPS backend.
    if (!app.backend.ca.empty() && app.backend.protocol != BackendProtocol::kHttps)
      d.error(at(path + ".service.ca"), "ca-without-https",
              fmt::format("app '{}' names a CA for a Service it speaks plain HTTP to", app.name),
              "add 'protocol: https' to 'service', or remove 'ca'");
    else if (!app.backend.ca.empty() && !app.gateway)
      d.warning(at(path + ".service.ca"), "unused-ca",
                fmt::format("app '{}' names a CA, which only a Gateway's BackendTLSPolicy uses",
                            app.name),
                "remove 'ca', or expose the app with 'gateway'");
    if (app.tls && app.host().empty())
      d.error(t.where.key(path + ".tls"), "tls-without-host",
              fmt::format("app '{}' has 'tls' but no host to issue a certificate for", app.name),
              "add 'ingress' or 'gateway' with a host (the tailnet's certificates come from "
              "Tailscale, not cert-manager)");
    if (!app.host().empty()) {
      auto [it, fresh] = hosts.emplace(app.host(), exposure + ".host");
      if (!fresh)
        d.error(at(exposure + ".host"), "duplicate-host",
                fmt::format("host '{}' is already used by {}", app.host(), it->second),
                it->second.starts_with("dns.")
                    ? "remove it from dns.names: an app's host joins the zone by itself"
                    : "give each app its own host");
      const std::string& svc = app.ingress_service();
      if (!t.find_service(svc)) {
        std::string meant = closest_match(svc, service_names);
        d.error(at(exposure + ".service"), "unknown-service",
                fmt::format("app '{}' is reached through service '{}', which is not defined",
                            app.name, svc),
                meant.empty() ? fmt::format("define the ingress controller's address under "
                                            "'services' as '{}', or name it with 'service:'",
                                            svc)
                              : fmt::format("did you mean '{}'?", meant));
      }
    }
    if (app.tailscale) {
      auto [it, fresh] = devices.emplace(app.device(), path + ".tailscale");
      if (!fresh)
        d.error(at(path + ".tailscale"), "duplicate-device",
                fmt::format("tailnet device '{}' is already used by {}", app.device(), it->second),
                "set 'tailscale.device' to a name of its own");
    }
  }
}

}  // namespace labgate
