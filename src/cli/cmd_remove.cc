// `labgate remove`: Delete labgate's nftables table and restore the sysctls it changed.
#include <memory>

#include "cli/commands.h"
#include "cli/kernel_commands.h"
#include "kernel/nftables_ruleset.h"
#include "kernel/sysctls.h"

namespace labgate {
namespace {

void add_remove_command(CLI::App& app, int& exit_status) {
  auto* cmd = app.add_subcommand(
      "remove", "Delete labgate's nftables table and restore the sysctls it changed");
  auto state_dir = std::make_shared<std::string>();
  add_state_dir_option(cmd, *state_dir);
  cmd->callback([state_dir, &exit_status] {
    auto ruleset = make_nftables_ruleset();
    ProcSysctls sysctls;
    StateDir state(*state_dir);
    KernelDatapath datapath(*ruleset, sysctls, state);
    Outcome outcome;
    Status s = datapath.remove(&outcome);
    exit_status = s.ok() ? report(outcome) : report_failure(s);
  });
}

}  // namespace

LABGATE_REGISTER_COMMAND(70, add_remove_command);

}  // namespace labgate
