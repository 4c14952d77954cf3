#include "runtime/sockets.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "net/socket_address.h"

namespace labgate::runtime {
namespace {

Result<BoundSocket> open_socket(int type, const ListenAddress& at) {
  const char* kind = type == SOCK_DGRAM ? "udp" : "tcp";
  const IpEndpoint endpoint{at.address, at.port};
  int fd =
      ::socket(socket_family(endpoint.address.family()), type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::error(fmt::format("{} socket: {}", kind, std::strerror(errno)));
  auto fail = [fd](std::string message) {
    ::close(fd);
    return Status::error(std::move(message));
  };
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0)
    return fail(fmt::format("{} SO_REUSEPORT: {}", kind, std::strerror(errno)));
  SocketAddress sa;
  socklen_t len = to_sockaddr(endpoint, &sa);
  if (::bind(fd, sa.sockaddr(), len) != 0)
    return fail(fmt::format("cannot listen on {} {}: {}", kind, at.str(), std::strerror(errno)));
  if (type == SOCK_STREAM && ::listen(fd, 1024) != 0)
    return fail(fmt::format("tcp listen on {}: {}", at.str(), std::strerror(errno)));
  len = sizeof sa;
  ::getsockname(fd, sa.sockaddr(), &len);
  IpEndpoint got = from_sockaddr(sa, len).value_or(endpoint);
  return BoundSocket{fd, ListenAddress{got.address, got.port}};
}

}  // namespace

Result<BoundSocket> open_udp_socket(const ListenAddress& at) {
  return open_socket(SOCK_DGRAM, at);
}

Result<BoundSocket> open_tcp_listener(const ListenAddress& at) {
  return open_socket(SOCK_STREAM, at);
}

Status send_unfragmented(int fd) {
  // RFC 9715 (IP Fragmentation Avoidance in DNS over UDP, section 3.1) asks UDP responders to
  // send DNS responses unfragmented, and labgate's replies fit 1232 bytes anyway. PROBE rather
  // than DO: the path MTU the kernel may have learnt (from ICMP anyone can forge) is ignored, so a
  // reply is sent whole or not at all (EMSGSIZE above the interface MTU: the client retries over
  // TCP). Also, a datagram with DF set needs no IP ID, so the kernel skips __ip_select_ident's
  // shared hash per reply (it writes ID 0). labgate's sockets are IPv4 only; an IPv6 socket would
  // need IPV6_MTU_DISCOVER = IPV6_PMTUDISC_PROBE (or IPV6_DONTFRAG) likewise.
  int probe = IP_PMTUDISC_PROBE;
  if (::setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &probe, sizeof probe) != 0)
    return Status::error(fmt::format("udp IP_MTU_DISCOVER: {}", std::strerror(errno)));
  return Status::ok_status();
}

}  // namespace labgate::runtime
