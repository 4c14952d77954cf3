// What the kernel datapath's commands (plan, apply, confirm, rollback, remove) share: the
// --state-dir option, building the desired state from a topology, and reporting outcomes.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "kernel/datapath.h"
#include "topology/topology.h"

namespace labgate {

void add_state_dir_option(CLI::App* command, std::string& dir);

// The ruleset and sysctls the topology needs.
DesiredState desired_state_of(const Topology& topology, const std::string& source);

// Prints "labgate: NOTE" for each note to stdout; returns kExitOk.
int report(const Outcome& outcome);

// Prints "labgate: error: MESSAGE (hint: HINT)" to stderr; returns kExitFailure.
int report_failure(const Status& status);

}  // namespace labgate
