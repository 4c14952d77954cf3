// The address plan: every address of every network, sorted, with the free ranges between them.
//
// This is the seed's "Assigned IP Addresses" table, computed from the topology instead of typed:
// for each network, the gateway's own address, the router, the hosts (virtual IPs say who holds
// them), the services (with their ports), the pools as ranges, and the free ranges left over.
//
// Contract: pure; reads only the topology. Intended for a validated topology; on an unvalidated
// one it never fails, it skips entities with ok=false and addresses outside their network.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "net/ip_address.h"
#include "topology/topology.h"

namespace labgate {

// What an address (or range) of a network is used for. The order of the enumerators is the order
// of entries that start at the same address: a pool comes before the services inside it, a
// virtual IP before the service that answers on it.
enum class AddressRole { kGateway, kRouter, kHost, kVirtualIp, kPool, kService, kFree };

// "gateway", "router", "host", "virtual IP", "pool", "service", "free".
const char* to_string(AddressRole role);
// The same in snake_case for machine-readable output: "virtual_ip" for kVirtualIp.
const char* to_key(AddressRole role);

struct AddressPlanEntry {
  AddressRole role = AddressRole::kFree;
  IpRange range;        // one address for every role except kPool and kFree
  std::string name;     // the gateway's, host's, service's or pool's name; "router"; "" if free
  std::string held_by;  // kVirtualIp: the host that carries it (may be empty)
  std::string pool;     // kService: the pool whose range contains the address, if any
  std::string host;     // kService: the host (or virtual IP) whose address it shares, if any
  std::vector<ServicePort> ports;  // kService: its ports, in file order
};

struct NetworkAddressPlan {
  std::string network;  // the network's name
  IpPrefix subnet;
  // Sorted by range.first, then by role (see AddressRole), then by name. Free ranges cover exactly
  // the assignable addresses of the subnet that no other entry covers, each maximal.
  std::vector<AddressPlanEntry> entries;
  uint64_t assignable = 0;  // addresses a machine may use: all but network/broadcast below /31
  uint64_t used = 0;        // assignable addresses covered by some non-free entry
  uint64_t free() const { return assignable - used; }
};

// The assignable addresses of `subnet` not covered by any of `used`, as maximal ranges in order.
// `used` may be unsorted, overlapping, and extend outside the subnet (the outside is ignored).
std::vector<IpRange> free_ranges(const IpPrefix& subnet, std::vector<IpRange> used);

// The range of addresses of `subnet` that machines may use: without the network and broadcast
// addresses, except in /31 and /32 where every address is usable (RFC 3021).
IpRange assignable_range(const IpPrefix& subnet);

// One plan per network that loaded (ok), in file order.
std::vector<NetworkAddressPlan> build_address_plan(const Topology& topology);

}  // namespace labgate
