// `labgate rollback`: Restore the state before the last apply or remove, at once.
#include <memory>

#include "cli/commands.h"
#include "cli/kernel_commands.h"
#include "kernel/nftables_ruleset.h"
#include "kernel/sysctls.h"

namespace labgate {
namespace {

void add_rollback_command(CLI::App& app, int& exit_status) {
  auto* cmd =
      app.add_subcommand("rollback", "Restore the state before the last apply or remove, at once");
  auto state_dir = std::make_shared<std::string>();
  add_state_dir_option(cmd, *state_dir);
  cmd->callback([state_dir, &exit_status] {
    auto ruleset = make_nftables_ruleset();
    ProcSysctls sysctls;
    StateDir state(*state_dir);
    KernelDatapath datapath(*ruleset, sysctls, state);
    Outcome outcome;
    Status s = datapath.rollback(&outcome);
    exit_status = s.ok() ? report(outcome) : report_failure(s);
  });
}

}  // namespace

LABGATE_REGISTER_COMMAND(60, add_rollback_command);

}  // namespace labgate
