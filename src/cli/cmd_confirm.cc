// `labgate confirm`: Keep the last apply made with --confirm (stops its rollback timer).
#include "cli/commands.h"
#include "cli/kernel_commands.h"

namespace labgate {
namespace {

void add_confirm_command(CLI::App& app, int& exit_status) {
  add_live_datapath_command(app, exit_status, "confirm",
                            "Keep the last apply made with --confirm (stops its rollback timer)",
                            &KernelDatapath::confirm);
}

}  // namespace

LABGATE_REGISTER_COMMAND(50, add_confirm_command);

}  // namespace labgate
