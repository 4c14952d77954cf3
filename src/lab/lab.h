// Building and removing a lab: the imperative shell around LabPlan.
//
// A lab's state lives in lab_dir(name) = /run/labgate/lab-<name>/: the topology file it was built
// from (topology.yaml), its nodes with their servers' pids (nodes.json), the servers' logs and the
// datapath's state directory (state/). Namespaces are found by their prefix (lab_netns_prefix), so
// `lab down` also removes what a killed `lab up` left behind, with or without that directory.
#pragma once

#include <sys/types.h>

#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "diag/result.h"
#include "plan/lab_plan.h"

namespace labgate {

inline constexpr const char* kLabRunDir = "/run/labgate";
std::string lab_dir(const std::string& lab);

// What builds namespaces, links and addresses. The real one shells out to iproute2 (`ip -batch`,
// one batch for the machine's namespace and one per node, run in parallel).
class NetnsDriver {
 public:
  virtual ~NetnsDriver() = default;
  // Runs `script` (ip -batch syntax) in `netns`, or in the machine's namespace if netns is empty.
  // All scripts run concurrently; fails naming the first that failed.
  struct Batch {
    std::string netns;
    std::string script;
  };
  virtual Status run_batches(const std::vector<Batch>& batches) = 0;
  // Names of the existing namespaces that start with `prefix`.
  virtual std::vector<std::string> list_netns(const std::string& prefix) = 0;
  // Deletes the named namespaces (best effort: one that is already gone is not an error).
  virtual void delete_netns(const std::vector<std::string>& names) = 0;
};

// The iproute2 driver (needs root).
std::unique_ptr<NetnsDriver> make_iproute_driver();

struct LabUpOptions {
  std::string topology_text;  // written to lab_dir/topology.yaml; the datapath is applied from it
  bool apply = true;          // apply labgate's datapath in the gateway (`labgate apply`)
};

// Builds `plan`. On failure the lab may be half-built: the caller says so and `lab_down` removes
// it. Prints progress to `log` (one line per step).
Status lab_up(NetnsDriver& driver, const LabPlan& plan, const LabUpOptions& options,
              std::ostream& log);

// Removes every process, namespace and file of lab `lab`. Idempotent. Returns what it removed
// (namespaces, processes), for the caller to report.
struct LabDownReport {
  std::vector<std::string> namespaces;
  size_t processes = 0;
  bool had_state_dir = false;
};
LabDownReport lab_down(NetnsDriver& driver, const std::string& lab);

// The recorded state of a lab. The plan is derived again from the lab's own copy of the topology
// (derivation is deterministic, so it is the plan the lab was built from); the pids come from
// nodes.json.
struct LabState {
  std::string topology_path;  // lab_dir/topology.yaml
  std::string topology_text;
  Topology topology;  // the text, loaded and validated once
  Plan compiled;      // compile(topology)
  LabPlan plan;
  std::map<std::string, pid_t> server_pids;  // by node name
};
Result<LabState> read_lab_state(const std::string& lab);

// nodes.json: the plan's nodes plus the servers' pids, for `lab status`, tests and people.
std::string lab_nodes_json(const LabPlan& plan, const std::map<std::string, pid_t>& pids);

}  // namespace labgate
