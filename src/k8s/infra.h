// `labgate export terraform` and `labgate export talos`: the cluster's IP plan for the tools that
// keep a copy of it today (docs/k8s.md).
//
// Terraform: labgate.auto.tfvars.json, which Terraform loads by itself — each host's address,
// prefix length, default gateway and nameserver, the API VIP and the pools — so `variables.tf`
// declares the variables and stops holding the values.
//
// Talos 1.12: per node, the multi-document machine-config patch in the new network document form
// (`LinkConfig` with the address and the default route via the gateway, `ResolverConfig` with
// the gateway's DNS, and on control-plane nodes `Layer2VIPConfig` for the API VIP), replacing
// `machine.network`.
//
// Contract: pure and deterministic (golden tests); reads only the Plan.
#pragma once

#include <optional>
#include <string>

#include "plan/plan.h"

namespace labgate::k8s {

// The JSON text of labgate.auto.tfvars.json, ending in a newline.
std::string render_tfvars(const NodePlan& nodes);

// The Talos patch of node `name`, or of every node (each introduced by a comment naming it) when
// `name` is empty; nullopt when there is no node of that name. `link` is the node's interface.
std::optional<std::string> render_talos(const NodePlan& nodes, const std::string& name,
                                        const std::string& link);

}  // namespace labgate::k8s
