#include "lab/lab.h"

#include <dirent.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "lab/process.h"
#include "lab/upstream_resolver.h"
// The lab waits for its DNS service with verify's own probe (both live in labgate_shell).
#include "topology/loader.h"
#include "verify/probe.h"

namespace labgate {
namespace {

namespace fs = std::filesystem;

// How long a node's server may take to bind its sockets and say so.
constexpr int kServerReadyTimeoutMs = 3000;

class IprouteDriver : public NetnsDriver {
 public:
  Status run_batches(const std::vector<Batch>& batches) override {
    std::vector<Command> commands;
    for (const auto& b : batches) {
      Command c;
      c.argv = b.netns.empty() ? std::vector<std::string>{"ip", "-batch", "-"}
                               : std::vector<std::string>{"ip", "-n", b.netns, "-batch", "-"};
      c.input = b.script;
      commands.push_back(std::move(c));
    }
    auto results = run_commands(commands);
    for (size_t i = 0; i < results.size(); ++i) {
      if (results[i].status == 0) continue;
      std::string error =
          fmt::format("ip -batch in {} failed: {}",
                      batches[i].netns.empty() ? "the machine's namespace" : batches[i].netns,
                      results[i].output.empty() ? "killed" : results[i].output);
      while (!error.empty() && error.back() == '\n') error.pop_back();
      return Status::error(std::move(error));
    }
    return Status::ok_status();
  }

  std::vector<std::string> list_netns(const std::string& prefix) override {
    std::vector<std::string> out;
    DIR* d = opendir("/run/netns");
    if (!d) return out;
    while (dirent* e = readdir(d)) {
      std::string name = e->d_name;
      if (name.starts_with(prefix)) out.push_back(name);
    }
    closedir(d);
    std::sort(out.begin(), out.end());
    return out;
  }

  void delete_netns(const std::vector<std::string>& names) override {
    if (names.empty()) return;
    std::string script;
    for (const auto& n : names) script += "netns del " + n + "\n";
    run_command(Command{{"ip", "-force", "-batch", "-"}, script});
  }
};

// Waits until a DNS query to address:53 from inside `netns` gets any answer.
bool wait_for_dns(const std::string& netns, IpAddress address, int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    ProbeResult r =
        run_probe_in_netns(netns, Probe{ProbeKind::kDns, address, 53, "labgate-lab-ready."}, 100);
    if (r.outcome == ProbeOutcome::kReply) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

// Waits until a TCP connection to address:port from inside `netns` opens.
bool wait_for_tcp(const std::string& netns, IpAddress address, uint16_t port, int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    ProbeResult r = run_probe_in_netns(netns, Probe{ProbeKind::kTcp, address, port, {}}, 100);
    if (r.outcome == ProbeOutcome::kReply || r.outcome == ProbeOutcome::kConnected) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

bool write_file(const std::string& path, const std::string& text, std::string* error) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) {
    *error = fmt::format("cannot write {}", path);
    return false;
  }
  return true;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Pids recorded in nodes.json that still run `labgate lab serve` (a pid can be reused).
std::vector<pid_t> recorded_servers(const std::string& lab) {
  std::vector<pid_t> out;
  auto j = nlohmann::json::parse(read_text(lab_dir(lab) + "/nodes.json"), nullptr, false);
  if (j.is_discarded() || !j.contains("nodes")) return out;
  for (const auto& n : j["nodes"]) {
    if (!n.contains("pid") || !n["pid"].is_number_integer()) continue;
    pid_t pid = n["pid"].get<pid_t>();
    std::string cmdline = read_text(fmt::format("/proc/{}/cmdline", pid));
    if (process_alive(pid) && cmdline.find(std::string("lab\0serve", 9)) != std::string::npos &&
        cmdline.find(lab_netns_prefix(lab)) != std::string::npos)
      out.push_back(pid);
  }
  return out;
}

}  // namespace

std::string lab_dir(const std::string& lab) {
  return fmt::format("{}/lab-{}", kLabRunDir, lab);
}

std::unique_ptr<NetnsDriver> make_iproute_driver() {
  return std::make_unique<IprouteDriver>();
}

std::string lab_nodes_json(const LabPlan& plan, const std::map<std::string, pid_t>& pids) {
  nlohmann::ordered_json j;
  j["lab"] = plan.lab;
  j["nodes"] = nlohmann::ordered_json::array();
  for (const auto& n : plan.nodes) {
    nlohmann::ordered_json node;
    node["name"] = n.name;
    node["netns"] = n.netns;
    node["role"] = to_string(n.role);
    if (!n.network.empty()) node["network"] = n.network;
    if (!n.veth.empty()) node["veth"] = n.veth;
    node["addresses"] = nlohmann::ordered_json::array();
    if (n.role == LabRole::kGateway)
      for (const auto& b : plan.bridges)
        node["addresses"].push_back(b.address.str() + " dev " + b.address.device);
    for (const auto& a : n.addresses) node["addresses"].push_back(a.str() + " dev " + a.device);
    if (n.default_via) node["default_via"] = n.default_via->str();
    if (n.role == LabRole::kGateway && plan.gateway_default_via)
      node["default_via"] = plan.gateway_default_via->str();
    node["listeners"] = nlohmann::ordered_json::array();
    for (const auto& l : n.listeners) node["listeners"].push_back(l.spec());
    if (auto it = pids.find(n.name); it != pids.end()) node["pid"] = it->second;
    j["nodes"].push_back(std::move(node));
  }
  return j.dump(2) + "\n";
}

namespace {

// lab_up's steps; false with *error at the first that fails.
bool build_lab(NetnsDriver& driver, const LabPlan& plan, const LabUpOptions& options,
               std::ostream& log, std::string* error) {
  const std::string dir = lab_dir(plan.lab);
  auto leftovers = driver.list_netns(lab_netns_prefix(plan.lab));
  if (!leftovers.empty() || fs::exists(dir)) {
    *error = fmt::format(
        "lab '{}' already exists ({} namespace(s), state in {}); run `labgate lab down --name {}` "
        "first",
        plan.lab, leftovers.size(), dir, plan.lab);
    return false;
  }
  std::error_code ec;
  fs::create_directories(dir + "/state", ec);
  if (ec) {
    *error = fmt::format("cannot create {}: {}", dir, ec.message());
    return false;
  }
  const std::string topology_path = dir + "/topology.yaml";
  if (!write_file(topology_path, options.topology_text, error) ||
      !write_file(dir + "/nodes.json", lab_nodes_json(plan, {}), error))
    return false;

  log << fmt::format("lab {}: creating {} namespaces, {} bridges, {} veths\n", plan.lab,
                     plan.nodes.size(), plan.bridges.size(), plan.nodes.size() - 1);
  if (Status s = driver.run_batches({{"", root_batch(plan)}}); !s.ok()) {
    *error = s.message();
    return false;
  }
  std::vector<NetnsDriver::Batch> nodes;
  for (const auto& n : plan.nodes) nodes.push_back({n.netns, node_batch(plan, n)});
  if (Status s = driver.run_batches(nodes); !s.ok()) {
    *error = s.message();
    return false;
  }

  std::map<std::string, pid_t> pids;
  const std::string self = self_executable();
  for (const auto& n : plan.nodes) {
    if (n.listeners.empty()) continue;
    std::vector<std::string> argv = {self,      "lab",   "serve",      "--name",           n.name,
                                     "--netns", n.netns, "--ready-fd", kReadyFdPlaceholder};
    for (const auto& l : n.listeners) {
      argv.push_back("--listen");
      argv.push_back(l.spec());
    }
    Result<pid_t> pid =
        start_in_netns(n.netns, argv, fmt::format("{}/{}.log", dir, n.name), kServerReadyTimeoutMs);
    if (!pid) {
      *error = pid.error();
      return false;
    }
    pids[n.name] = *pid;
    // Recorded as soon as it runs, so that `lab down` finds it even if this run dies next.
    if (!write_file(dir + "/nodes.json", lab_nodes_json(plan, pids), error)) return false;
  }
  log << fmt::format("lab {}: {} servers running\n", plan.lab, pids.size());

  // The home router's resolver, which labgate's forwarder forwards to: a real Unbound.
  if (!plan.resolvers.empty()) {
    const LabNode* upstream = plan.find("upstream");
    const std::string config = dir + "/upstream-unbound.conf";
    if (!write_file(config, upstream_resolver_config(plan.resolvers, plan.internet), error))
      return false;
    Result<pid_t> pid = start_in_netns(upstream->netns, {"unbound", "-d", "-c", config},
                                       dir + "/upstream-unbound.log", 0);
    if (!pid) {
      *error = pid.error();
      return false;
    }
    if (!wait_for_dns(upstream->netns, plan.resolvers.front(), kServerReadyTimeoutMs)) {
      *error = fmt::format(
          "unbound in the upstream node did not answer on {} within {} ms (see "
          "{}/upstream-unbound.log)",
          plan.resolvers.front().str(), kServerReadyTimeoutMs, dir);
      return false;
    }
    log << fmt::format("lab {}: resolver (unbound) running on {}\n", plan.lab,
                       plan.resolvers.front().str());
  }

  // labgate's own DNS service and userspace proxy, in the gateway, as `labgate run` on a real
  // gateway.
  if (plan.dns || plan.proxy) {
    const LabNode* gateway = plan.find("gateway");
    Result<pid_t> pid =
        start_in_netns(gateway->netns, {self, "run", "-c", topology_path, "--threads", "1"},
                       dir + "/gateway.log", 0);
    if (!pid) {
      *error = pid.error();
      return false;
    }
    pids[gateway->name] = *pid;
    if (!write_file(dir + "/nodes.json", lab_nodes_json(plan, pids), error)) return false;
    if (plan.dns && !wait_for_dns(gateway->netns, plan.dns_address, kServerReadyTimeoutMs)) {
      *error = fmt::format(
          "`labgate run` in the gateway did not answer DNS on {} within {} ms "
          "(see {}/gateway.log)",
          plan.dns_address.str(), kServerReadyTimeoutMs, dir);
      return false;
    }
    if (plan.proxy_ready && !wait_for_tcp(gateway->netns, plan.proxy_ready->first,
                                          plan.proxy_ready->second, kServerReadyTimeoutMs)) {
      *error = fmt::format(
          "`labgate run` in the gateway did not accept connections on {}:{} within {} ms "
          "(see {}/gateway.log)",
          plan.proxy_ready->first.str(), plan.proxy_ready->second, kServerReadyTimeoutMs, dir);
      return false;
    }
    log << fmt::format("lab {}: labgate run ({}) running in {}\n", plan.lab,
                       plan.gateway_services(), gateway->netns);
  }

  if (options.apply) {
    const LabNode* gateway = plan.find("gateway");
    Command apply{{"ip", "netns", "exec", gateway->netns, self, "apply", "-c", topology_path,
                   "--state-dir", dir + "/state"},
                  ""};
    CommandResult r = run_command(apply);
    if (r.status != 0) {
      while (!r.output.empty() && r.output.back() == '\n') r.output.pop_back();
      *error = fmt::format("`labgate apply` in the gateway node failed (status {}): {}", r.status,
                           r.output);
      return false;
    }
    log << fmt::format("lab {}: labgate's datapath applied in {}\n", plan.lab, gateway->netns);
  }
  return true;
}

}  // namespace

Status lab_up(NetnsDriver& driver, const LabPlan& plan, const LabUpOptions& options,
              std::ostream& log) {
  std::string error;
  if (!build_lab(driver, plan, options, log, &error)) return Status::error(std::move(error));
  return Status::ok_status();
}

LabDownReport lab_down(NetnsDriver& driver, const std::string& lab) {
  LabDownReport report;
  const std::string prefix = lab_netns_prefix(lab);
  // A `lab up` killed a moment ago may leave a child that is still finishing its last system
  // call (its SIGKILL is pending): a second pass removes whatever that call created.
  for (int pass = 0; pass < 3; ++pass) {
    std::vector<std::string> namespaces = driver.list_netns(prefix);
    std::vector<pid_t> pids = pass == 0 ? recorded_servers(lab) : std::vector<pid_t>{};
    auto add = [&](pid_t p) {
      if (std::find(pids.begin(), pids.end(), p) == pids.end()) pids.push_back(p);
    };
    for (const auto& ns : namespaces)
      for (pid_t p : processes_in_netns(ns)) add(p);
    for (pid_t p : processes_naming(prefix)) add(p);
    if (pass > 0 && namespaces.empty() && pids.empty()) break;
    for (const auto& ns : namespaces)
      if (std::find(report.namespaces.begin(), report.namespaces.end(), ns) ==
          report.namespaces.end())
        report.namespaces.push_back(ns);
    report.processes += pids.size();
    kill_and_wait(pids, 2000);
    driver.delete_netns(namespaces);
  }
  std::error_code ec;
  report.had_state_dir = fs::exists(lab_dir(lab), ec);
  fs::remove_all(lab_dir(lab), ec);
  return report;
}

Result<LabState> read_lab_state(const std::string& lab) {
  const std::string dir = lab_dir(lab);
  LabState result;
  LabState* state = &result;
  state->topology_path = dir + "/topology.yaml";
  if (!fs::exists(state->topology_path))
    return Result<LabState>::failure(
        fmt::format("lab '{}' is not up (no {})", lab, state->topology_path),
        fmt::format("run `labgate lab up --name {}`", lab));
  state->topology_text = read_text(state->topology_path);
  Diagnostics diagnostics;
  state->topology = check_topology(state->topology_text, diagnostics);
  if (diagnostics.has_errors())
    return Result<LabState>::failure(fmt::format("{} no longer validates", state->topology_path));
  state->compiled = compile(state->topology);
  Result<LabPlan> plan = plan_lab(state->topology, state->compiled, lab);
  if (!plan) return plan.status();
  state->plan = std::move(*plan);
  state->server_pids.clear();
  auto j = nlohmann::json::parse(read_text(dir + "/nodes.json"), nullptr, false);
  if (!j.is_discarded() && j.contains("nodes"))
    for (const auto& n : j["nodes"])
      if (n.contains("pid") && n["pid"].is_number_integer())
        state->server_pids[n["name"].get<std::string>()] = n["pid"].get<pid_t>();
  return result;
}

}  // namespace labgate
