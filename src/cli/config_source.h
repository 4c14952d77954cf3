// Where a command's topology comes from, and loading it for a command.
//
// The only I/O around the pure loader: reading the file, and printing diagnostics to stderr.
#pragma once

#include <optional>
#include <string>

#include "plan/plan.h"
#include "topology/topology.h"

namespace labgate {

inline constexpr const char* kDefaultConfigPath = "/etc/labgate/labgate.yaml";

struct ConfigSource {
  std::string name;  // the path, or kSeedTopologyName for the built-in topology
  std::string text;
};

// Exit statuses shared by all commands.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;      // the system or environment failed
inline constexpr int kExitConfigError = 2;  // the topology file is wrong

// With an explicit path, reads it; otherwise reads kDefaultConfigPath if it exists, else uses the
// built-in seed topology. Says on stderr which one it uses when no path was given.
// Reads regular files only (a directory, FIFO or device is refused with an error naming the path)
// and at most kMaxTopologyBytes + 1 bytes, so /dev/zero or a huge file cannot exhaust memory and
// a SIGHUP reload of such a path returns at once. On failure returns nullopt and sets *error.
std::optional<ConfigSource> read_config(const std::string& explicit_path, std::string* error);

// A topology loaded and validated for a command, or the exit status to return.
struct LoadedTopology {
  std::optional<Topology> topology;  // set iff there were no errors
  std::optional<Plan> plan;          // compile(*topology): set iff topology is and it was asked
  ConfigSource source;
  int exit_status = kExitOk;
  int warnings = 0;
};

// read_config + check_topology, printing every diagnostic to stderr as FILE:LINE:COL lines, then
// compile: the one Plan of the command (`check`, which only validates, passes false).
LoadedTopology load_for_command(const std::string& explicit_path, bool compile_plan = true);

}  // namespace labgate
