// The forwarding plan: what the gateway's datapath must do, resolved from a validated Topology.
//
// This is the one place where forwards, masquerade and isolation are worked out from the model;
// the nftables and iptables compilers (nft_ruleset.h, iptables_ruleset.h), the lab and verify
// read this plan and never re-derive it. It is plain data, in file order, with every name resolved
// to addresses and interfaces, so a compiler only formats it.
//
// Contract: compile_forwarding_plan() is pure and total on a Topology that validate() accepted.
// Entities with ok=false and references that do not resolve are skipped (they cannot occur after
// validation; skipping keeps the function total for callers that did not validate).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "net/ip_address.h"
#include "topology/topology.h"

namespace labgate {

// Which forwarded flows have their source rewritten to the gateway.
enum class SnatMode {
  kHairpinOnly,  // only flows whose client is on the backend's own network (NAT reflection)
  kAlways,       // every flow of the forward (`snat: true`, the seed's old behaviour)
};
const char* to_string(SnatMode m);

// Health checks of a userspace-proxied forward with several targets, when the file gives no
// `health_check`: every kDefaultHealthIntervalMs, each within kDefaultHealthTimeoutMs.
inline constexpr uint32_t kDefaultHealthIntervalMs = 2000;
inline constexpr uint32_t kDefaultHealthTimeoutMs = 1000;

// One port of one service, resolved: where a forward's connections go.
struct ResolvedTarget {
  std::string service;       // e.g. ingress
  std::string service_port;  // e.g. https
  IpAddress address;         // e.g. 192.168.100.80
  uint16_t port = 0;
  bool operator==(const ResolvedTarget&) const = default;
};

// A route of an `sni: true` forward: TLS clients naming `server_name` go to `target`.
// `server_name` is exact ("argocd.cluster") or a wildcard ("*.apps.cluster").
struct ResolvedSniRoute {
  std::string server_name;
  ResolvedTarget target;
  bool operator==(const ResolvedSniRoute&) const = default;
};

// What the userspace proxy does with a `via: proxy` forward, with every default applied here and
// nowhere else. Meaningless (left at its defaults) for kernel forwards.
struct ProxyOptions {
  Balance balance = Balance::kRoundRobin;
  // Active health checks; 0: none. Defaults (kDefaultHealth*) when the forward has several
  // targets and the file gives no `health_check`.
  uint32_t health_interval_ms = 0;
  uint32_t health_timeout_ms = 0;
  int proxy_protocol = 0;              // PROXY header version sent to the backend; 0: none
  uint32_t max_connections = 0;        // 0: the proxy's own default
  std::vector<IpPrefix> accept_proxy;  // trusted hops that send a PROXY header
  bool sni = false;                    // read the ClientHello's server name
  // With sni: each DNS name of the file whose service has a TCP port named like the forward's
  // target port, in file order.
  std::vector<ResolvedSniRoute> sni_routes;
  // A UDP forward: the TCP-only options the file gives, which the proxy ignores ("'sni'", ...).
  std::vector<std::string> ignored_over_udp;
};

// One forward with every name resolved.
struct ResolvedForward {
  size_t index = 0;              // the forward's position in Topology::forwards (the file), from 0
  std::string listen_network;    // the network whose gateway address listens
  std::string listen_interface;  // e.g. vmbr0
  IpAddress listen_address;      // the gateway's address on listen_network, e.g. 192.168.1.55
  uint16_t listen_port = 0;
  Protocol protocol = Protocol::kTcp;
  std::string service;        // e.g. sftp
  std::string service_port;   // e.g. ssh
  IpAddress backend_address;  // e.g. 192.168.100.81
  uint16_t backend_port = 0;
  std::string backend_network;    // the network containing backend_address
  std::string backend_interface;  // its interface, e.g. vmbr1
  // The gateway's address on backend_network: the SNAT source, when SNAT'd.
  IpAddress backend_gateway;
  Datapath datapath = Datapath::kKernel;
  SnatMode snat = SnatMode::kHairpinOnly;
  // Targets beyond the first (`to: [a, b]`), in file order; the proxy balances over the first
  // (backend_*) and these. Always empty for kernel forwards (validation refuses them).
  std::vector<ResolvedTarget> more_targets;
  ProxyOptions proxy;

  // "lan:2222 -> sftp:ssh", for logs and tables.
  std::string label() const;
  // The first target (backend_*), then more_targets.
  std::vector<ResolvedTarget> targets() const;
};

// "Traffic from `source` leaving by `uplink_interface` is masqueraded to the uplink's address."
struct MasqueradeRule {
  std::string network;  // the masquerading network, e.g. cluster
  IpPrefix source;      // its subnet
  std::string interface;
  std::string uplink_network;
  std::string uplink_interface;
};

// What happens to new connections from other networks into one network (see InboundPolicy).
struct NetworkPolicy {
  std::string network;
  std::string interface;
  IpPrefix subnet;
  InboundPolicy inbound = InboundPolicy::kDrop;
};

// A network holding the backend of at least one kernel forward: a client on that same network
// reaching the forward through the gateway (NAT reflection) must be SNAT'd to `gateway`, or the
// backend would answer it directly and the client would drop the reply.
struct HairpinRule {
  std::string network;
  std::string interface;
  IpPrefix subnet;
  IpAddress gateway;
};

// A kernel parameter the datapath needs, by its dotted name (net.ipv4.ip_forward).
struct Sysctl {
  std::string name;
  std::string value;
  auto operator<=>(const Sysctl&) const = default;
};

struct ForwardingPlan {
  std::vector<ResolvedForward> forwards;  // every forward, kernel and proxy, in file order
  std::vector<MasqueradeRule> masquerade;
  std::vector<NetworkPolicy> networks;  // every network, in file order
  std::vector<HairpinRule> hairpin;     // in file order of the networks
  std::vector<Sysctl> sysctls;          // sorted by name

  // The forwards the kernel serves (datapath kernel), in file order.
  std::vector<const ResolvedForward*> kernel_forwards() const;
  // The forwards the userspace proxy serves (datapath proxy) over `protocol`, in file order.
  std::vector<const ResolvedForward*> proxy_forwards(Protocol protocol) const;
};

ForwardingPlan compile_forwarding_plan(const Topology& topology);

}  // namespace labgate
