// The kernel datapath's life cycle: apply, confirm, rollback, remove, and comparing a plan with
// what is live. The policy lives here; the kernel, /proc/sys and the disk sit behind Ruleset,
// Sysctls and StateDir, so this is unit-tested with fakes and integration-tested for real.
//
// Invariants:
// - labgate only ever changes `table inet labgate` (through the replace preamble of
//   nft_ruleset.h, in one transaction) and the sysctls of its plan. Other tables are never named.
// - Every change is checked (dry-run) before it is made, and made in one transaction: the live
//   ruleset is the old one or the new one, never a mix. A failure leaves the live state as it was.
// - Re-applying what is live changes nothing, not even the kernel's generation counter.
// - Every method that changes something holds the state directory's lock throughout.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "diag/status.h"
#include "kernel/ruleset.h"
#include "kernel/state_dir.h"
#include "kernel/sysctls.h"
#include "plan/forwarding_plan.h"

namespace labgate {

// What labgate wants live.
struct DesiredState {
  std::string table;            // compile_nft_table()
  std::vector<Sysctl> sysctls;  // ForwardingPlan::sysctls
  std::string source;           // the topology file, for the records
};

// What a command did, for the user: one line per change.
struct Outcome {
  bool changed = false;
  std::vector<std::string> notes;
};

// How the live table relates to a plan.
struct LiveComparison {
  enum class Kind {
    kNoTable,             // no labgate table is live
    kIdentical,           // the live table is what this plan installs
    kDiffersFromApplied,  // the live table is what labgate last applied, from another plan
    kDrifted,             // the live table is not what labgate last applied (or no record)
  };
  Kind kind = Kind::kNoTable;
  std::string diff;  // unified diff for the two "differs" kinds
};

class KernelDatapath {
 public:
  KernelDatapath(Ruleset& ruleset, Sysctls& sysctls, StateDir& state)
      : ruleset_(ruleset), sysctls_(sysctls), state_(state) {}

  // Makes `desired` live, recording the state before it (for rollback) and the sysctl values
  // before labgate first changed them (for remove). Refuses while a confirm is pending for a
  // different state.
  Status apply(const DesiredState& desired, Outcome* outcome);

  // Records that the last apply must be confirmed by the timer process `timer_pid` within
  // `seconds`.
  Status start_pending_confirm(pid_t timer_pid, int seconds);
  // Keeps the last apply: stops its timer.
  Status confirm(Outcome* outcome);
  // Restores the state before the last apply (or remove) at once; stops a pending timer.
  Status rollback(Outcome* outcome);
  // What the timer runs when it expires: rolls back iff `timer_pid` is still the pending timer
  // (confirm and rollback remove the record under the lock, so a late timer does nothing).
  Status rollback_if_unconfirmed(pid_t timer_pid, Outcome* outcome);
  // Deletes labgate's table and restores the sysctls labgate changed; stops a pending timer.
  Status remove(Outcome* outcome);

  // Compares the live table with `table`. Reads only; needs no lock.
  Status compare(const std::string& table, LiveComparison* comparison);

 private:
  Status read_sysctls(const std::vector<std::string>& names,
                      std::vector<std::pair<std::string, std::string>>* values);
  Status restore(const std::optional<std::string>& table,
                 const std::vector<std::pair<std::string, std::string>>& sysctls, Outcome* outcome);
  Status rollback_locked(Outcome* outcome);
  Status cancel_pending(Outcome* outcome);

  Ruleset& ruleset_;
  Sysctls& sysctls_;
  StateDir& state_;
};

// The batch that makes `table` (a `table inet labgate {...}` text, or nullopt for none) live.
std::string replace_script(const std::optional<std::string>& table);

}  // namespace labgate
