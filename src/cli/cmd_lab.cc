// `labgate lab up|down|exec|status`: the topology emulated in network namespaces (see
// docs/lab.md), plus the hidden `lab serve` that runs inside each service node.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/config_source.h"
#include "lab/lab.h"
#include "lab/process.h"
#include "lab/serve.h"

namespace labgate {

namespace {

bool require_root(const char* what) {
  if (geteuid() == 0) return true;
  std::cerr << fmt::format(
      "labgate {}: must run as root: the lab creates network namespaces (try: sudo labgate {})\n",
      what, what);
  return false;
}

bool check_lab_name(const std::string& name) {
  if (is_lab_name(name)) return true;
  std::cerr << fmt::format("labgate: lab name '{}' must be 1-12 lowercase letters or digits\n",
                           name);
  return false;
}

void add_name_option(CLI::App* cmd, std::string& name) {
  cmd->add_option("--name", name, "lab name: namespaces are called lg-<name>-<node>")
      ->default_val(kLabDefaultName);
}

void print_status(const LabState& state, std::ostream& out) {
  struct Row {
    std::string node, role, addresses, runs;
  };
  std::vector<Row> rows;
  for (const auto& n : state.plan.nodes) {
    std::string addresses;
    // A node's own interface is always eth0; the gateway's bridges are named by the file.
    auto add = [&](const LabAddress& a) {
      bool show_device = n.role == LabRole::kGateway || a.device != kLabNodeInterface;
      addresses += (addresses.empty() ? "" : " ") + a.str() + (show_device ? "@" + a.device : "");
    };
    if (n.role == LabRole::kGateway)
      for (const auto& b : state.plan.bridges) add(b.address);
    for (const auto& a : n.addresses) add(a);
    std::string runs;
    if (n.role == LabRole::kGateway) {
      // `labgate apply` leaves its records in the lab's state directory.
      std::error_code ec;
      bool applied = !std::filesystem::is_empty(lab_dir(state.plan.lab) + "/state", ec) && !ec;
      runs = applied ? "labgate datapath (applied)" : "no datapath (built with --no-apply)";
    }
    if (auto it = state.server_pids.find(n.name); it != state.server_pids.end()) {
      std::string what = n.role == LabRole::kGateway
                             ? fmt::format("labgate run ({})", state.plan.gateway_services())
                             : "serve";
      runs += fmt::format("{}{} pid {} ({})", runs.empty() ? "" : ", ", what, it->second,
                          process_alive(it->second) ? "running" : "NOT RUNNING");
      for (const auto& l : n.listeners)
        runs += fmt::format(" {}/{}:{}", l.label, to_string(l.protocol), l.port);
    }
    rows.push_back({n.name, to_string(n.role), addresses, runs});
  }
  size_t w_node = 4, w_addr = 9;
  for (const auto& r : rows) {
    w_node = std::max(w_node, r.node.size());
    w_addr = std::max(w_addr, r.addresses.size());
  }
  out << fmt::format("lab {} ({})\n", state.plan.lab, state.topology_path);
  out << fmt::format("{:<{}}  {:<8}  {:<{}}  {}\n", "NODE", w_node, "ROLE", "ADDRESSES", w_addr,
                     "RUNS");
  for (const auto& r : rows)
    out << fmt::format("{:<{}}  {:<8}  {:<{}}  {}\n", r.node, w_node, r.role, r.addresses, w_addr,
                       r.runs);
}

void add_lab_command(CLI::App& app, int& exit_status) {
  auto* lab = app.add_subcommand("lab", "Emulate the topology in network namespaces (root)");
  lab->require_subcommand(1);

  // lab up
  {
    auto* cmd = lab->add_subcommand("up", "Build the topology as a lab of network namespaces");
    auto path = std::make_shared<std::string>();
    auto name = std::make_shared<std::string>();
    auto no_apply = std::make_shared<bool>(false);
    add_config_option(cmd, *path);
    add_name_option(cmd, *name);
    cmd->add_flag("--no-apply", *no_apply, "do not apply labgate's datapath in the gateway node");
    cmd->callback([path, name, no_apply, &exit_status] {
      exit_status = kExitFailure;
      if (!require_root("lab up") || !check_lab_name(*name)) return;
      LoadedTopology loaded = load_for_command(*path);
      if (!loaded.plan) {
        exit_status = loaded.exit_status;
        return;
      }
      Result<LabPlan> plan = plan_lab(*loaded.topology, *loaded.plan, *name);
      if (!plan) {
        std::cerr << fmt::format("labgate lab up: {}: {}\n", loaded.source.name, plan.error());
        exit_status = kExitConfigError;
        return;
      }
      auto driver = make_iproute_driver();
      auto start = std::chrono::steady_clock::now();
      LabUpOptions options{loaded.source.text, !*no_apply};
      if (Status up = lab_up(*driver, *plan, options, std::cout); !up.ok()) {
        std::cerr << fmt::format("labgate lab up: {}\n", up.message());
        std::cerr << fmt::format(
            "labgate lab up: `labgate lab down --name {}` removes what was built\n", *name);
        return;
      }
      double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (Result<LabState> state = read_lab_state(*name)) print_status(*state, std::cout);
      std::cout << fmt::format("lab {} up in {:.2f} s\n", *name, seconds);
      exit_status = kExitOk;
    });
  }

  // lab down
  {
    auto* cmd = lab->add_subcommand("down", "Remove every namespace, process and file of a lab");
    auto name = std::make_shared<std::string>();
    add_name_option(cmd, *name);
    cmd->callback([name, &exit_status] {
      exit_status = kExitFailure;
      if (!require_root("lab down") || !check_lab_name(*name)) return;
      auto driver = make_iproute_driver();
      LabDownReport r = lab_down(*driver, *name);
      if (r.namespaces.empty() && r.processes == 0 && !r.had_state_dir)
        std::cout << fmt::format("lab {}: nothing to remove\n", *name);
      else
        std::cout << fmt::format("lab {}: removed {} namespace(s), {} process(es)\n", *name,
                                 r.namespaces.size(), r.processes);
      auto left = driver->list_netns(lab_netns_prefix(*name));
      if (!left.empty()) {
        std::cerr << fmt::format("labgate lab down: {} namespace(s) could not be removed: {}\n",
                                 left.size(), left.front());
        return;
      }
      exit_status = kExitOk;
    });
  }

  // lab status
  {
    auto* cmd = lab->add_subcommand("status", "List a lab's nodes, addresses and servers");
    auto name = std::make_shared<std::string>();
    add_name_option(cmd, *name);
    cmd->callback([name, &exit_status] {
      exit_status = kExitFailure;
      if (!require_root("lab status") || !check_lab_name(*name)) return;
      Result<LabState> state = read_lab_state(*name);
      if (!state) {
        std::cerr << "labgate lab status: " << state.status().to_string() << "\n";
        return;
      }
      print_status(*state, std::cout);
      exit_status = kExitOk;
    });
  }

  // lab exec NODE -- CMD...
  {
    auto* cmd =
        lab->add_subcommand("exec", "Run a command inside a lab node (like containerlab exec)");
    auto name = std::make_shared<std::string>();
    auto node = std::make_shared<std::string>();
    auto argv = std::make_shared<std::vector<std::string>>();
    add_name_option(cmd, *name);
    cmd->add_option("node", *node, "node name (see `labgate lab status`)")->required();
    cmd->add_option("command", *argv, "the command, after --")->required();
    cmd->callback([name, node, argv, &exit_status] {
      exit_status = kExitFailure;
      if (!require_root("lab exec") || !check_lab_name(*name)) return;
      std::string netns = lab_netns_prefix(*name) + *node;
      if (access(netns_path(netns).c_str(), F_OK) != 0) {
        std::cerr << fmt::format("labgate lab exec: lab '{}' has no node '{}' (no {})\n", *name,
                                 *node, netns_path(netns));
        return;
      }
      std::vector<std::string> full = {"ip", "netns", "exec", netns};
      full.insert(full.end(), argv->begin(), argv->end());
      std::vector<char*> c;
      for (auto& a : full) c.push_back(a.data());
      c.push_back(nullptr);
      std::cout.flush();
      execvp("ip", c.data());
      std::cerr << "labgate lab exec: cannot run ip: " << strerror(errno) << "\n";
    });
  }

  // lab serve (hidden): the small server each service node runs; see lab/serve.h.
  {
    auto* cmd = lab->add_subcommand("serve", "");
    cmd->group("");
    auto listens = std::make_shared<std::vector<std::string>>();
    auto node = std::make_shared<std::string>();
    auto netns = std::make_shared<std::string>();
    auto ready_fd = std::make_shared<int>(-1);
    cmd->add_option("--name", *node, "the node's name");
    cmd->add_option("--netns", *netns, "the node's namespace (for people reading ps)");
    cmd->add_option("--listen", *listens, "PROTO:ADDR:PORT=LABEL")->required();
    cmd->add_option("--ready-fd", *ready_fd, "write 'ready' here once listening");
    cmd->callback([listens, ready_fd, node, netns, &exit_status] {
      std::vector<LabListener> listeners;
      for (const auto& spec : *listens) {
        Result<LabListener> l = parse_listener_spec(spec);
        if (!l) {
          std::cerr << "labgate lab serve: " << l.error() << "\n";
          exit_status = kExitConfigError;
          return;
        }
        listeners.push_back(*l);
      }
      exit_status = serve(listeners, *ready_fd);
    });
  }
}

}  // namespace

LABGATE_REGISTER_COMMAND(80, add_lab_command);

}  // namespace labgate
