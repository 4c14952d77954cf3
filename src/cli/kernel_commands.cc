#include "cli/kernel_commands.h"

#include <iostream>
#include <memory>

#include "cli/config_source.h"
#include "kernel/nftables_ruleset.h"
#include "kernel/state_dir.h"
#include "kernel/sysctls.h"
#include "plan/nft_ruleset.h"

namespace labgate {

void add_state_dir_option(CLI::App* command, std::string& dir) {
  dir = kDefaultStateDir;
  command
      ->add_option("--state-dir", dir,
                   "where labgate keeps the previous state for rollback and remove")
      ->capture_default_str();
}

DesiredState desired_state_of(const Plan& plan, const std::string& source) {
  return DesiredState{compile_nft_table(plan.forwarding, plan.policy), plan.forwarding.sysctls,
                      source};
}

int report(const Outcome& outcome) {
  for (const auto& note : outcome.notes) std::cout << "labgate: " << note << "\n";
  return kExitOk;
}

int report_failure(const Status& status) {
  std::cerr << "labgate: error: " << status.to_string() << "\n";
  return kExitFailure;
}

int run_on_live_datapath(const std::string& state_dir, DatapathAction action) {
  auto ruleset = make_nftables_ruleset();
  ProcSysctls sysctls;
  StateDir state(state_dir);
  KernelDatapath datapath(*ruleset, sysctls, state);
  Outcome outcome;
  Status s = (datapath.*action)(&outcome);
  return s.ok() ? report(outcome) : report_failure(s);
}

void add_live_datapath_command(CLI::App& app, int& exit_status, const std::string& name,
                               const std::string& description, DatapathAction action) {
  auto* cmd = app.add_subcommand(name, description);
  auto state_dir = std::make_shared<std::string>();
  add_state_dir_option(cmd, *state_dir);
  cmd->callback([state_dir, action, &exit_status] {
    exit_status = run_on_live_datapath(*state_dir, action);
  });
}

}  // namespace labgate
