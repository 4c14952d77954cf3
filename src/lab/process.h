// Processes for the lab: running `ip` batches, starting servers inside a namespace, finding and
// killing every process that lives in a namespace.
//
// Every child started here gets PR_SET_PDEATHSIG(SIGKILL): if `labgate lab up` is killed half-way,
// no `ip` batch or half-started server outlives it and races `lab down`. A server clears that
// signal itself once it has reported ready (see serve.h), so a finished lab outlives `lab up`.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "diag/result.h"

namespace labgate {

// The absolute path of the running labgate binary (from /proc/self/exe).
std::string self_executable();

// The path of a named network namespace: /run/netns/<name>.
std::string netns_path(const std::string& netns);

struct CommandResult {
  int status = -1;     // exit status; -1 if it could not run or was killed
  std::string output;  // stdout and stderr together
};

// Runs each command (argv) with its own stdin text, all at the same time, and waits for all.
// results[i] belongs to commands[i].
struct Command {
  std::vector<std::string> argv;
  std::string input;
};
std::vector<CommandResult> run_commands(const std::vector<Command>& commands);
CommandResult run_command(const Command& command);

// Starts argv in network namespace `netns` (setns in the child, then exec; argv[0] without a
// slash is looked up in PATH), detached in its own session, stdout/stderr appended to log_path.
// argv may name fd `ready_fd_placeholder`: the child's end of a pipe the server writes one line to
// once it is ready (see serve.h); then this waits up to timeout_ms for that line (and the child
// keeps PDEATHSIG until it clears it). Without the placeholder the child drops PDEATHSIG right
// before exec and this returns at once. Returns the pid, or the failure (the child is killed then).
Result<pid_t> start_in_netns(const std::string& netns, std::vector<std::string> argv,
                             const std::string& log_path, int timeout_ms);
// In argv of start_in_netns, replaced with the number of the readiness pipe's write end.
inline constexpr const char* kReadyFdPlaceholder = "{ready-fd}";

// Every process whose network namespace is the one bound at netns_path(netns).
std::vector<pid_t> processes_in_netns(const std::string& netns);

// Every process (but this one) whose command line contains `text`: the `ip -n lg-x-node` and
// `ip netns exec lg-x-gateway` children of a `lab up` that was killed.
std::vector<pid_t> processes_naming(const std::string& text);

// SIGKILLs `pids` and waits (up to timeout_ms) until they are gone.
void kill_and_wait(const std::vector<pid_t>& pids, int timeout_ms);

bool process_alive(pid_t pid);

}  // namespace labgate
