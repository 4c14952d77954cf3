// The zone filter of `table inet labgate` (docs/zones.md), compiled from a PolicyPlan with
// explicit zones; nft_ruleset.cc places the parts.
//
// Shape:
// - map zone_forward (ifname . ifname : verdict): one element per ordered pair of zone
//   interfaces. A pair that accepts everything maps to accept, one with nothing to accept to drop
//   (or to its logging chain), the others to `jump fwd_FROM_TO`, a chain holding the pair's rules
//   in file order and then the drop. Intra-zone pairs (both interfaces in one zone, or the same
//   interface) map to the zone's `intra`. The cost per new connection is one hash lookup and the
//   rules of one pair, whatever the number of zones.
// - the forward chain dispatches through the map after established/related and DNAT'd flows;
//   what enters or leaves a zone interface without a pair (another interface of the host) is
//   dropped.
// - map zone_input (ifname : verdict) and chain input: traffic to the gateway itself from a zone
//   interface jumps to `in_ZONE`: the gateway's services open on that interface (DNS, proxy
//   listeners), then the zone's rules `to: gateway`, then the drop. Other interfaces (lo, ...)
//   are not filtered.
// - with policies.log, each drop of a new connection is logged first through nflog
//   (`log group N`), rate-limited per chain.
//
// Contract: pure and deterministic; names and comments pass plan/text_quote.h.
#pragma once

#include <string>

#include "plan/policy_plan.h"

namespace labgate {

// `map zone_forward` and `map zone_input`, each tab-indented inside the table.
std::string nft_zone_maps(const PolicyPlan& policy);
// The rules of the forward chain after DNAT'd flows: the dispatch and the drop of the rest.
std::string nft_zone_forward_rules(const PolicyPlan& policy);
// chain input, chains in_ZONE and fwd_FROM_TO.
std::string nft_zone_chains(const PolicyPlan& policy);

// The nft chain of a pair ("fwd_users_servers", "in_users").
std::string nft_pair_chain(const std::string& from, const std::string& to);

}  // namespace labgate
