// Listening sockets for the event loops: UDP and TCP, non-blocking, SO_REUSEPORT, so that every
// loop binds its own socket to the same address and the kernel spreads clients across them.
#pragma once

#include <string>

#include "runtime/listen_address.h"

namespace labgate::runtime {

// A bound UDP socket, or -1 with *error set. On success with port 0, *bound gets the real port.
int open_udp_socket(const ListenAddress& at, ListenAddress* bound, std::string* error);
// Makes the UDP socket send with DF set, never fragmenting, whatever path MTU the kernel learnt
// (IP_PMTUDISC_PROBE): for DNS replies (RFC 9715). Not for the UDP proxy, whose datagrams may be
// larger than the path and are fragmented as the sender expects. False with *error set.
bool send_unfragmented(int fd, std::string* error);
// A listening TCP socket, or -1 with *error set.
int open_tcp_listener(const ListenAddress& at, ListenAddress* bound, std::string* error);

}  // namespace labgate::runtime
