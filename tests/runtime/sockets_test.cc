// The listening sockets' options, read back from the kernel.
#include "runtime/sockets.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

namespace labgate::runtime {
namespace {

int int_option(int fd, int level, int name) {
  int value = -1;
  socklen_t size = sizeof value;
  EXPECT_EQ(::getsockopt(fd, level, name, &value, &size), 0);
  return value;
}

// RFC 9715: DNS replies are sent with DF set and never fragmented, whatever path MTU the kernel
// may have learnt (see sockets.cc); the UDP proxy's sockets keep the default, so its datagrams
// may be fragmented as their sender expects.
TEST(Sockets, DnsUdpSocketsSendUnfragmentedOthersKeepTheDefault) {
  Result<BoundSocket> socket = open_udp_socket({IpAddress::v4(0x7F000001), 0});
  ASSERT_TRUE(socket) << socket.error();
  const int fd = socket->fd;
  EXPECT_NE(int_option(fd, IPPROTO_IP, IP_MTU_DISCOVER), IP_PMTUDISC_PROBE);
  EXPECT_EQ(int_option(fd, SOL_SOCKET, SO_REUSEPORT), 1);
  EXPECT_NE(socket->bound.port, 0);
  Status unfragmented = send_unfragmented(fd);
  ASSERT_TRUE(unfragmented.ok()) << unfragmented.to_string();
  EXPECT_EQ(int_option(fd, IPPROTO_IP, IP_MTU_DISCOVER), IP_PMTUDISC_PROBE);
  ::close(fd);
}

TEST(Sockets, TcpListenersKeepTheDefaultPathMtuDiscovery) {
  Result<BoundSocket> socket = open_tcp_listener({IpAddress::v4(0x7F000001), 0});
  ASSERT_TRUE(socket) << socket.error();
  const int fd = socket->fd;
  EXPECT_NE(int_option(fd, IPPROTO_IP, IP_MTU_DISCOVER), IP_PMTUDISC_PROBE);
  ::close(fd);
}

}  // namespace
}  // namespace labgate::runtime
