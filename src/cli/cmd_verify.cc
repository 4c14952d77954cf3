// `labgate verify`: every check the topology implies, as one table; exit 0 only if all pass.
// With --lab the checks run from a lab's nodes (see docs/lab.md); without it, on this machine as
// the gateway, and the checks only a lab can run are listed as "needs --lab".
#include <unistd.h>

#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/config_source.h"
#include "kernel/state_dir.h"
#include "lab/lab.h"
#include "plan/forwarding_plan.h"
#include "topology/loader.h"
#include "verify/checks.h"
#include "verify/runner.h"
#include "verify/zone_matrix.h"

namespace labgate {

namespace {

struct VerifyOptions {
  std::string path;
  std::string name;
  bool lab = false;
  bool json = false;
  std::string state_dir;
};

int run_verify(const VerifyOptions& o) {
  std::vector<Check> checks;
  if (o.lab) {
    if (geteuid() != 0) {
      std::cerr << "labgate verify --lab: must run as root: probes run inside the lab's network "
                   "namespaces (try: sudo labgate verify --lab)\n";
      return kExitFailure;
    }
    if (!is_lab_name(o.name)) {
      std::cerr << fmt::format(
          "labgate verify: lab name '{}' must be 1-12 lowercase letters or digits\n", o.name);
      return kExitFailure;
    }
    Result<LabState> state = read_lab_state(o.name);
    if (!state) {
      std::cerr << "labgate verify: " << state.status().to_string() << "\n";
      return kExitFailure;
    }
    // The lab's own copy of the file by default (read_lab_state loaded and compiled it): the
    // checks then match what was built.
    std::optional<Plan> plan;
    if (o.path.empty()) {
      plan = std::move(state->compiled);
    } else {
      LoadedTopology loaded = load_for_command(o.path);
      if (!loaded.plan) return loaded.exit_status;
      plan = std::move(loaded.plan);
    }
    checks = lab_checks(*plan, state->plan, lab_dir(o.name) + "/state");
  } else {
    LoadedTopology loaded = load_for_command(o.path);
    if (!loaded.plan) return loaded.exit_status;
    checks = live_checks(*loaded.topology, *loaded.plan, o.state_dir);
  }
  auto results = run_checks(checks, RunOptions{});
  if (o.json)
    print_json(results, std::cout);
  else {
    print_table(results, std::cout);
    print_policy_matrix(results, std::cout);
  }
  return all_passed(results) ? kExitOk : kExitFailure;
}

void add_verify_command(CLI::App& app, int& exit_status) {
  auto* cmd = app.add_subcommand(
      "verify", "Run every check the topology implies; print a table; exit 0 only if all pass");
  auto o = std::make_shared<VerifyOptions>();
  add_config_option(cmd, o->path);
  cmd->add_flag("--lab", o->lab, "run the checks from a lab's nodes (`labgate lab up` first)");
  cmd->add_option("--name", o->name, "the lab's name")->default_val(kLabDefaultName);
  cmd->add_flag("--json", o->json, "print the results as JSON");
  cmd->add_option("--state-dir", o->state_dir,
                  "without --lab: where `labgate apply` keeps its state (to tell a table changed "
                  "by hand from one applied from another plan)")
      ->default_val(kDefaultStateDir);
  cmd->callback([o, &exit_status] { exit_status = run_verify(*o); });
}

}  // namespace

LABGATE_REGISTER_COMMAND(90, add_verify_command);

}  // namespace labgate
