// `labgate show --json`: the same plan as render_text, as stable JSON for programs.
//
// The format is documented field by field in docs/show-json.md. Stability contract: within one
// schema_version, fields are never removed or renamed and their meaning never changes; new fields
// may be added. Every documented field is always present (null where it does not apply) except
// `zones`, present only for a file with `zones:` (so a file without prints what it did), keys
// keep the documented order, and arrays keep the order of the file (address plans: by address).
#pragma once

#include <nlohmann/json.hpp>

#include "plan/plan.h"
#include "topology/topology.h"

namespace labgate::show {

inline constexpr int kShowJsonSchemaVersion = 1;

nlohmann::ordered_json render_json(const Topology& topology, const Plan& plan);

}  // namespace labgate::show
