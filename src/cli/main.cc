// labgate: one declarative file -> a validated homelab gateway. See README.md.
#include <iostream>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/version.h"

int main(int argc, char** argv) {
  CLI::App app{"labgate: a declarative gateway for homelab clusters"};
  app.set_version_flag("--version", std::string("labgate ") + LABGATE_VERSION);
  app.require_subcommand(1);
  int exit_status = 0;
  for (auto add : labgate::registered_commands()) add(app, exit_status);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return exit_status;
}
