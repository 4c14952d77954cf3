// `labgate export k8s -o DIR | --check DIR`: the apps' Kubernetes manifests (k8s/manifests.h).
// -o writes them (and kustomization.yaml) into DIR; --check compares DIR with them and exits 1
// with a unified diff (computed in process, plan/nft_diff.h) when it drifted — a GitOps CI job.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>

#include "cli/commands.h"
#include "cli/config_source.h"
#include "k8s/manifests.h"

namespace labgate {
namespace {

namespace fs = std::filesystem;

struct ExportK8sOptions {
  std::string config;
  std::string out_dir;
  std::string check_dir;
};

bool write_manifests(const std::vector<k8s::Manifest>& manifests, const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    std::cerr << "labgate: error: cannot create " << dir.string() << ": " << ec.message() << "\n";
    return false;
  }
  for (const auto& m : manifests) {
    fs::path path = dir / m.file;
    fs::path tmp = dir / ("." + m.file + ".tmp");
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      out << m.text;
      if (!out.flush()) {
        std::cerr << "labgate: error: cannot write " << tmp.string() << "\n";
        return false;
      }
    }
    fs::rename(tmp, path, ec);  // a reader never sees half a manifest
    if (ec) {
      std::cerr << "labgate: error: cannot write " << path.string() << ": " << ec.message() << "\n";
      return false;
    }
  }
  return true;
}

// The *.yaml files of `dir` (not recursive), by name.
std::optional<std::map<std::string, std::string>> read_yaml_files(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    std::cerr << "labgate: error: " << dir.string() << " is not a directory\n";
    return std::nullopt;
  }
  std::map<std::string, std::string> out;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    if (!entry.is_regular_file() || !name.ends_with(".yaml")) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    out[name] = text.str();
  }
  if (ec) {
    std::cerr << "labgate: error: cannot read " << dir.string() << ": " << ec.message() << "\n";
    return std::nullopt;
  }
  return out;
}

void add_export_k8s_command(CLI::App& app, int& exit_status) {
  CLI::App* exp = app.get_subcommand("export");
  auto* cmd = exp->add_subcommand(
      "k8s", "The apps' Ingress/HTTPRoute manifests and kustomization.yaml (docs/k8s.md)");
  auto o = std::make_shared<ExportK8sOptions>();
  add_config_option(cmd, o->config);
  auto* out = cmd->add_option("-o,--output", o->out_dir, "write the manifests into this directory");
  auto* check = cmd->add_option("--check", o->check_dir,
                                "exit 1 with a diff when this directory differs from the file");
  out->excludes(check);
  cmd->callback([o, &exit_status] {
    if (o->out_dir.empty() && o->check_dir.empty()) {
      std::cerr << "labgate: error: export k8s needs -o DIR or --check DIR\n";
      exit_status = kExitConfigError;
      return;
    }
    LoadedTopology loaded = load_for_command(o->config);
    exit_status = loaded.exit_status;
    if (!loaded.plan) return;
    auto manifests = k8s::render_manifests(loaded.plan->apps);
    if (!o->out_dir.empty()) {
      exit_status = write_manifests(manifests, o->out_dir) ? kExitOk : kExitFailure;
      return;
    }
    auto have = read_yaml_files(o->check_dir);
    if (!have) {
      exit_status = kExitFailure;
      return;
    }
    std::string diff = k8s::drift(manifests, *have, o->check_dir);
    std::cout << diff;
    exit_status = diff.empty() ? kExitOk : kExitFailure;
  });
}

}  // namespace

LABGATE_REGISTER_COMMAND(91, add_export_k8s_command);

}  // namespace labgate
