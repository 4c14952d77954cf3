// `labgate apply`: make the topology's ruleset and sysctls live, atomically; optionally roll back
// by itself unless confirmed (`--confirm SECONDS`, like `commit confirmed`).
//
// Contract kept for the lab and the boot unit: `labgate apply -c FILE --state-dir DIR` changes
// only the current network namespace's `table inet labgate` and sysctls; exit 0 when the live
// state matches the file (whether or not anything had to change), 1 when the system refused (the
// live state is then as before), 2 when the file has errors.
#include <syslog.h>
#include <unistd.h>

#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/config_source.h"
#include "cli/kernel_commands.h"
#include "kernel/confirm_timer.h"
#include "kernel/nftables_ruleset.h"
#include "kernel/sysctls.h"

namespace labgate {
namespace {

// Runs in the detached timer process when the confirm window ends; its exit status. A failed
// rollback (a damaged state file among the causes) is logged at error level to the system log
// (the journal: its stdio is /dev/null) besides confirm.log, and exits 1.
int roll_back_unless_confirmed(const std::string& state_dir) {
  auto ruleset = make_nftables_ruleset();
  ProcSysctls sysctls;
  StateDir state(state_dir);
  KernelDatapath datapath(*ruleset, sysctls, state);
  Outcome outcome;
  Status s = datapath.rollback_if_unconfirmed(getpid(), &outcome);
  if (s.ok()) return kExitOk;
  openlog("labgate", LOG_PID, LOG_DAEMON);
  syslog(LOG_ERR, "confirm timer: the unconfirmed apply was NOT rolled back: %s",
         s.to_string().c_str());
  closelog();
  return kExitFailure;
}

void add_apply_command(CLI::App& app, int& exit_status) {
  auto* cmd = app.add_subcommand(
      "apply", "Replace labgate's nftables table and set its sysctls, in one transaction");
  struct Options {
    std::string config, state_dir;
    int confirm = 0;
  };
  auto opts = std::make_shared<Options>();
  add_config_option(cmd, opts->config);
  add_state_dir_option(cmd, opts->state_dir);
  cmd->add_option("--confirm", opts->confirm,
                  "roll back by itself after SECONDS unless `labgate confirm` runs")
      ->check(CLI::Range(1, 24 * 3600));
  cmd->callback([opts, &exit_status] {
    LoadedTopology loaded = load_for_command(opts->config);
    exit_status = loaded.exit_status;
    if (!loaded.plan) return;
    auto ruleset = make_nftables_ruleset();
    ProcSysctls sysctls;
    StateDir state(opts->state_dir);
    KernelDatapath datapath(*ruleset, sysctls, state);
    Outcome outcome;
    if (Status s = datapath.apply(desired_state_of(*loaded.plan, loaded.source.name), &outcome);
        !s.ok()) {
      exit_status = report_failure(s);
      return;
    }
    report(outcome);
    if (opts->confirm == 0) return;
    if (!outcome.changed) {
      std::cout << "labgate: nothing changed, so no confirm timer was started\n";
      return;
    }
    std::string dir = opts->state_dir;
    pid_t timer = -1;
    Status s = start_confirm_timer(
        opts->confirm, [dir] { return roll_back_unless_confirmed(dir); }, &timer);
    if (s.ok()) s = datapath.start_pending_confirm(timer, opts->confirm);
    if (!s.ok()) {
      // Without a timer the promise of --confirm cannot be kept: undo at once.
      Outcome undo;
      datapath.rollback(&undo);
      exit_status =
          report_failure(Status::error(s.message() + "; the apply was rolled back", s.hint()));
      return;
    }
    std::cout << fmt::format(
        "labgate: will roll back in {} s unless `labgate confirm{}` runs (timer pid {})\n",
        opts->confirm, opts->state_dir == kDefaultStateDir ? "" : " --state-dir " + opts->state_dir,
        timer);
  });
}

}  // namespace

LABGATE_REGISTER_COMMAND(40, add_apply_command);

}  // namespace labgate
