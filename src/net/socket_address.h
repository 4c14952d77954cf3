// The one conversion between labgate's endpoints (an IpAddress and a port) and the kernel's socket
// addresses. Every socket call in the program goes through it.
//
// Header-only and inline on purpose: it is on the data path of the DNS server and the proxies
// (a conversion per datagram or connection). No allocation, no branch but the one on the family.
// Pure (net/ does no I/O): it only fills and reads structs.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <compare>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>

#include "net/ip_address.h"

namespace labgate {

// An address and a port. str(): "192.0.2.1:53", "[2001:db8::1]:53" (RFC 5952 section 6).
struct IpEndpoint {
  IpAddress address;
  uint16_t port = 0;

  std::string str() const {
    std::string a = address.str();
    return (address.is_v6() ? "[" + a + "]" : a) + ":" + std::to_string(port);
  }
  auto operator<=>(const IpEndpoint&) const = default;
};

// Room for a socket address of either family: 28 bytes (sockaddr_in6), not sockaddr_storage's
// 128, so batch arrays for recvmmsg/sendmmsg stay small. Pass sockaddr() and the length from
// to_sockaddr (or sizeof(SocketAddress) for the kernel to fill) to the socket calls.
union SocketAddress {
  sockaddr_in v4;
  sockaddr_in6 v6;

  ::sockaddr* sockaddr() { return reinterpret_cast<::sockaddr*>(this); }
  const ::sockaddr* sockaddr() const { return reinterpret_cast<const ::sockaddr*>(this); }
  sa_family_t family() const { return v4.sin_family; }  // the first field of both
};
static_assert(sizeof(SocketAddress) == sizeof(sockaddr_in6));

// AF_INET or AF_INET6, for socket().
inline int socket_family(IpFamily f) {
  return f == IpFamily::kV4 ? AF_INET : AF_INET6;
}

inline sockaddr_in to_sockaddr_in(uint32_t v4_host_order, uint16_t port) {
  sockaddr_in sa;
  std::memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(v4_host_order);
  return sa;
}

inline sockaddr_in6 to_sockaddr_in6(const IpAddress& a, uint16_t port) {
  sockaddr_in6 sa;
  std::memset(&sa, 0, sizeof sa);
  sa.sin6_family = AF_INET6;
  sa.sin6_port = htons(port);
  const std::array<uint8_t, 16> b = a.v6_bytes();
  std::memcpy(sa.sin6_addr.s6_addr, b.data(), 16);
  return sa;
}

// Fills *out for the endpoint and returns the length to pass with it.
inline socklen_t to_sockaddr(const IpEndpoint& e, SocketAddress* out) {
  if (e.address.is_v4()) {
    out->v4 = to_sockaddr_in(e.address.v4_value(), e.port);
    return sizeof(sockaddr_in);
  }
  out->v6 = to_sockaddr_in6(e.address, e.port);
  return sizeof(sockaddr_in6);
}

inline IpEndpoint from_sockaddr(const sockaddr_in& sa) {
  return IpEndpoint{IpAddress::v4(ntohl(sa.sin_addr.s_addr)), ntohs(sa.sin_port)};
}

// An IPv4-mapped address (from a dual-stack socket) stays a v6 value: see IpAddress::unmapped().
// The scope id is dropped (labgate accepts no zone ids).
inline IpEndpoint from_sockaddr(const sockaddr_in6& sa) {
  std::array<uint8_t, 16> b;
  std::memcpy(b.data(), sa.sin6_addr.s6_addr, 16);
  return IpEndpoint{IpAddress::v6(b), ntohs(sa.sin6_port)};
}

// What the kernel wrote into a SocketAddress (recvfrom, accept, getsockname, recvmmsg). nullopt
// for another family (AF_UNIX, AF_UNSPEC) or a length too short for its family.
inline std::optional<IpEndpoint> from_sockaddr(const SocketAddress& sa, socklen_t length) {
  if (sa.family() == AF_INET && length >= sizeof(sockaddr_in)) return from_sockaddr(sa.v4);
  if (sa.family() == AF_INET6 && length >= sizeof(sockaddr_in6)) return from_sockaddr(sa.v6);
  return std::nullopt;
}

}  // namespace labgate
