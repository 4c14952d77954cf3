// Listening sockets for the event loops: UDP and TCP, non-blocking, SO_REUSEPORT, so that every
// loop binds its own socket to the same address and the kernel spreads clients across them.
#pragma once

#include <string>

#include "diag/result.h"
#include "runtime/listen_address.h"

namespace labgate::runtime {

// An open socket (owned by the caller) and the address it is bound to, with the kernel's port
// when port 0 was asked for.
struct BoundSocket {
  int fd = -1;
  ListenAddress bound;
};

// A bound, non-blocking UDP socket.
Result<BoundSocket> open_udp_socket(const ListenAddress& at);
// Makes the UDP socket send with DF set, never fragmenting, whatever path MTU the kernel learnt
// (IP_PMTUDISC_PROBE): for DNS replies (RFC 9715). Not for the UDP proxy, whose datagrams may be
// larger than the path and are fragmented as the sender expects.
Status send_unfragmented(int fd);
// A listening, non-blocking TCP socket.
Result<BoundSocket> open_tcp_listener(const ListenAddress& at);

}  // namespace labgate::runtime
