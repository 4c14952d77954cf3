// What the kernel datapath's commands (plan, apply, confirm, rollback, remove) share: the
// --state-dir option, building the desired state from a topology, and reporting outcomes.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "kernel/datapath.h"
#include "plan/plan.h"

namespace labgate {

void add_state_dir_option(CLI::App* command, std::string& dir);

// The ruleset and sysctls the topology needs.
DesiredState desired_state_of(const Plan& plan, const std::string& source);

// Prints "labgate: NOTE" for each note to stdout; returns kExitOk.
int report(const Outcome& outcome);

// Prints "labgate: error: MESSAGE (hint: HINT)" to stderr; returns kExitFailure.
int report_failure(const Status& status);

// The commands that act on the live state alone (confirm, rollback, remove): runs `action` on the
// live kernel datapath (libnftables, /proc/sys, the state dir) and reports its outcome.
using DatapathAction = Status (KernelDatapath::*)(Outcome*);
int run_on_live_datapath(const std::string& state_dir, DatapathAction action);

// Registers a subcommand with only --state-dir that runs `action` (see run_on_live_datapath).
void add_live_datapath_command(CLI::App& app, int& exit_status, const std::string& name,
                               const std::string& description, DatapathAction action);

}  // namespace labgate
