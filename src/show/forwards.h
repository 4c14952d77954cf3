// The forwards of a topology with both ends resolved to addresses, as `show` presents them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "net/ipv4.h"
#include "topology/topology.h"

namespace labgate::show {

struct ForwardRow {
  size_t index = 0;  // the forward's position in Topology::forwards (and in the file), from 0
  std::string listen_network;
  Ipv4 listen_address;  // the gateway's address on listen_network
  uint16_t listen_port = 0;
  Protocol protocol = Protocol::kTcp;  // the protocol of the target port
  std::string service;
  std::string service_port;  // the port's name
  Ipv4 service_address;
  uint16_t target_port = 0;
  Datapath via = Datapath::kKernel;
  bool snat_always =
      false;  // false: only hairpin flows (from the service's own network) are SNATed
};

// One row per forward whose network, service and port resolve (all of them, in a validated
// topology), in file order.
std::vector<ForwardRow> resolve_forwards(const Topology& topology);

// "hairpin-only" or "always": the JSON key of a row's SNAT policy.
inline const char* snat_key(const ForwardRow& f) {
  return f.snat_always ? "always" : "hairpin-only";
}

}  // namespace labgate::show
