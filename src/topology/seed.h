// The built-in default topology: the seed homelab of examples/homelab.yaml, compiled in.
#pragma once

#include <string_view>

namespace labgate {

// The text of examples/homelab.yaml as it was at build time.
std::string_view seed_topology_text();

// The name diagnostics use for the built-in topology.
inline constexpr const char* kSeedTopologyName = "<built-in:examples/homelab.yaml>";

}  // namespace labgate
