// `labgate remove`: Delete labgate's nftables table and restore the sysctls it changed.
#include "cli/commands.h"
#include "cli/kernel_commands.h"

namespace labgate {
namespace {

void add_remove_command(CLI::App& app, int& exit_status) {
  add_live_datapath_command(app, exit_status, "remove",
                            "Delete labgate's nftables table and restore the sysctls it changed",
                            &KernelDatapath::remove);
}

}  // namespace

LABGATE_REGISTER_COMMAND(70, add_remove_command);

}  // namespace labgate
