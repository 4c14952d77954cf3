// `labgate export dns`: print one network's view of the names, for Pi-hole, dnsmasq, a hosts file
// or a zone file (see dns/export.h). Exit 2 for config errors and unknown networks.
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/config_source.h"
#include "dns/export.h"

namespace labgate {
namespace {

struct ExportDnsOptions {
  std::string config;
  std::string format;
  std::string view;
};

void add_export_command(CLI::App& app, int& exit_status) {
  auto* cmd = app.add_subcommand("export", "Print configuration for other tools");
  cmd->require_subcommand(1);
  auto* dns = cmd->add_subcommand(
      "dns", "The DNS names as one network sees them: Pi-hole, dnsmasq, hosts or zone file");
  auto o = std::make_shared<ExportDnsOptions>();
  add_config_option(dns, o->config);
  dns->add_option("--format", o->format, "pihole, dnsmasq, hosts or zone")
      ->required()
      ->check(CLI::IsMember({"pihole", "dnsmasq", "hosts", "zone"}));
  dns->add_option("--view", o->view,
                  "the network whose clients' answers are printed (default: the uplink network)");
  dns->callback([o, &exit_status] {
    LoadedTopology loaded = load_for_command(o->config);
    exit_status = loaded.exit_status;
    if (!loaded.plan) return;
    auto text = dns::export_dns(loaded.plan->dns, *dns::parse_export_format(o->format), o->view);
    if (!text) {
      std::cerr << "labgate: error: " << text.error() << "\n";
      exit_status = kExitConfigError;
      return;
    }
    std::cout << *text;
  });
}

}  // namespace

LABGATE_REGISTER_COMMAND(90, add_export_command);

}  // namespace labgate
