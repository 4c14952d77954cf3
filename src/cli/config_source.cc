#include "cli/config_source.h"

#include <fstream>
#include <iostream>
#include <sstream>
#include <system_error>

#include <fmt/format.h>

#include "topology/loader.h"
#include "topology/seed.h"

namespace labgate {
namespace {

std::optional<std::string> read_file(const std::string& path, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = fmt::format("{}: cannot read: {}", path, std::generic_category().message(errno));
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

bool exists(const std::string& path) {
  std::ifstream in(path);
  return static_cast<bool>(in);
}

}  // namespace

std::optional<ConfigSource> read_config(const std::string& explicit_path, std::string* error) {
  if (!explicit_path.empty()) {
    auto text = read_file(explicit_path, error);
    if (!text) return std::nullopt;
    return ConfigSource{explicit_path, std::move(*text)};
  }
  if (exists(kDefaultConfigPath)) {
    std::cerr << "labgate: using " << kDefaultConfigPath << "\n";
    auto text = read_file(kDefaultConfigPath, error);
    if (!text) return std::nullopt;
    return ConfigSource{kDefaultConfigPath, std::move(*text)};
  }
  std::cerr << "labgate: " << kDefaultConfigPath
            << " does not exist; using the built-in seed topology (examples/homelab.yaml)\n";
  return ConfigSource{kSeedTopologyName, std::string(seed_topology_text())};
}

LoadedTopology load_for_command(const std::string& explicit_path, bool compile_plan) {
  LoadedTopology result;
  std::string error;
  auto source = read_config(explicit_path, &error);
  if (!source) {
    std::cerr << "labgate: error: " << error << "\n";
    result.exit_status = kExitFailure;
    return result;
  }
  result.source = std::move(*source);
  Diagnostics diagnostics;
  Topology topology = check_topology(result.source.text, diagnostics);
  for (const auto& d : diagnostics.all())
    std::cerr << format_diagnostic(result.source.name, d) << "\n";
  result.warnings = diagnostics.warning_count();
  if (diagnostics.has_errors()) {
    std::cerr << fmt::format("labgate: {} error(s), {} warning(s) in {}\n",
                             diagnostics.error_count(), diagnostics.warning_count(),
                             result.source.name);
    result.exit_status = kExitConfigError;
    return result;
  }
  result.topology = std::move(topology);
  if (compile_plan) result.plan = compile(*result.topology);
  return result;
}

}  // namespace labgate
