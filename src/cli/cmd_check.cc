// `labgate check`: validate a topology file and report every problem in it.
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/config_source.h"

namespace labgate {

namespace {

void add_check_command(CLI::App& app, int& exit_status) {
  auto* cmd = app.add_subcommand("check", "Validate a topology file; exit 2 if it has errors");
  auto path = std::make_shared<std::string>();
  add_config_option(cmd, *path);
  cmd->callback([path, &exit_status] {
    // Validation only: the plan of a valid file cannot fail, so check does not compile it.
    LoadedTopology loaded = load_for_command(*path, /*compile_plan=*/false);
    exit_status = loaded.exit_status;
    if (!loaded.topology) return;
    const Topology& t = *loaded.topology;
    std::cout << fmt::format(
        "{}: ok: {} networks, {} hosts, {} pools, {} services, {} forwards, {} DNS names, {} apps"
        "{}\n",
        loaded.source.name, t.networks.size(), t.hosts.size(), t.pools.size(), t.services.size(),
        t.forwards.size(), t.zone_names().size(), t.apps.size(),
        loaded.warnings ? fmt::format(" ({} warning(s))", loaded.warnings) : "");
  });
}

}  // namespace

LABGATE_REGISTER_COMMAND(10, add_check_command);

}  // namespace labgate
