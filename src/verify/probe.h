// Probes: one TCP connection, UDP exchange or ICMP echo, from inside a network namespace.
//
// A probe runs in a thread of its own that setns()es into the namespace first (a network
// namespace is per thread), so verify runs all its probes at once from one process, without
// spawning anything. Against a lab server (lab/serve.h) a reply carries the service's label and
// the peer address it saw.
#pragma once

#include <cstdint>
#include <string>

#include "diag/status.h"
#include "net/ip_address.h"

namespace labgate {

enum class ProbeKind { kTcp, kUdp, kIcmp, kDns };
const char* to_string(ProbeKind k);

struct Probe {
  ProbeKind kind = ProbeKind::kTcp;
  IpAddress address;
  uint16_t port = 0;  // unused for ICMP
  std::string qname;  // kDns: the name asked for (type A, over UDP to address:port)
  // "192.168.1.55:80/tcp", "192.168.100.1 icmp", "argocd.cluster A @192.168.1.55"
  std::string str() const;
};

enum class ProbeOutcome {
  kReply,        // a lab server answered: label and peer are set; kDns: label is the answer,
                 // an address or the rcode's name ("REFUSED", "NXDOMAIN"), or "NODATA"
  kConnected,    // TCP connected (or ICMP echo answered), no lab reply
  kTimeout,      // nothing came back in time
  kRefused,      // RST, or ICMP port unreachable
  kUnreachable,  // no route, host/network unreachable, administratively prohibited
  kError,        // the probe itself could not run (detail says why)
};
const char* to_string(ProbeOutcome o);

struct ProbeResult {
  ProbeOutcome outcome = ProbeOutcome::kError;
  std::string label;  // kReply: the label of the server that answered
  IpAddress peer;     // kReply: the address that server saw us as
  std::string detail;
  double ms = 0;  // wall time of the probe
};

// Parses a lab server's reply line "<label> <addr>:<port>\n".
bool parse_serve_reply(const std::string& text, std::string* label, IpAddress* peer);

// Runs `probe` in the calling thread's namespace.
ProbeResult run_probe(const Probe& probe, int timeout_ms);

// Moves the calling thread into named network namespace `netns` (/run/netns/<netns>). Only call
// from a thread made for the purpose: it stays there.
Status enter_netns(const std::string& netns);

// Runs `probe` from a fresh thread inside named namespace `netns` (empty: the caller's).
// Blocks until done; safe to call from many threads at once.
ProbeResult run_probe_in_netns(const std::string& netns, const Probe& probe, int timeout_ms);

}  // namespace labgate
