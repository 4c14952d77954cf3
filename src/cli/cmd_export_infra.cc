// `labgate export terraform` and `labgate export talos [--node NAME] [--link IFACE]`: the IP plan
// for Terraform (labgate.auto.tfvars.json) and Talos 1.12 machine-config patches (k8s/infra.h),
// printed on stdout.
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/config_source.h"
#include "k8s/infra.h"

namespace labgate {
namespace {

struct ExportInfraOptions {
  std::string config;
  std::string node;
  std::string link = "eth0";
};

void add_export_infra_commands(CLI::App& app, int& exit_status) {
  CLI::App* exp = app.get_subcommand("export");
  auto* tf = exp->add_subcommand(
      "terraform", "labgate.auto.tfvars.json: hosts, prefix lengths, gateways, API VIP, pools");
  auto tfo = std::make_shared<ExportInfraOptions>();
  add_config_option(tf, tfo->config);
  tf->callback([tfo, &exit_status] {
    LoadedTopology loaded = load_for_command(tfo->config);
    exit_status = loaded.exit_status;
    if (loaded.plan) std::cout << k8s::render_tfvars(loaded.plan->nodes);
  });

  auto* talos = exp->add_subcommand(
      "talos",
      "Talos 1.12 network documents per node: LinkConfig, ResolverConfig, Layer2VIPConfig");
  auto to = std::make_shared<ExportInfraOptions>();
  add_config_option(talos, to->config);
  talos->add_option("--node", to->node, "print this node's patch only (default: every node)");
  talos->add_option("--link", to->link, "the nodes' network interface (default: eth0)");
  talos->callback([to, &exit_status] {
    LoadedTopology loaded = load_for_command(to->config);
    exit_status = loaded.exit_status;
    if (!loaded.plan) return;
    auto text = k8s::render_talos(loaded.plan->nodes, to->node, to->link);
    if (!text) {
      std::cerr << "labgate: error: there is no node named '" << to->node
                << "' (a host without held_by)\n";
      exit_status = kExitConfigError;
      return;
    }
    std::cout << *text;
  });
}

}  // namespace

LABGATE_REGISTER_COMMAND(92, add_export_infra_commands);

}  // namespace labgate
