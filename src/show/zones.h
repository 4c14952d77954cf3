// The zones of a Plan as `labgate show` prints them: short texts for a policy rule, a pair of
// zones, a zone's intra setting, a VLAN and the gateway's services open in a zone, shared by the
// text, JSON and SVG renderers, and the text sections ZONES, POLICIES and GATEWAY INPUT.
//
// Everything is read from the Plan's PolicyPlan and networks (plan/policy_plan.h): nothing is
// looked up in the Topology. The sections are printed only for a file with `zones:`; without,
// show prints what it printed before zones existed (each network's `inbound` says it all).
//
// Contract: pure functions on the Plan; the texts' wording is for humans and may change.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "plan/plan.h"

namespace labgate::show {

// One rule: "accept" (the whole pair), "443,6443/tcp", "icmp", "22/tcp from 10.10.0.10",
// "drop 23/tcp" (a rule with action drop).
std::string rule_text(const PlannedRule& rule);

// A pair of distinct zones (or a zone and the gateway): "drop" when no rule accepts anything,
// "accept" when its first rule takes the whole pair, else its rules' texts joined by "; " (what
// none matches is dropped).
std::string pair_text(const ZonePairPolicy& pair);

// The diagonal of the matrix: "intra: accept" or "intra: drop".
std::string intra_text(const PolicyZone& zone);

// "10 on vmbr0" for a VLAN, "-" for an untagged network.
std::string vlan_text(const PlannedNetwork& network);

// A gateway service open on some of the zone's networks, its protocols merged: "dns 53/udp+tcp",
// with " on NET,NET" when it is not open on all of them.
struct OpenService {
  std::string name;
  uint16_t port = 0;
  std::vector<std::string> protocols;  // "udp", "tcp", in the Plan's order
  std::vector<std::string> networks;   // the zone's networks where it is open, in zone order
  std::string text;                    // as above
};
std::vector<OpenService> open_services(const PolicyPlan& policy, const PolicyZone& zone);

// The sections ZONES, POLICIES and GATEWAY INPUT, separated by blank lines and ending with a
// newline; "" for a Plan without explicit zones.
std::string render_zones(const Plan& plan);

}  // namespace labgate::show
