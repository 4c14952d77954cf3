// `labgate doctor [-c FILE] [--kubeconfig FILE] [--json]`: the seed's troubleshooting list run
// against the live Kubernetes API (k8s/doctor.h) over HTTPS (k8s/kube_http.h). First "api
// reachable" through the kubeconfig's server and, when the file forwards the API (a forward to
// port 6443), through the gateway's forward and the VIP, concurrently; then the apps' checks
// within a budget of 20 s, so a run ends within 30 s whatever the server does (k8s/kube_http.h).
// Prints one table (or --json); exits 0 only when every check passes, 1 otherwise, 2 on a bad file.
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <future>
#include <iostream>
#include <memory>
#include <sstream>
#include <utility>
#include <vector>

#include "cli/commands.h"
#include "cli/config_source.h"
#include "k8s/doctor.h"
#include "k8s/kube_http.h"
#include "k8s/kubeconfig.h"

namespace labgate {
namespace {

struct DoctorOptions {
  std::string config;
  std::string kubeconfig;
  bool json = false;
};

// --kubeconfig, else $KUBECONFIG, else ~/.kube/config (kubectl's order; one file only).
std::string kubeconfig_path(const std::string& option) {
  if (!option.empty()) return option;
  if (const char* env = std::getenv("KUBECONFIG"); env && *env) return env;
  const char* home = std::getenv("HOME");
  return std::string(home ? home : "") + "/.kube/config";
}

std::string https_url(const IpAddress& address, uint16_t port) {
  std::string host = address.str();
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return "https://" + host + ":" + std::to_string(port);
}

// The Kubernetes API's port, as the seed forwards it to the VIP.
constexpr uint16_t kApiPort = 6443;
// All of the apps' requests together; with the reachability checks' 10 s, a run ends within 30 s.
constexpr std::chrono::milliseconds kAppChecksBudget{20000};

void add_doctor_command(CLI::App& app, int& exit_status) {
  auto* cmd = app.add_subcommand(
      "doctor", "Check the cluster side of the apps through the Kubernetes API (docs/k8s.md)");
  auto o = std::make_shared<DoctorOptions>();
  add_config_option(cmd, o->config);
  cmd->add_option("--kubeconfig", o->kubeconfig,
                  "kubeconfig with embedded data (default: $KUBECONFIG, ~/.kube/config)");
  cmd->add_flag("--json", o->json, "print the checks as JSON");
  cmd->callback([o, &exit_status] {
    LoadedTopology loaded = load_for_command(o->config);
    exit_status = loaded.exit_status;
    if (!loaded.plan) return;
    std::string path = kubeconfig_path(o->kubeconfig);
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      std::cerr << "labgate: error: cannot read kubeconfig " << path << "\n";
      exit_status = kExitConfigError;
      return;
    }
    std::stringstream text;
    text << in.rdbuf();
    auto kc = k8s::parse_kubeconfig(text.str(), path);
    if (kc.error) {
      std::cerr << kc.error->to_string() << "\n";
      exit_status = kExitConfigError;
      return;
    }
    // The reachability checks run concurrently, so addresses that never answer cost one
    // timeout together (k8s/kube_http.h); the objects are made here, before the threads, since
    // their constructor initialises libcurl.
    std::vector<std::pair<std::string, std::unique_ptr<k8s::KubeHttp>>> targets;
    targets.emplace_back("(kubeconfig " + kc.config->server + ")",
                         std::make_unique<k8s::KubeHttp>(*kc.config));
    for (const auto& f : loaded.plan->forwarding.forwards) {
      if (f.backend_port != kApiPort) continue;
      std::string via_gateway = https_url(f.listen_address, f.listen_port);
      std::string via_vip = https_url(f.backend_address, f.backend_port);
      targets.emplace_back("(gateway forward " + via_gateway + ")",
                           std::make_unique<k8s::KubeHttp>(*kc.config, via_gateway));
      targets.emplace_back("(VIP " + via_vip + ")",
                           std::make_unique<k8s::KubeHttp>(*kc.config, via_vip));
    }
    std::vector<std::future<k8s::DoctorCheck>> pending;
    for (auto& [label, api] : targets)
      pending.push_back(std::async(std::launch::async, [&api = *api, &label = label] {
        return k8s::check_api_reachable(api, label);
      }));
    std::vector<k8s::DoctorCheck> checks;
    for (auto& p : pending) checks.push_back(p.get());
    // Without the API every app check would wait for its own timeout to say the same thing.
    bool reachable = checks.front().pass;
    if (reachable) {
      k8s::KubeHttp api(*kc.config, {}, kAppChecksBudget);
      auto app_checks = k8s::run_doctor(loaded.plan->apps, api);
      checks.insert(checks.end(), app_checks.begin(), app_checks.end());
    } else {
      std::cerr << "labgate: the apps' checks need the API; not run\n";
    }
    std::cout << (o->json ? k8s::doctor_json(checks) : k8s::doctor_table(checks));
    exit_status = k8s::all_pass(checks) ? kExitOk : kExitFailure;
  });
}

}  // namespace

LABGATE_REGISTER_COMMAND(97, add_doctor_command);

}  // namespace labgate
