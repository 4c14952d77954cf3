// The subcommands of the labgate command line.
//
// Each cli/cmd_*.cc registers one subcommand with LABGATE_REGISTER_COMMAND(order, function): the
// function adds the subcommand to `app` and, when it runs, stores its exit status in
// `exit_status`. `order` sets the order of `labgate --help` (check 10, show 20, plan 30, ...).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace labgate {

using AddCommand = void (*)(CLI::App& app, int& exit_status);

struct CommandRegistration {
  CommandRegistration(int order, AddCommand add);
};

// All registered commands, in `order`.
std::vector<AddCommand> registered_commands();

#define LABGATE_REGISTER_COMMAND(order, function)                                            \
  static const ::labgate::CommandRegistration labgate_command_registration_##function(order, \
                                                                                      function)

// Adds the shared `-c,--config FILE` option to a subcommand.
inline void add_config_option(CLI::App* command, std::string& path) {
  command->add_option("-c,--config", path,
                      "topology file (default: /etc/labgate/labgate.yaml if it exists, else the "
                      "built-in seed topology)");
}

}  // namespace labgate
