#include "cli/kernel_commands.h"

#include <iostream>

#include "cli/config_source.h"
#include "kernel/state_dir.h"
#include "plan/nft_ruleset.h"

namespace labgate {

void add_state_dir_option(CLI::App* command, std::string& dir) {
  dir = kDefaultStateDir;
  command
      ->add_option("--state-dir", dir,
                   "where labgate keeps the previous state for rollback and remove")
      ->capture_default_str();
}

DesiredState desired_state_of(const Topology& topology, const std::string& source) {
  ForwardingPlan plan = compile_forwarding_plan(topology);
  return DesiredState{compile_nft_table(plan), plan.sysctls, source};
}

int report(const Outcome& outcome) {
  for (const auto& note : outcome.notes) std::cout << "labgate: " << note << "\n";
  return kExitOk;
}

int report_failure(const Status& status) {
  std::cerr << "labgate: error: " << status.to_string() << "\n";
  return kExitFailure;
}

}  // namespace labgate
