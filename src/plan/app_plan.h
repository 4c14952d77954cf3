// The apps of the file as every consumer needs them (`export k8s`, `import k8s`'s round trip,
// `doctor`, `show`): defaults filled in, object names chosen, and where each app's host resolves
// from each network (the DNS views' answer for it).
//
// Contract: pure and total, like compile(); apps that failed to load are skipped.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "net/ip_address.h"
#include "plan/dns_views.h"
#include "topology/topology.h"

namespace labgate {

// Where an app's host resolves for clients on one network (from the DNS views).
struct AppView {
  std::string network;
  std::optional<IpAddress> address;  // nullopt: REFUSED there
};

struct AppPlan {
  std::string name;
  AppBackend backend;
  // Inside the cluster: at most one of these (validate() refuses both).
  std::optional<AppIngress> ingress;
  std::optional<AppGateway> gateway;
  std::string host;  // of the ingress or gateway; empty when neither
  // The `services:` entry where the ingress controller (or Gateway) is reached, and its address.
  std::string ingress_service;
  std::optional<IpAddress> ingress_address;
  // The host relative to the DNS zone ("argocd" for argocd.cluster); empty when outside it.
  std::string zone_name;
  std::vector<AppView> views;  // one per DnsViewTable::networks when zone_name is set
  // On the tailnet: `device` always set (defaults to the app's name).
  std::optional<AppTailscale> tailscale;
  // TLS from cert-manager: `secret` always set (defaults to "<app>-tls").
  std::optional<AppTls> tls;

  // The names of the objects `export k8s` writes: the Ingress or HTTPRoute is named after the
  // app, the Tailscale Ingress "<app>-tailscale" (the seed's pattern).
  std::string route_object() const { return name; }
  std::string tailscale_object() const { return name + "-tailscale"; }
  // The cert-manager Certificate of an app with `tls`: on a Gateway, the one `export k8s` writes,
  // named after the app in the Gateway's namespace (where the listener reads the Secret); for an
  // Ingress, the one cert-manager's ingress-shim makes from spec.tls, named after the Secret in
  // the Ingress's namespace.
  std::string certificate_namespace() const {
    return gateway ? gateway->namespace_ : backend.namespace_;
  }
  std::string certificate_object() const { return gateway || !tls ? name : tls->secret; }

  // A Gateway speaks plain HTTP to a backend unless a BackendTLSPolicy names its Service: one,
  // named after the app, for each app on a Gateway with `protocol: https`.
  bool backend_tls_policy() const {
    return gateway.has_value() && backend.protocol == BackendProtocol::kHttps;
  }
  // The name the Gateway checks the backend's certificate for (and sends as SNI): the Service's
  // name in the cluster's DNS, with Kubernetes' default cluster domain.
  std::string backend_dns_name() const {
    return backend.name + "." + backend.namespace_ + ".svc.cluster.local";
  }
};

std::vector<AppPlan> compile_apps(const Topology& topology, const DnsViewTable& views);

}  // namespace labgate
