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

int open_socket(int type, const ListenAddress& at, ListenAddress* bound, std::string* error) {
  const char* kind = type == SOCK_DGRAM ? "udp" : "tcp";
  const IpEndpoint endpoint{at.address, at.port};
  int fd =
      ::socket(socket_family(endpoint.address.family()), type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *error = fmt::format("{} socket: {}", kind, std::strerror(errno));
    return -1;
  }
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
    *error = fmt::format("{} SO_REUSEPORT: {}", kind, std::strerror(errno));
    ::close(fd);
    return -1;
  }
  SocketAddress sa;
  socklen_t len = to_sockaddr(endpoint, &sa);
  if (::bind(fd, sa.sockaddr(), len) != 0) {
    *error = fmt::format("cannot listen on {} {}: {}", kind, at.str(), std::strerror(errno));
    ::close(fd);
    return -1;
  }
  if (type == SOCK_STREAM && ::listen(fd, 1024) != 0) {
    *error = fmt::format("tcp listen on {}: {}", at.str(), std::strerror(errno));
    ::close(fd);
    return -1;
  }
  len = sizeof sa;
  ::getsockname(fd, sa.sockaddr(), &len);
  IpEndpoint got = from_sockaddr(sa, len).value_or(endpoint);
  *bound = ListenAddress{got.address, got.port};
  return fd;
}

}  // namespace

int open_udp_socket(const ListenAddress& at, ListenAddress* bound, std::string* error) {
  return open_socket(SOCK_DGRAM, at, bound, error);
}

int open_tcp_listener(const ListenAddress& at, ListenAddress* bound, std::string* error) {
  return open_socket(SOCK_STREAM, at, bound, error);
}

bool send_unfragmented(int fd, std::string* error) {
  // RFC 9715 (IP Fragmentation Avoidance in DNS over UDP, section 3.1) asks UDP responders to
  // send DNS responses unfragmented, and labgate's replies fit 1232 bytes anyway. PROBE rather
  // than DO: the path MTU the kernel may have learnt (from ICMP anyone can forge) is ignored, so a
  // reply is sent whole or not at all (EMSGSIZE above the interface MTU: the client retries over
  // TCP). Also, a datagram with DF set needs no IP ID, so the kernel skips __ip_select_ident's
  // shared hash per reply (it writes ID 0). labgate's sockets are IPv4 only; an IPv6 socket would
  // need IPV6_MTU_DISCOVER = IPV6_PMTUDISC_PROBE (or IPV6_DONTFRAG) likewise.
  int probe = IP_PMTUDISC_PROBE;
  if (::setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &probe, sizeof probe) != 0) {
    *error = fmt::format("udp IP_MTU_DISCOVER: {}", std::strerror(errno));
    return false;
  }
  return true;
}

}  // namespace labgate::runtime
