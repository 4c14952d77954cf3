// `labgate show` for a human: the plan of a validated topology as aligned text.
//
// Sections, in order: NETWORKS, for a file with `zones:` ZONES, POLICIES and GATEWAY INPUT
// (show/zones.h), ADDRESS PLAN (per network, sorted by address, with the free
// ranges), FORWARDS, DNS (what each name resolves to from each network), DIAGRAM. Lines fit in
// 100 columns for topologies of the seed's size. Pure: returns the text, prints nothing.
#pragma once

#include <cstddef>
#include <string>

#include "plan/plan.h"
#include "topology/topology.h"

namespace labgate::show {

// The terminal width the text is laid out for.
inline constexpr size_t kTextWidth = 100;

std::string render_text(const Topology& topology, const Plan& plan);

// The individual sections, each ending with a newline, for callers that want only one.
std::string render_networks(const Plan& plan);
std::string render_address_plan(const Topology& topology, const Plan& plan);
std::string render_forwards(const Plan& plan);
std::string render_dns(const Topology& topology, const Plan& plan);

}  // namespace labgate::show
