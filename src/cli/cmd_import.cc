// `labgate import iptables|pihole`: read what the seed's host has today (hand-typed iptables
// rules, Pi-hole's local DNS records) and print the matching fragment of a labgate file. The
// parsing and the fragment are pure (importers/); this file reads the input and prints.
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <sstream>

#include "cli/commands.h"
#include "cli/config_source.h"
#include "importers/iptables_save.h"
#include "importers/pihole.h"

namespace labgate {
namespace {

struct ImportOptions {
  std::string file;
  std::vector<std::string> networks;
  std::vector<std::string> services;
  std::string zone;
  std::string format = "auto";
};

constexpr size_t kMaxInput = 16u << 20;

// Reads FILE, or stdin for "-"; prints an error and returns nullopt on failure.
std::optional<std::string> read_input(const std::string& path) {
  std::string text;
  if (path == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), {});
  } else {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      std::cerr << "labgate: error: cannot read " << path << "\n";
      return std::nullopt;
    }
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  if (text.size() > kMaxInput) {
    std::cerr << "labgate: error: " << path << " is larger than 16 MiB\n";
    return std::nullopt;
  }
  return text;
}

bool read_names(const ImportOptions& o, importers::ImportNames* names) {
  std::string error;
  for (const auto& s : o.networks) {
    if (!importers::add_name_mapping(s, names->networks, &error)) {
      std::cerr << "labgate: error: --network " << error << "\n";
      return false;
    }
  }
  for (const auto& s : o.services) {
    if (!importers::add_name_mapping(s, names->services, &error)) {
      std::cerr << "labgate: error: --service " << error << "\n";
      return false;
    }
  }
  if (!o.zone.empty()) names->zone = o.zone;
  return true;
}

void add_service_option(CLI::App* cmd, ImportOptions& o) {
  cmd->add_option("--service", o.services,
                  "ADDRESS=NAME: the name of the service at ADDRESS (default: svc-A-B-C-D)");
}

void add_import_command(CLI::App& app, int& exit_status) {
  auto* cmd = app.add_subcommand(
      "import", "Print the labgate file fragment for today's iptables rules or Pi-hole records");
  cmd->require_subcommand(1);

  auto ipt = std::make_shared<ImportOptions>();
  auto* iptables = cmd->add_subcommand(
      "iptables", "iptables-save output or iptables commands -> networks, services and forwards");
  iptables->add_option("file", ipt->file, "the rules (iptables-save > FILE), or - for stdin")
      ->default_val("-");
  iptables->add_option("--network", ipt->networks,
                       "KEY=NAME: the name of the network with interface or subnet KEY (default: "
                       "the interface's name)");
  add_service_option(iptables, *ipt);
  iptables->callback([ipt, &exit_status] {
    importers::ImportNames names;
    if (!read_names(*ipt, &names)) {
      exit_status = kExitFailure;
      return;
    }
    auto text = read_input(ipt->file);
    if (!text) {
      exit_status = kExitFailure;
      return;
    }
    std::string source = ipt->file == "-" ? "<stdin>" : ipt->file;
    importers::ImportError error;
    auto input = importers::parse_iptables(*text, &error);
    if (!input) {
      std::cerr << importers::format_import_error(source, error) << "\n";
      exit_status = kExitConfigError;
      return;
    }
    std::cout << importers::write_fragment(importers::import_iptables(*input, names, source));
  });

  auto ph = std::make_shared<ImportOptions>();
  auto* pihole = cmd->add_subcommand(
      "pihole", "Pi-hole's custom.list or pihole.toml (dns.hosts) -> dns names");
  pihole->add_option("file", ph->file, "custom.list, pihole.toml, or - for stdin")->required();
  pihole
      ->add_option("--format", ph->format,
                   "auto (by the name, then the content), list (custom.list) or toml")
      ->check(CLI::IsMember({"auto", "list", "toml"}));
  pihole->add_option("--zone", ph->zone,
                     "the zone of the names (default: the last label most names share)");
  add_service_option(pihole, *ph);
  pihole->callback([ph, &exit_status] {
    importers::ImportNames names;
    if (!read_names(*ph, &names)) {
      exit_status = kExitFailure;
      return;
    }
    auto text = read_input(ph->file);
    if (!text) {
      exit_status = kExitFailure;
      return;
    }
    std::string source = ph->file == "-" ? "<stdin>" : ph->file;
    auto format = ph->format == "toml"   ? importers::PiholeFormat::kToml
                  : ph->format == "list" ? importers::PiholeFormat::kCustomList
                                         : importers::detect_pihole_format(ph->file, *text);
    importers::ImportError error;
    auto records = format == importers::PiholeFormat::kToml
                       ? importers::parse_pihole_toml(*text, &error)
                       : importers::parse_custom_list(*text, &error);
    if (!records) {
      std::cerr << importers::format_import_error(source, error) << "\n";
      exit_status = kExitConfigError;
      return;
    }
    std::cout << importers::write_fragment(importers::import_pihole(*records, names, source));
  });
}

}  // namespace

LABGATE_REGISTER_COMMAND(95, add_import_command);

}  // namespace labgate
