// `labgate show`: print the plan of a topology for a human (or, with --json, for a program).
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/config_source.h"
#include "show/json.h"
#include "show/text.h"

namespace labgate {

namespace {

void add_show_command(CLI::App& app, int& exit_status) {
  auto* cmd = app.add_subcommand(
      "show",
      "Print the plan: networks, address plan with free ranges, forwards, what each DNS name "
      "resolves to from each network, and a diagram");
  auto path = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  add_config_option(cmd, *path);
  cmd->add_flag("--json", *json, "print the plan as JSON (documented in docs/show-json.md)");
  cmd->callback([path, json, &exit_status] {
    LoadedTopology loaded = load_for_command(*path);
    exit_status = loaded.exit_status;
    if (!loaded.plan) return;
    if (*json)
      std::cout << show::render_json(*loaded.topology, *loaded.plan).dump(2) << "\n";
    else
      std::cout << show::render_text(*loaded.topology, *loaded.plan);
    std::cout.flush();
    if (!std::cout) exit_status = kExitFailure;
  });
}

}  // namespace

LABGATE_REGISTER_COMMAND(20, add_show_command);

}  // namespace labgate
