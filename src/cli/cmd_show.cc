// `labgate show`: print the plan of a topology for a human (or, with --json, for a program; with
// --format svg, as a picture).
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/config_source.h"
#include "show/json.h"
#include "show/svg.h"
#include "show/text.h"

namespace labgate {

namespace {

void add_show_command(CLI::App& app, int& exit_status) {
  auto* cmd = app.add_subcommand(
      "show",
      "Print the plan: networks, zones with the policy between them (with `zones:`), address "
      "plan with free ranges, forwards, what each DNS name resolves to from each network, and a "
      "diagram");
  auto path = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  auto format = std::make_shared<std::string>("text");
  add_config_option(cmd, *path);
  cmd->add_flag("--json", *json, "print the plan as JSON (the same as --format json)");
  cmd->add_option("--format", *format,
                  "text (default), json (documented in docs/show-json.md) or svg (the topology "
                  "as a self-contained picture, as the status page shows it)")
      ->check(CLI::IsMember({"text", "json", "svg"}));
  cmd->callback([path, json, format, &exit_status] {
    LoadedTopology loaded = load_for_command(*path);
    exit_status = loaded.exit_status;
    if (!loaded.plan) return;
    if (*json || *format == "json")
      std::cout << show::render_json(*loaded.topology, *loaded.plan).dump(2) << "\n";
    else if (*format == "svg")
      std::cout << show::render_svg(*loaded.plan);
    else
      std::cout << show::render_text(*loaded.topology, *loaded.plan);
    std::cout.flush();
    if (!std::cout) exit_status = kExitFailure;
  });
}

}  // namespace

LABGATE_REGISTER_COMMAND(20, add_show_command);

}  // namespace labgate
