// `labgate import k8s PATH...`: Kubernetes manifests -> the `apps` and `services` of a labgate
// file (importers/k8s_manifests.h). A PATH is a YAML file (several documents allowed), "-" for
// stdin, or a directory: its kustomization.yaml's `resources` are followed (files and
// directories, relative to it), or without one, its *.yaml and *.yml files in name order.
// Prints the fragment; writes nothing.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <set>

#include "cli/commands.h"
#include "cli/config_source.h"
#include "importers/k8s_manifests.h"

namespace labgate {
namespace {

namespace fs = std::filesystem;

constexpr size_t kMaxInput = 16u << 20;  // per file, as the other importers
constexpr int kMaxDepth = 16;            // kustomizations nested deeper are a cycle or a mistake

class ManifestReader {
 public:
  std::vector<importers::ManifestFile> files;

  // Adds the manifests at `path`; prints an error and returns false on failure.
  bool add(const std::string& path, int depth = 0) {
    if (depth > kMaxDepth) return fail(path + ": kustomizations nested too deep (a cycle?)");
    if (path == "-") {
      std::string text(std::istreambuf_iterator<char>(std::cin), {});
      files.push_back({"<stdin>", std::move(text)});
      return true;
    }
    std::error_code ec;
    if (fs::is_directory(path, ec)) return add_directory(path, depth);
    std::ifstream in(path, std::ios::binary);
    if (!in) return fail("cannot read " + path);
    std::string text;
    text.assign(std::istreambuf_iterator<char>(in), {});
    if (text.size() > kMaxInput) return fail(path + " is larger than 16 MiB");
    files.push_back({path, std::move(text)});
    return true;
  }

  int exit_status = kExitFailure;  // what a failure returns: 2 for a malformed kustomization

 private:
  bool add_directory(const std::string& dir, int depth) {
    std::string canonical = fs::weakly_canonical(dir).string();
    if (!seen_.insert(canonical).second) return true;  // listed twice: read once
    for (const char* name : {"kustomization.yaml", "kustomization.yml", "Kustomization"}) {
      fs::path k = fs::path(dir) / name;
      if (!fs::is_regular_file(k)) continue;
      std::ifstream in(k, std::ios::binary);
      importers::ManifestFile file{k.string(), {std::istreambuf_iterator<char>(in), {}}};
      auto resources = importers::kustomization_resources(file);
      if (resources.error) {
        exit_status = kExitConfigError;
        return fail(resources.error->str(), /*prefixed=*/true);
      }
      for (const auto& r : resources.resources)
        if (!add((fs::path(dir) / r).string(), depth + 1)) return false;
      return true;
    }
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
      std::string n = e.path().filename().string();
      if (e.is_regular_file() && (n.ends_with(".yaml") || n.ends_with(".yml")))
        names.push_back(e.path().string());
    }
    if (ec) return fail("cannot read " + dir + ": " + ec.message());
    std::sort(names.begin(), names.end());
    for (const auto& n : names)
      if (!add(n, depth + 1)) return false;
    return true;
  }

  static bool fail(const std::string& message, bool prefixed = false) {
    std::cerr << (prefixed ? "" : "labgate: error: ") << message << "\n";
    return false;
  }

  std::set<std::string> seen_;
};

struct ImportK8sOptions {
  std::vector<std::string> paths;
};

void add_import_k8s_command(CLI::App& app, int& exit_status) {
  CLI::App* import = app.get_subcommand("import");
  auto o = std::make_shared<ImportK8sOptions>();
  auto* cmd = import->add_subcommand(
      "k8s", "Ingress, HTTPRoute and LoadBalancer Service manifests -> apps and services");
  cmd->add_option("paths", o->paths,
                  "YAML files (several documents each), kustomize directories, or - for stdin")
      ->required();
  cmd->callback([o, &exit_status] {
    ManifestReader reader;
    for (const auto& p : o->paths) {
      if (!reader.add(p)) {
        exit_status = reader.exit_status;
        return;
      }
    }
    auto result = importers::import_k8s(reader.files);
    if (result.error) {
      std::cerr << result.error->str() << "\n";
      exit_status = kExitConfigError;
      return;
    }
    std::cout << importers::write_fragment(result.fragment);
    exit_status = kExitOk;
  });
}

}  // namespace

LABGATE_REGISTER_COMMAND(96, add_import_k8s_command);

}  // namespace labgate
