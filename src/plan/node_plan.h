// The cluster's machines as `export terraform` and `export talos` need them: each host's address
// with its prefix length, the next hop of its default route and its nameserver, which hosts are
// virtual IPs (and who carries them), and the pools.
//
// Roles come from the file, not from names: a host with `held_by` is a virtual IP; the host that
// carries one is a control-plane node (the seed's API VIP on talos-controlplane-01); every other
// host is a worker node.
//
// Contract: pure and total, like compile(); entities that failed to load are skipped.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "net/ip_address.h"
#include "topology/topology.h"

namespace labgate {

struct PlannedVip {
  std::string name;
  std::string network;
  IpAddress address;
  std::string held_by;  // the control-plane node that carries it; may be empty
};

struct PlannedNode {
  std::string name;
  std::string network;
  IpAddress address;
  int prefix_length = 0;  // the network's
  // The default route's next hop: the uplink's router for a host on the uplink network, the
  // gateway's own address on the network otherwise; nullopt on an uplink without a router.
  std::optional<IpAddress> default_gateway;
  // The gateway's address on the network when its DNS serves that network; nullopt otherwise.
  std::optional<IpAddress> nameserver;
  bool control_plane = false;
  std::vector<IpAddress> vips;  // the virtual IPs it carries, in file order
};

struct PlannedPool {
  std::string name;
  std::string network;
  IpRange range;
};

struct NodePlan {
  std::vector<PlannedNode> nodes;  // hosts without held_by, in file order
  std::vector<PlannedVip> vips;    // hosts with held_by, in file order
  std::vector<PlannedPool> pools;  // in file order

  const PlannedNode* node(const std::string& name) const;
};

NodePlan compile_nodes(const Topology& topology);

}  // namespace labgate
