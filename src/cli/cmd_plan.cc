// `labgate plan`: print the ruleset a topology compiles to and how it differs from what is live.
//
// The output is a valid `nft -f` script (or iptables-restore file): the comparison with the live
// table follows as '#' comment lines, so `labgate plan | nft -f -` still works.
#include <iostream>
#include <memory>
#include <sstream>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/config_source.h"
#include "cli/kernel_commands.h"
#include "kernel/nftables_ruleset.h"
#include "kernel/sysctls.h"
#include "plan/iptables_ruleset.h"
#include "plan/migration.h"
#include "plan/nft_ruleset.h"

namespace labgate {
namespace {

std::string as_comments(const std::string& text) {
  std::string out;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) out += "# " + line + "\n";
  return out;
}

std::string live_comparison(const std::string& table, const std::string& state_dir) {
  auto ruleset = make_nftables_ruleset();
  ProcSysctls sysctls;
  StateDir state(state_dir);
  KernelDatapath datapath(*ruleset, sysctls, state);
  LiveComparison c;
  if (Status s = datapath.compare(table, &c); !s.ok())
    return fmt::format("# live: not read: {}\n", s.to_string());
  switch (c.kind) {
    case LiveComparison::Kind::kNoTable:
      return "# live: no labgate table\n";
    case LiveComparison::Kind::kIdentical:
      return "# live: identical\n";
    case LiveComparison::Kind::kDiffersFromApplied:
      return "# live: differs; `labgate apply` would change:\n" + as_comments(c.diff);
    case LiveComparison::Kind::kDrifted:
      return "# live: differs from what labgate last applied (changed by hand, or applied with "
             "another --state-dir); as nft lists it:\n" +
             as_comments(c.diff);
  }
  return "";
}

void add_plan_command(CLI::App& app, int& exit_status) {
  auto* cmd = app.add_subcommand(
      "plan", "Print the kernel ruleset the topology compiles to, and its diff with what is live");
  struct Options {
    std::string config, format = "nft", state_dir, from;
  };
  auto opts = std::make_shared<Options>();
  add_config_option(cmd, opts->config);
  cmd->add_option("--format", opts->format, "nft (default) or iptables (an iptables-restore file)")
      ->check(CLI::IsMember({"nft", "iptables"}));
  add_state_dir_option(cmd, opts->state_dir);
  cmd->add_option("--from", opts->from,
                  "another topology file (today's): print what changes from it to this one "
                  "(networks, addresses, DNS answers, access, ruleset) instead of the ruleset");
  cmd->callback([opts, &exit_status] {
    LoadedTopology loaded = load_for_command(opts->config);
    exit_status = loaded.exit_status;
    if (!loaded.plan) return;
    if (!opts->from.empty()) {
      LoadedTopology today = load_for_command(opts->from);
      if (!today.plan) {
        exit_status = today.exit_status;
        return;
      }
      std::cout << migration_report({*today.topology, *today.plan, today.source.name},
                                    {*loaded.topology, *loaded.plan, loaded.source.name});
      return;
    }
    const ForwardingPlan& plan = loaded.plan->forwarding;
    if (opts->format == "iptables") {
      if (loaded.plan->policy.explicit_zones) {
        std::cerr << "labgate: zones and policies compile to nftables only; use --format nft\n";
        exit_status = kExitConfigError;
        return;
      }
      std::cout << compile_iptables_restore(plan, loaded.source.name);
      return;
    }
    const PolicyPlan& policy = loaded.plan->policy;
    std::cout << compile_nft_script(plan, policy, loaded.source.name);
    std::cout << live_comparison(compile_nft_table(plan, policy), opts->state_dir);
  });
}

}  // namespace

LABGATE_REGISTER_COMMAND(30, add_plan_command);

}  // namespace labgate
