// Ruleset through libnftables, in process (no `nft` binary, no shell).
//
// Each call uses a fresh nft context with buffered output and errors, so nothing is printed and
// errors become Status values. libnftables sends a whole buffer to the kernel as one netlink
// batch, which the kernel commits atomically; check() sets dry-run mode, in which the kernel
// validates the batch and then aborts it.
#pragma once

#include <memory>

#include "kernel/ruleset.h"

namespace labgate {

std::unique_ptr<Ruleset> make_nftables_ruleset();

// Turns libnftables' error text into a one-line Status with a hint: missing privilege, missing
// kernel support, or a ruleset the kernel (or parser) refused. `action` says what was attempted,
// e.g. "check the ruleset"; `script`, when given, is the input, to name the refused line.
// Exposed for tests.
Status nft_error_status(const std::string& action, const std::string& error_text,
                        const std::string& script = {});

}  // namespace labgate
