// Compiling a ForwardingPlan into nftables text: one table, `table inet labgate`, that labgate
// owns entirely and replaces as a whole.
//
// Design (see docs/kernel.md):
// - DNAT goes through data maps keyed by (listening address . port), one per protocol, so the
//   per-packet cost is one hash lookup however many forwards there are. The maps serve a
//   prerouting chain (traffic through the gateway) and an output chain (the gateway itself).
// - A named counter per kernel forward (`counter fwd_lan_80_tcp`), found through a map keyed like
//   the DNAT maps and bumped first in the forward chain for every packet, both directions, of a
//   DNAT'ed flow: `labgate run` reads them for the metrics (docs/observability.md).
// - A forward chain (filter, policy accept: labgate does not own the host's other traffic) accepts
//   replies and DNAT'ed flows, the egress of masquerading networks to the uplink, and drops new
//   connections into networks whose inbound policy is drop.
// - A postrouting chain SNATs the forwards marked `snat: true` (through a map keyed by the flow's
//   ORIGINAL destination, i.e. the listener, so it applies to exactly those forwards), reflects
//   hairpin flows (a DNAT'ed flow whose client shares the backend's subnet is SNAT'd to the
//   gateway's address there), and masquerades networks out of the uplink. Other flows keep the
//   client's address.
//
// Contract: pure and deterministic; the same plan gives byte-identical text. Elements and rules
// follow the file's order. Every interface name, comment and file name is written through
// plan/text_quote.h: an interface name outside [A-Za-z0-9._-] throws UnsafeText, never reaches
// the text.
#pragma once

#include <string>
#include <string_view>

#include "plan/forwarding_plan.h"

namespace labgate {

inline constexpr const char* kNftFamily = "inet";
inline constexpr const char* kNftTable = "labgate";

// `table inet labgate { ... }` and nothing else: what `labgate apply` installs.
std::string compile_nft_table(const ForwardingPlan& plan);

// The complete script: a header of comments (the source and the sysctls labgate sets besides
// the ruleset), then the batch labgate applies as one transaction: create the table if absent,
// delete it, and define it afresh. `nft -f` of this text does what `labgate apply` does to the
// ruleset, any number of times, without touching other tables.
std::string compile_nft_script(const ForwardingPlan& plan, std::string_view source_name);

// The name of a kernel forward's counter object, e.g. "fwd_lan_80_tcp".
std::string nft_forward_counter_name(const ResolvedForward& forward);

// The replace preamble alone ("table inet labgate {}\ndelete table inet labgate\n"), for callers
// that build the batch themselves.
std::string nft_replace_preamble();

}  // namespace labgate
