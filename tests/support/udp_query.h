// A DNS client for tests on loopback: one UDP query and its reply, and the first A record.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>

#include "dns/dns_test_util.h"
#include "dns/message.h"
#include "runtime/listen_address.h"

namespace labgate::test_support {

using dns::testing::Bytes;
using runtime::ListenAddress;

inline sockaddr_in to_sockaddr(const ListenAddress& a) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(a.port);
  sa.sin_addr.s_addr = htonl(a.address.v4_value());
  return sa;
}

// Sends one UDP query and waits up to 2 s for the reply; empty on timeout.
inline Bytes udp_exchange(const ListenAddress& server, const Bytes& query) {
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in sa = to_sockaddr(server);
  ::sendto(fd, query.data(), query.size(), 0, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  pollfd p{fd, POLLIN, 0};
  Bytes reply;
  if (::poll(&p, 1, 2000) == 1) {
    reply.resize(65535);
    ssize_t n = ::recv(fd, reply.data(), reply.size(), 0);
    reply.resize(n > 0 ? n : 0);
  }
  ::close(fd);
  return reply;
}

inline uint32_t first_a(const Bytes& reply) {
  dns::Message m;
  if (dns::parse_message(reply.data(), reply.size(), &m) != dns::ParseStatus::kOk ||
      m.answers.empty())
    return 0;
  const uint8_t* p = reply.data() + m.answers[0].rdata_offset;
  return uint32_t{p[0]} << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

}  // namespace labgate::test_support
