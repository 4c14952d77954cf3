// Validation of VLANs, zones and policies (docs/zones.md): called by validate() after the rules
// about networks. Pure; reports at the FILE:LINE:COL of the offending value (topology.where).
#pragma once

#include "diag/diagnostic.h"
#include "topology/topology.h"

namespace labgate {

// A rule that always matches at least what `later` matches (same pair): `later` is shadowed.
bool rule_covers(const PolicyRule& earlier, const PolicyRule& later);

void validate_zones(const Topology& topology, Diagnostics& diagnostics);

}  // namespace labgate
