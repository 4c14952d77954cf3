// What the userspace proxy serves over UDP: `via: proxy` forwards whose target port is UDP, each
// a listening address and the backend its datagrams go to. Built from the topology (pure, no
// I/O), or by hand in tests. The TCP forwards are proxy_forward.h's.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "plan/forwarding_plan.h"
#include "proxy/proxy_forward.h"
#include "runtime/listen_address.h"

namespace labgate::proxy {

struct UdpForward {
  std::string label;  // for logs, e.g. "lan:5353 -> dns:dns"
  runtime::ListenAddress listen;
  Backend backend;
  // A session (one client address:port and its own socket to the backend) ends after this long
  // without a datagram either way.
  uint32_t idle_timeout_ms = 60000;
  // Sessions at once, across all loops. A datagram from a new client beyond it is dropped and
  // counted (UdpForwardState::dropped); existing sessions go on.
  uint32_t max_sessions = 4096;

  bool operator==(const UdpForward&) const = default;
};

// The plan's `via: proxy` forwards whose target port is UDP, in file order. `max_connections` of
// the forward, when set, bounds its sessions. TCP-only options the file gives (the plan lists them:
// ProxyOptions::ignored_over_udp) add one line per forward to *ignored.
std::vector<UdpForward> udp_proxy_forwards(const ForwardingPlan& plan,
                                           std::vector<std::string>* ignored = nullptr);

}  // namespace labgate::proxy
