// What the two UDP reflectors of the DNS benchmark share: the bound socket and the one change they
// make to a query. A reflector is the least work any UDP DNS server can do per query -- receive
// the datagram, turn it into a reply, send it back -- so its CPU per answer, measured beside the
// real servers, is the kernel's floor for a given socket API on this machine.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace labgate::bench {

// Turns a DNS query into a reply in place: QR set, RCODE 0 (NOERROR), everything else -- ID,
// question, counts -- kept, so dnsperf counts it as an answer with no records. Returns false for
// what must not be answered: shorter than a header, or already a response (two reflectors must
// never bounce datagrams between each other).
inline bool reflect_in_place(uint8_t* message, size_t size) {
  if (size < 12 || (message[2] & 0x80)) return false;
  message[2] |= 0x80;
  message[3] &= 0xf0;
  return true;
}

// A blocking IPv4 UDP socket, bound to "ADDRESS:PORT", or exits with a message: a bench tool, not
// a server, so a bad argument ends it.
inline int bind_udp_or_die(const char* address_port) {
  std::string text = address_port;
  size_t colon = text.rfind(':');
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  if (colon == std::string::npos ||
      ::inet_pton(AF_INET, text.substr(0, colon).c_str(), &sa.sin_addr) != 1) {
    std::fprintf(stderr, "usage: ADDRESS:PORT, not '%s'\n", address_port);
    std::exit(2);
  }
  sa.sin_port = htons(static_cast<uint16_t>(std::atoi(text.c_str() + colon + 1)));
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  // As labgate's UDP sockets (runtime/sockets.cc): DF set, no IP ID to compute per reply.
  int probe = IP_PMTUDISC_PROBE;
  if (fd < 0 || ::setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &probe, sizeof probe) != 0 ||
      ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    std::perror(address_port);
    std::exit(1);
  }
  return fd;
}

}  // namespace labgate::bench
