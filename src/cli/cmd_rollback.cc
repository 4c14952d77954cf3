// `labgate rollback`: Restore the state before the last apply or remove, at once.
#include "cli/commands.h"
#include "cli/kernel_commands.h"

namespace labgate {
namespace {

void add_rollback_command(CLI::App& app, int& exit_status) {
  add_live_datapath_command(app, exit_status, "rollback",
                            "Restore the state before the last apply or remove, at once",
                            &KernelDatapath::rollback);
}

}  // namespace

LABGATE_REGISTER_COMMAND(60, add_rollback_command);

}  // namespace labgate
