// The lab plan: which network namespaces, links, addresses, routes and servers emulate a topology.
//
// Pure: a validated Topology and a lab name in, plain data out. The lab builder (lab.h) turns it
// into `ip` batches and processes; verify (verify/checks.h) derives its probes from the same plan,
// so the two never disagree about which node holds which address.
//
// The shape of a lab (see docs/lab.md):
//   gateway           one namespace holding a bridge per network, named by the network's
//                     interface (vmbr0, vmbr1), with the gateway's address on it; its default
//                     route points at the uplink's router. labgate's datapath is applied here.
//   upstream          on the uplink's bridge, with the router's address, plus an "internet"
//                     address from a documentation range on its loopback. It has no route to the
//                     other networks, so cluster egress works only through masquerade. It runs
//                     the file's DNS upstream when that is the router (or off every network).
//   <host>            one node per host (its key in the file); a host `held_by` another (a VIP)
//                     is not a node: its address is added to the holder's node.
//   <service>         one node per service whose address is not a host's; a service on a host's
//                     (or VIP's) address runs its servers on that host's node.
//   client-<network>  one per network, on the first address nothing in the file uses.
// Every node except the gateway has one veth: `eth0` inside the node, `veth<index>` in the
// gateway, enslaved to its network's bridge; its default route points at the gateway's address
// on its network (the upstream's does not: see above).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "diag/result.h"
#include "net/ip_address.h"
#include "plan/plan.h"
#include "topology/topology.h"

namespace labgate {

// The documentation address (RFC 5737 TEST-NET-3) that stands for "the internet" in a lab.
inline constexpr const char* kLabInternetAddress = "203.0.113.10";
// The one name the lab's upstream resolver knows on "the internet" (lab/upstream_resolver.h).
inline constexpr const char* kLabInternetName = "internet.labgate.test";
inline constexpr const char* kLabDefaultName = "labgate";
inline constexpr const char* kLabNodeInterface = "eth0";
// Ports the upstream node serves on all its addresses (TCP 80 and 443). Its UDP and TCP port 53
// is a real resolver when the file forwards DNS to it (LabPlan::resolvers).
inline constexpr uint16_t kLabUpstreamTcpPorts[] = {80, 443};

enum class LabRole { kGateway, kUpstream, kHost, kService, kClient };
const char* to_string(LabRole r);

// An address with its prefix length on one device of a node.
struct LabAddress {
  IpAddress address;
  int prefix_length = 32;
  std::string device;
  std::string str() const;  // "192.168.1.55/24"
};

// One socket a node's server listens on. Replies carry `label` (the service's name) and the peer
// address the server sees.
struct LabListener {
  Protocol protocol = Protocol::kTcp;
  IpAddress address;  // 0.0.0.0: every address of the node
  uint16_t port = 0;
  std::string label;
  // The `--listen` argument of `labgate lab serve`: "tcp:192.168.100.80:80=ingress".
  std::string spec() const;
};

// A bridge in the gateway node: one per network.
struct LabBridge {
  std::string name;  // the network's interface, e.g. vmbr0
  std::string network;
  LabAddress address;
};

struct LabNode {
  std::string name;  // node name: "gateway", "upstream", a host or service key, "client-<net>"
  std::string netns;
  LabRole role = LabRole::kHost;
  std::string network;  // the network its eth0 is on; empty for the gateway
  std::string veth;     // the gateway-side end of its veth, e.g. "veth3"; empty for the gateway
  std::vector<LabAddress> addresses;
  std::optional<IpAddress> default_via;
  std::vector<LabListener> listeners;

  // The node's main address (the first one on eth0); 0.0.0.0 for the gateway.
  IpAddress primary() const;
  bool has_address(IpAddress a) const;
};

struct LabPlan {
  std::string lab;  // the lab's name
  std::vector<LabNode> nodes;
  std::vector<LabBridge> bridges;  // in the gateway node
  std::optional<IpAddress> gateway_default_via;
  IpAddress internet;  // the upstream's documentation address (0.0.0.0 without an uplink)
  // The file has a `dns:` section: the gateway runs labgate's DNS service (`labgate run`), and
  // dns_address is one of the gateway's addresses it serves on.
  bool dns = false;
  IpAddress dns_address;
  // The file has `via: proxy` forwards: the same `labgate run` serves them with its userspace
  // proxy. proxy_ready is the gateway's address and port of the first TCP one, which `lab up`
  // waits for (a lab whose proxy forwards are all UDP does not wait).
  bool proxy = false;
  std::optional<std::pair<IpAddress, uint16_t>> proxy_ready;
  // What `labgate run` in the gateway serves, for `lab status`: "DNS", "proxy" or "DNS, proxy".
  std::string gateway_services() const;
  // The file's dns.upstreams that the upstream node holds (the uplink's router, or an address on
  // no network of the gateway): the upstream node runs a resolver on them (upstream_resolver.h).
  // An upstream on another address of a gateway network has no node in the lab.
  std::vector<IpAddress> resolvers;

  const LabNode* find(const std::string& node) const;
  // The node that holds address `a` (on any device), or nullptr.
  const LabNode* node_with_address(IpAddress a) const;
  // The node that runs service `service`'s servers, or nullptr.
  const LabNode* node_of_service(const std::string& service) const;
  // client-<network>.
  const LabNode* client_of(const std::string& network) const;
};

// Lab names are 1-12 of [a-z0-9]: they become part of every namespace's name, and having no '-'
// makes the prefix "lg-<name>-" unambiguous between labs.
bool is_lab_name(const std::string& name);
// "lg-<lab>-": every namespace of the lab starts with it, and nothing else does.
std::string lab_netns_prefix(const std::string& lab);

// Derives the lab of `topology` (validated, no errors). Fails when the topology
// cannot be emulated: node names that clash, a network with no free address for its client.
// `compiled` is compile(topology): the lab runs the forwards and DNS the Plan says.
Result<LabPlan> plan_lab(const Topology& topology, const Plan& compiled, const std::string& lab);

// The `ip -batch` script run in the machine's namespace: creates every namespace, the gateway's
// bridges and every veth directly inside the namespaces (nothing is ever created in, or connected
// to, the machine's own namespace).
std::string root_batch(const LabPlan& plan);
// The `ip -n <netns> -batch` script that configures one node: loopback up, addresses, bridge
// ports, routes.
std::string node_batch(const LabPlan& plan, const LabNode& node);

}  // namespace labgate
