// The topology: the validated model of one labgate file. Every command works from this model;
// nothing downstream re-reads YAML.
//
// The model is plain data in file order (so output is stable and follows the file). Where each
// value came from is kept apart, in `where` (see source_map.h), so the model stays easy to build
// in tests and the compiler never depends on positions.
//
// Invariant after validate() reports no errors: every reference (a host's network, a forward's
// service and port, a DNS name's service, ...) resolves, and every address rule in docs/config.md
// holds. Entities whose own fields failed to load carry ok=false; validation skips them and does
// not report references to them, so one typo yields one error instead of a cascade.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "net/ip_address.h"
#include "topology/app.h"
#include "topology/source_map.h"

namespace labgate {

enum class Protocol { kTcp, kUdp };
const char* to_string(Protocol p);

// What happens to new connections from other networks into a network that no forward allowed.
enum class InboundPolicy { kDrop, kAccept };
const char* to_string(InboundPolicy p);

// Which datapath serves a forward.
enum class Datapath { kKernel, kProxy };
const char* to_string(Datapath d);

// A network that is a VLAN: tagged `id` on `trunk` (an interface or a VLAN-aware bridge). The
// network's own `interface` is the VLAN interface the gateway sees, e.g. vmbr0.10.
struct Vlan {
  uint16_t id = 0;    // 1-4094
  std::string trunk;  // e.g. vmbr0
};

struct Network {
  std::string name;
  std::string interface;            // e.g. vmbr0
  std::optional<Vlan> vlan;         // set when the network is a VLAN
  IpPrefix subnet;                  // e.g. 192.168.1.0/24
  IpAddress address;                // the gateway's own address on this network
  std::optional<IpAddress> router;  // the next hop beyond this network (uplink only)
  bool uplink = false;              // the network that leads to the internet
  bool masquerade = false;          // SNAT this network's egress to the uplink's address
  InboundPolicy inbound = InboundPolicy::kDrop;
  bool inbound_given = false;  // `inbound:` is written (refused beside `zones:`)
  bool ok = true;
};

struct Host {
  std::string name;
  std::string network;
  IpAddress address;
  std::string held_by;  // for a virtual IP: the host that carries it (may be empty)
  bool ok = true;
};

struct Pool {
  std::string name;
  std::string network;
  IpRange range;
  bool ok = true;
};

struct ServicePort {
  std::string name;  // e.g. https
  uint16_t port = 0;
  Protocol protocol = Protocol::kTcp;
};

struct Service {
  std::string name;
  IpAddress address;
  std::vector<ServicePort> ports;
  bool ok = true;

  const ServicePort* find_port(const std::string& port_name) const;
};

// How a proxy forward with several targets spreads new connections (docs/proxy.md).
enum class Balance { kRoundRobin, kLeastConnections };
const char* to_string(Balance b);

// One target of a forward: a service and the name of one of its ports.
struct ForwardTarget {
  std::string service;
  std::string service_port;
  bool operator==(const ForwardTarget&) const = default;
};

struct Forward {
  std::string listen_network;  // the network on whose gateway address the port listens
  uint16_t listen_port = 0;
  std::string service;
  std::string service_port;  // the name of a port of `service`
  Datapath via = Datapath::kKernel;
  bool snat = false;  // SNAT every forwarded flow to the gateway (hairpin flows always are)
  // Proxy only (via: proxy): the PROXY protocol version sent to the backend (0: none), and the
  // most connections served at once (0: the proxy's default).
  int proxy_protocol = 0;
  uint32_t max_connections = 0;
  bool sni = false;  // route TLS by server name, using the file's DNS names (docs/proxy.md)
  // Proxy only: `to:` as a list. The targets after the first (which is service:service_port),
  // balanced with it; health checks every `health_interval_ms` (0: only with several targets,
  // every 2 s) within `health_timeout_ms`; PROXY headers accepted from these sources only.
  std::vector<ForwardTarget> more_targets;
  Balance balance = Balance::kRoundRobin;
  uint32_t health_interval_ms = 0;
  uint32_t health_timeout_ms = 0;
  std::vector<IpPrefix> accept_proxy;
  bool ok = true;
};

struct DnsName {
  std::string name;  // relative to the zone, e.g. "argocd" or "*.apps"
  std::string service;
  bool ok = true;
};

struct Dns {
  bool enabled = false;  // a `dns:` section is present
  std::string zone;      // e.g. "cluster"
  uint32_t ttl = 60;
  std::vector<DnsName> names;
  std::vector<IpAddress> upstreams;
  std::vector<std::string> listen;     // networks on whose gateway address DNS is served
  std::vector<std::string> recursion;  // networks whose clients may use the forwarder
  bool recursion_listed = false;       // `recursion:` is given; then [] means no network at all
  // `query_log: { entries: N }`: keep the last N queries for the status page and `labgate log`
  // (docs/observability.md); 0, the default, keeps none.
  uint32_t query_log_entries = 0;
  // `unreachable: nxdomain`: a name of the zone that a network's clients cannot reach (no route,
  // or the zones' policy forbids it) is answered NXDOMAIN there instead of REFUSED.
  bool unreachable_nxdomain = false;

  // Whether clients of `network` may use the forwarder: every network unless `recursion` lists
  // some (or none).
  bool may_recurse(const std::string& network) const;
};

// The `http:` section (docs/observability.md): `labgate run`'s read-only HTTP endpoint (/metrics).
// Without the section it is on, on loopback only; another address only when the file names it.
struct Http {
  bool enabled = true;
  IpAddress address = IpAddress::v4(0x7f000001);  // 127.0.0.1
  uint16_t port = 9153;
};

// A zone: networks grouped under one name for policies (docs/zones.md). Traffic between two
// networks of the same zone is governed by `intra`, which each zone must state (no implicit
// accept inside a zone).
struct Zone {
  std::string name;
  std::vector<std::string> networks;
  bool intra_accept = false;
  bool ok = true;
};

// The target of policy rules that address the gateway itself (its input), not a zone.
inline constexpr const char* kGatewayZone = "gateway";

// What a policy rule matches: any protocol, or one of these.
enum class RuleProtocol { kAny, kTcp, kUdp, kIcmp };
const char* to_string(RuleProtocol p);

// One rule of `policies.rules`, in file order: new connections from zone `from` to zone `to` (or
// kGatewayZone) matching protocol, ports and source are accepted (or dropped). A rule with no
// protocol, ports or source allows the whole pair.
struct PolicyRule {
  std::string from;
  std::string to;
  RuleProtocol protocol = RuleProtocol::kAny;
  std::vector<uint16_t> ports;     // destination ports; only with tcp or udp
  std::optional<IpPrefix> source;  // only from this source prefix
  bool accept = true;
  bool ok = true;
};

// `policies:` — the rules, and the optional rate-limited logging of what they drop (nflog).
struct Policies {
  bool given = false;
  std::vector<PolicyRule> rules;
  uint16_t log_group = 0;  // nflog group; 0: drops are not logged
  uint32_t log_rate = 10;  // log messages per second, at most
};

struct Topology {
  std::string gateway_name = "gateway";
  std::vector<Network> networks;
  std::vector<Host> hosts;
  std::vector<Pool> pools;
  std::vector<Service> services;
  std::vector<Forward> forwards;
  Dns dns;
  Http http;
  std::vector<Zone> zones;  // empty: no `zones:` (each network's `inbound` is its policy)
  Policies policies;
  std::vector<App> apps;  // topology/app.h
  SourceMap where;        // positions of every key and value, by path

  const Network* find_network(const std::string& name) const;
  const Host* find_host(const std::string& name) const;
  const Service* find_service(const std::string& name) const;
  const Zone* find_zone(const std::string& name) const;
  const Network* uplink() const;
  // The network whose subnet contains `a`, or nullptr.
  const Network* network_containing(IpAddress a) const;

  // The fully qualified form of a DNS name of the file: "argocd" -> "argocd.cluster".
  std::string fqdn(const DnsName& n) const { return n.name + "." + dns.zone; }

  // Every name of the zone: `dns.names` in file order, then the host of each app that loaded and
  // lies in the zone ("argocd.cluster" -> "argocd", pointing at the app's ingress service). The
  // one list the DNS views, SNI routes and name matching read.
  std::vector<DnsName> zone_names() const;
};

}  // namespace labgate
