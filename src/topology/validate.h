// Validation: the rules that relate the values of a loaded topology to each other.
//
// Contract: pure; reports every problem found (errors and warnings) in `diagnostics`, positioned
// with topology.where. Entities with ok=false are skipped, and references to them are not
// reported again. See docs/config.md for the list of rules.
#pragma once

#include "diag/diagnostic.h"
#include "topology/topology.h"

namespace labgate {

void validate(const Topology& topology, Diagnostics& diagnostics);

// The `apps` rules (validate_apps.cc), run by validate().
void validate_apps(const Topology& topology, Diagnostics& diagnostics);

}  // namespace labgate
