// Compiling a ForwardingPlan into an iptables-restore file, for hosts that stay on iptables.
//
// The file declares and fills labgate's own chains (LABGATE-PREROUTING, LABGATE-OUTPUT,
// LABGATE-POSTROUTING in nat; LABGATE-FORWARD in filter) and is meant for
// `iptables-restore --noflush`: declaring a chain flushes it, so re-applying replaces labgate's
// rules and touches no other chain. The jumps from the builtin chains are not in the file,
// because --noflush would append a duplicate jump on every run; the header gives the one-time,
// idempotent `iptables -C ... || iptables -I ...` commands that add them.
//
// It is the same policy as nft_ruleset.h, written the iptables way: one DNAT rule per forward
// (linear, unlike nftables' maps), SNAT of `snat: true` forwards matched by the original
// destination (conntrack --ctorigdst/--ctorigdstport), hairpin reflection, masquerade. One
// difference: ACCEPT in LABGATE-FORWARD ends the FORWARD chain for that packet, whereas an nft
// accept only ends labgate's own chain.
//
// Contract: pure and deterministic.
#pragma once

#include <string>
#include <string_view>

#include "plan/forwarding_plan.h"

namespace labgate {

std::string compile_iptables_restore(const ForwardingPlan& plan, std::string_view source_name);

}  // namespace labgate
