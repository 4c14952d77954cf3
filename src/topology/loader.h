// Loading a labgate file: YAML text -> Topology, with every structural problem reported.
//
// The loader checks the shape of the document (syntax, known keys, types, required keys, the
// syntax of each value: addresses, subnets, ranges, ports, names). It records the position of
// every key and value in Topology::where. Rules that relate values to each other (an address in
// its subnet, references between sections, duplicates) belong to validate().
//
// Contract: never throws, never does I/O; any input yields a Topology (possibly partial, with
// entities marked ok=false) and the diagnostics found.
#pragma once

#include <string_view>

#include "diag/diagnostic.h"
#include "topology/topology.h"

namespace labgate {

// Larger inputs are refused outright: a homelab file is kilobytes; 5,000 hosts are ~300 KiB.
inline constexpr size_t kMaxTopologyBytes = 16 * 1024 * 1024;

Topology load_topology(std::string_view text, Diagnostics& diagnostics);

// load_topology() followed, when the document could be read at all, by validate().
Topology check_topology(std::string_view text, Diagnostics& diagnostics);

}  // namespace labgate
