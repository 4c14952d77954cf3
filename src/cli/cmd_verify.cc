// `labgate verify`: every check the topology implies, as one table; exit 0 only if all pass.
// With --lab the checks run from a lab's nodes (see docs/lab.md); without it, on this machine as
// the gateway, and the checks only a lab can run are listed as "needs --lab". With --save the
// results (as --json prints them, with the time) also go to a file, by default the state
// directory's verify-last.json, where `labgate run`'s status page finds them.
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/config_source.h"
#include "kernel/state_dir.h"
#include "lab/lab.h"
#include "plan/forwarding_plan.h"
#include "status/queries_json.h"
#include "status/status_json.h"
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
  bool save = false;
  std::string save_file;  // empty: the state directory's kSavedVerifyFile
};

// Writes the results with the time; false after saying why not.
bool save_results(const VerifyOptions& o, const std::vector<CheckResult>& results) {
  const int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  nlohmann::ordered_json j;
  j["time"] = status::iso_time(now);
  j["time_unix"] = now / 1000000000;
  const nlohmann::ordered_json checks = results_json(results);
  for (auto it = checks.begin(); it != checks.end(); ++it) j[it.key()] = *it;
  const std::string text = j.dump(2) + "\n";
  Status written = Status::ok_status();
  std::string where = o.save_file;
  if (where.empty()) {
    StateDir dir(o.state_dir);
    where = dir.file(status::kSavedVerifyFile);
    written = dir.ensure();
    if (written.ok()) written = dir.write_atomic(status::kSavedVerifyFile, text);
  } else {
    std::ofstream out(where, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) written = Status::error(fmt::format("cannot write {}", where));
  }
  if (!written.ok()) {
    std::cerr << "labgate verify --save: " << written.to_string() << "\n";
    return false;
  }
  std::cerr << "saved the results to " << where << "\n";
  return true;
}

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
  if (o.save && !save_results(o, results)) return kExitFailure;
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
  cmd->add_option("--save", o->save_file,
                  "also write the results as JSON, with the time, to FILE (default: "
                  "verify-last.json in the state directory, which `labgate run`'s status page "
                  "shows)")
      ->expected(0, 1)
      ->type_name("[FILE]");
  cmd->add_option("--state-dir", o->state_dir,
                  "without --lab: where `labgate apply` keeps its state (to tell a table changed "
                  "by hand from one applied from another plan)")
      ->default_val(kDefaultStateDir);
  cmd->callback([o, cmd, &exit_status] {
    o->save = cmd->count("--save") > 0;
    exit_status = run_verify(*o);
  });
}

}  // namespace

LABGATE_REGISTER_COMMAND(90, add_verify_command);

}  // namespace labgate
