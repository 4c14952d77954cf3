// The checks a topology implies, and how an observation is judged. Pure: no I/O.
//
// Checks are derived from the forwarding plan (plan/forwarding_plan.h), which says what the
// datapath does, and, in a lab, from the lab plan (lab/lab_plan.h), which says which node stands
// for whom. Running them is runner.h's job.
//
// Check names are stable identifiers, unique within one run, that tests and scripts can match:
//   ping-gateway/<host>          a cluster VM reaches the gateway's address on its network (ICMP)
//   internet/<host>              a cluster VM reaches the internet; the internet sees the uplink
//   forward/<net>:<port>/<proto> a client of <net> reaches the forward's service, which sees the
//                                client's own address (or the gateway's, where SNAT applies, and
//                                for `via: proxy` forwards, which the gateway's `labgate run`
//                                relays; those with SNI, several targets or PROXY headers are
//                                skipped: the lab's plain probes and servers cannot speak them)
//   hairpin/<net>:<port>/<proto> a VM of the backend's network reaches the same forward through
//                                the gateway's address on <net> (NAT reflection)
//   isolation/<client>/<service>:<port>
//                                a client of another network opens the service's port directly:
//                                blocked where the service's network drops inbound connections
//   dns/<fqdn>/<client>          a client of each network DNS serves asks the gateway's address
//                                there for the name (type A) and gets its split-horizon answer
//                                (plan/dns_views.h): an address, or REFUSED
//   recursion/<client>           the same client asks for a name outside the zone
//                                (lab/upstream_resolver.h): the upstream's answer through the
//                                forwarder where dns.recursion allows the network, else REFUSED
//   ruleset/inet-labgate         labgate's nftables table is loaded in the gateway
//   sysctl/<name>                a sysctl the datapath needs has its value in the gateway
//   backend/<service>:<port>     live only: the gateway opens a TCP connection to a backend
//   zone/<from>><to>/<node>/<target>
//                                with zones: one cell of the policy matrix (verify/zone_matrix.h),
//                                in place of the isolation checks
// A "cluster VM" is a host on a network that is not the uplink.
#pragma once

#include <string>
#include <vector>

#include "plan/lab_plan.h"
#include "plan/plan.h"
#include "topology/topology.h"
#include "verify/probe.h"

namespace labgate {

enum class Expect {
  kReply,      // a lab server answers with expected_label and sees expected_peer
  kReachable,  // TCP connects / ICMP echo answered (from a real gateway: any server will do)
  kBlocked,    // timeout, refused or unreachable
  kPasses,     // the policy matrix: the packet crossed the router (a reply, connected, refused)
  kFiltered,   // the policy matrix: dropped on the way (nothing came back)
  kRuleset,    // the live `table inet labgate` is what this plan installs (`ruleset`)
  kSysctl,     // live: sysctl `subject` has value `expected_value`
  kDnsAnswer,  // a DNS query gets `expected_value`: an address, or "REFUSED"
  kSkip,       // not run here: `skip_reason` says why (does not fail the run)
};

struct Check {
  std::string name;
  std::string from;        // node name in a lab; "gateway" live; empty for skipped checks
  std::string from_netns;  // the namespace probes run in; empty: verify's own
  Probe probe;             // for kReply, kReachable, kBlocked
  std::string to;          // what is probed, for the table
  Expect expect = Expect::kSkip;
  std::string expected_label;
  IpAddress expected_peer;
  std::string subject;         // kSysctl: the dotted sysctl name; kRuleset: the state directory
  std::string expected_value;  // kSysctl
  std::string ruleset;         // kRuleset: the table the plan compiles to (compile_nft_table)
  std::string skip_reason;     // kSkip
  // A cell of the policy matrix (verify/zone_matrix.h): its row (source) and column (target).
  std::string matrix_row;
  std::string matrix_col;

  // The "expected" column: "ingress sees 192.168.1.2", "blocked", "echo reply", ...
  std::string expected() const;
};

// Every check a lab of the file (compiled into `plan`) can run (see the list above).
// `state_dir` is where `labgate apply` recorded what it made live (the lab's state/ directory).
std::vector<Check> lab_checks(const Plan& plan, const LabPlan& lab, const std::string& state_dir);

// What can be checked on the real gateway itself, followed by every lab check's kind as a kSkip
// "needs --lab" entry, so the table says what is left unproven.
std::vector<Check> live_checks(const Topology& topology, const Plan& plan,
                               const std::string& state_dir);

// How the live labgate table relates to the plan (kRuleset).
enum class RulesetState {
  kUnread,         // could not be read (no privilege, no nftables)
  kNoTable,        // no labgate table is live
  kIdentical,      // the live table is what the plan installs
  kDiffers,        // labgate applied another plan
  kChangedByHand,  // the live table is not what labgate last applied
};

// What was seen, for judging. For probes, `probe` is set; for kRuleset, `ruleset`; for kSysctl,
// `value`.
struct Observation {
  ProbeResult probe;
  RulesetState ruleset = RulesetState::kUnread;
  std::string value;  // kSysctl: the live value ("" if unreadable)
  double ms = 0;
};

enum class Verdict { kPass, kFail, kSkip };
const char* to_string(Verdict v);

struct Judgement {
  Verdict verdict = Verdict::kFail;
  std::string observed;  // the "observed" column
};

Judgement judge(const Check& check, const Observation& seen);

}  // namespace labgate
