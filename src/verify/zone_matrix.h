// The policy matrix of a file with zones (docs/zones.md): which checks prove, in a lab, that every
// pair of zones passes exactly what the policy says, and how their results print as a matrix.
//
// Sources: the client of every network, and every host node whose address a rule names as its
// source (the management host). Targets, from each source:
//   - every port of every service on another network: a lab server answers where the policy
//     allows it (seeing the source's own address, or the uplink's where it is masqueraded), and
//     nothing comes back where it does not;
//   - a port nothing listens on (kClosedPort), at the client of every other network: allowed, the
//     kernel there refuses it (the packet crossed the router); denied, silence;
//   - "the internet" (the upstream's documentation address, TCP 443) from networks that
//     masquerade;
//   - the gateway itself at its address on the source's network: DNS (TCP 53) where the file
//     serves it, every port a rule `to: gateway` names, and kClosedPort.
// Names: zone/<from zone>><to zone>/<source node>/<target>, e.g.
// zone/users>servers/client-users/ingress:https.
//
// Pure: derived from the Plan and the LabPlan, nothing else.
#pragma once

#include <ostream>
#include <vector>

#include "plan/lab_plan.h"
#include "plan/plan.h"
#include "verify/checks.h"
#include "verify/runner.h"

namespace labgate {

inline constexpr uint16_t kClosedPort = 9;  // discard: no lab node serves it

// The matrix's checks; empty without explicit zones.
std::vector<Check> zone_matrix_checks(const Plan& plan, const LabPlan& lab);

// The matrix cells of `results` as a grid: a row per source, a column per target. A cell reads
// "allow" or "deny" where observed and expected agree, "ALLOW!" or "DENY!" (what was observed)
// where they do not, "." where the source has no such target. Prints nothing without cells.
void print_policy_matrix(const std::vector<CheckResult>& results, std::ostream& out);

}  // namespace labgate
