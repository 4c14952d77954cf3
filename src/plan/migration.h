// What changes between two files (`labgate plan -c future.yaml --from today.yaml`): networks,
// addresses, DNS answers per client network, which client networks gain or lose which service
// ports (and how they reach them), and the ruleset as a unified diff.
//
// "Reach" of a service port from a network's clients: on the same network (no router between);
// directly through the router where the policy plan allows it (policy_plan.h: `inbound` without
// zones, the zones' rules with them); through a forward listening on the client's network; or
// not at all. Networks and services are matched by name.
//
// Contract: pure and deterministic; both plans are compile() of their (validated) topologies.
#pragma once

#include <string>
#include <string_view>

#include "plan/plan.h"

namespace labgate {

struct MigrationSide {
  const Topology& topology;
  const Plan& plan;
  std::string_view name;  // the file's name, for the headings and the ruleset diff
};

// How clients of `network` reach port `port_name` of `service` in `side`: "same network",
// "direct", "forward lan:443", or "" (not at all).
std::string reach(const MigrationSide& side, const std::string& network, const std::string& service,
                  const std::string& port_name);

std::string migration_report(const MigrationSide& from, const MigrationSide& to);

}  // namespace labgate
