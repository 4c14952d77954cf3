// `labgate export interfaces` and `labgate export networkd`: the host side of a file with VLANs
// (plan/host_export.h, docs/zones.md). Added to the `export` command of cmd_export.cc (registered
// after it). Exit 2 for config errors, a file without VLANs or an unknown --host.
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/config_source.h"
#include "plan/host_export.h"

namespace labgate {
namespace {

struct ExportHostOptions {
  std::string config;
  ProxmoxExportOptions proxmox;
};

void add_export_host_commands(CLI::App& app, int& exit_status) {
  CLI::App* cmd = app.get_subcommand("export");
  auto* interfaces = cmd->add_subcommand(
      "interfaces",
      "The Proxmox host's /etc/network/interfaces for the file's VLANs, and each VM's VLAN tag");
  auto o = std::make_shared<ExportHostOptions>();
  add_config_option(interfaces, o->config);
  interfaces->add_option("--host", o->proxmox.host,
                         "the host of the file that is the Proxmox host (its address goes on the "
                         "bridge or its VLAN); default: no address");
  interfaces->add_option("--bridge-port", o->proxmox.bridge_port,
                         "the bridge's physical port, e.g. eno1 (default: none)");
  interfaces->callback([o, &exit_status] {
    LoadedTopology loaded = load_for_command(o->config);
    exit_status = loaded.exit_status;
    if (!loaded.plan) return;
    auto text = export_proxmox_interfaces(*loaded.plan, o->proxmox, loaded.source.name);
    if (!text) {
      std::cerr << "labgate: error: " << text.status().to_string() << "\n";
      exit_status = kExitConfigError;
      return;
    }
    std::cout << *text;
  });

  auto* networkd = cmd->add_subcommand(
      "networkd", "systemd-networkd .netdev and .network files for a Linux router of the file");
  auto n = std::make_shared<std::string>();
  add_config_option(networkd, *n);
  networkd->callback([n, &exit_status] {
    LoadedTopology loaded = load_for_command(*n);
    exit_status = loaded.exit_status;
    if (!loaded.plan) return;
    std::cout << export_networkd(*loaded.plan, loaded.source.name);
  });
}

}  // namespace

LABGATE_REGISTER_COMMAND(91, add_export_host_commands);

}  // namespace labgate
