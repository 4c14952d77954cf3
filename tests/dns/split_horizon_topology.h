// The topology the Authority and responder tests share: the seed's networks, plus a guest network
// that reaches nothing, a service on the LAN, a wildcard, a name two labels deep and one under
// the wildcard's parent, and a TTL other than the default.
#pragma once

namespace labgate::dns::testing {

inline constexpr const char* kSplitHorizonTopology = R"(
version: 1
gateway: { name: pve }
networks:
  lan:     { interface: vmbr0, subnet: 192.168.1.0/24, address: 192.168.1.55, router: 192.168.1.1, uplink: true }
  cluster: { interface: vmbr1, subnet: 192.168.100.0/24, address: 192.168.100.1, masquerade: true }
  guest:   { interface: vmbr2, subnet: 10.9.0.0/24, address: 10.9.0.1 }
services:
  ingress:        { address: 192.168.100.80, ports: { http: 80, https: 443 } }
  kubernetes-api: { address: 192.168.100.50, ports: { api: 6443 } }
  sftp:           { address: 192.168.100.81, ports: { ssh: 22 } }
  nas:            { address: 192.168.1.20, ports: { smb: 445 } }
forwards:
  - { listen: lan:80,   to: ingress:http }
  - { listen: lan:443,  to: ingress:https }
  - { listen: lan:6443, to: kubernetes-api:api }
  - { listen: lan:2222, to: sftp:ssh }
dns:
  zone: cluster
  ttl: 300
  names:
    argocd: ingress
    "*.apps": ingress
    files.apps: sftp
    api.k8s: kubernetes-api
    nas: nas
  upstreams: [192.168.1.1]
)";

}  // namespace labgate::dns::testing
