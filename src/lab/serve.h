// The lab's small server: `labgate lab serve`, one process per node, run inside the node's
// namespace.
//
// It listens on every given socket and answers each TCP connection, and each UDP datagram, with
// one line: "<label> <peer-address>:<peer-port>\n" (then closes the TCP connection). So a client
// learns which service answered and which source address that service saw: exactly what verify
// needs to tell a right forward from a wrong one, and a kept client address from a SNAT'ed one.
//
// Single process, single thread, one poll() loop; no state per connection.
#pragma once

#include <string>
#include <vector>

#include "diag/result.h"
#include "plan/lab_plan.h"

namespace labgate {

// Parses a `--listen` spec, "tcp:ADDR:PORT=LABEL" or "udp:ADDR:PORT=LABEL" (see
// LabListener::spec). ADDR 0.0.0.0 means every address.
Result<LabListener> parse_listener_spec(const std::string& text);

// The reply line for a peer.
std::string serve_reply(const std::string& label, IpAddress peer, uint16_t peer_port);

// Binds every listener, writes "ready\n" to ready_fd (if >= 0) and closes it, then serves until
// killed. Returns (with a message on stderr) only if a socket cannot be set up.
int serve(const std::vector<LabListener>& listeners, int ready_fd);

}  // namespace labgate
