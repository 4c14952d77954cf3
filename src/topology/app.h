// An app: a Kubernetes Service behind the cluster's ingress, and how it is exposed (docs/config.md,
// "apps"; docs/k8s.md). Plain data in file order, like the rest of the model (topology.h).
//
// An app is exposed inside the cluster by at most one of an nginx Ingress or a Gateway API
// HTTPRoute (both name a host and the `services:` entry through which the ingress controller is
// reached), and optionally on the tailnet by a Tailscale Ingress. Its host joins the DNS zone by
// itself when it lies in the zone (Topology::zone_names()).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace labgate {

// How the ingress controller talks to the Service's port.
enum class BackendProtocol { kHttp, kHttps };
const char* to_string(BackendProtocol p);

// The Kubernetes Service behind an app.
struct AppBackend {
  std::string namespace_;  // RFC 1123 label
  std::string name;        // RFC 1123 label
  uint16_t port = 0;
  BackendProtocol protocol = BackendProtocol::kHttp;
  // With https through a Gateway: the ConfigMap (key ca.crt, in the Service's namespace) holding
  // the CA that signed the Service's certificate; empty: the system's well-known CAs.
  std::string ca;
};

// `ingress: { class, host, service }`: an Ingress of an ingress controller class (nginx today).
struct AppIngress {
  std::string ingress_class = "nginx";
  std::string host;                 // e.g. argocd.cluster
  std::string service = "ingress";  // the `services:` entry of the ingress controller
};

// `gateway: { name, namespace, section, host, service }`: an HTTPRoute on a Gateway.
struct AppGateway {
  std::string name;
  std::string namespace_;
  std::string section;  // the listener's sectionName; empty: every listener
  std::string host;
  std::string service = "ingress";  // the `services:` entry where the Gateway is reached
};

// `tailscale: { device, funnel, tags, proxy_group }`: a Tailscale operator Ingress.
struct AppTailscale {
  std::string device;  // the tailnet device name (tls.hosts[0]); empty: the app's name
  bool funnel = false;
  std::vector<std::string> tags;  // e.g. tag:k8s
  std::string proxy_group;
};

// `tls: { issuer, secret }`: a certificate from a cert-manager ClusterIssuer.
struct AppTls {
  std::string issuer;
  std::string secret;  // empty: "<app>-tls"
};

struct App {
  std::string name;
  AppBackend backend;
  std::optional<AppIngress> ingress;
  std::optional<AppGateway> gateway;
  std::optional<AppTailscale> tailscale;
  std::optional<AppTls> tls;
  bool ok = true;

  // The host of the ingress or gateway exposure; empty when there is none.
  const std::string& host() const;
  // The `services:` entry the host resolves to; empty when there is no ingress or gateway.
  const std::string& ingress_service() const;
  // The tailnet device name: `tailscale.device`, or the app's name.
  const std::string& device() const;
  // The TLS secret: `tls.secret`, or "<app>-tls".
  std::string tls_secret() const;
};

}  // namespace labgate
