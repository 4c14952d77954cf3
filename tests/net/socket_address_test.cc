#include "net/socket_address.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

namespace labgate {
namespace {

IpEndpoint endpoint(std::string_view address, uint16_t port) {
  return IpEndpoint{*IpAddress::parse(address), port};
}

TEST(SocketAddress, Ipv4EndpointToSockaddrIn) {
  SocketAddress sa;
  std::memset(&sa, 0xa5, sizeof sa);  // every byte the conversion leaves must be cleared by it
  socklen_t len = to_sockaddr(endpoint("192.168.100.81", 2222), &sa);
  EXPECT_EQ(len, sizeof(sockaddr_in));
  EXPECT_EQ(sa.family(), AF_INET);
  EXPECT_EQ(sa.v4.sin_port, htons(2222));
  char text[INET_ADDRSTRLEN];
  ASSERT_TRUE(inet_ntop(AF_INET, &sa.v4.sin_addr, text, sizeof text));
  EXPECT_STREQ(text, "192.168.100.81");
  for (uint8_t b : sa.v4.sin_zero) EXPECT_EQ(b, 0);
  EXPECT_EQ(from_sockaddr(sa, len), endpoint("192.168.100.81", 2222));
}

TEST(SocketAddress, Ipv6EndpointToSockaddrIn6) {
  SocketAddress sa;
  std::memset(&sa, 0xa5, sizeof sa);
  socklen_t len = to_sockaddr(endpoint("2001:db8::8:800:200c:417a", 53), &sa);
  EXPECT_EQ(len, sizeof(sockaddr_in6));
  EXPECT_EQ(sa.family(), AF_INET6);
  EXPECT_EQ(sa.v6.sin6_port, htons(53));
  EXPECT_EQ(sa.v6.sin6_flowinfo, 0u);
  EXPECT_EQ(sa.v6.sin6_scope_id, 0u);
  char text[INET6_ADDRSTRLEN];
  ASSERT_TRUE(inet_ntop(AF_INET6, &sa.v6.sin6_addr, text, sizeof text));
  EXPECT_STREQ(text, "2001:db8::8:800:200c:417a");
  EXPECT_EQ(from_sockaddr(sa, len), endpoint("2001:db8::8:800:200c:417a", 53));
}

TEST(SocketAddress, FromWhatTheKernelWrote) {
  sockaddr_in6 in6{};
  in6.sin6_family = AF_INET6;
  in6.sin6_port = htons(8443);
  ASSERT_EQ(inet_pton(AF_INET6, "::ffff:10.1.2.3", &in6.sin6_addr), 1);
  IpEndpoint e = from_sockaddr(in6);
  EXPECT_EQ(e, endpoint("::ffff:10.1.2.3", 8443));
  EXPECT_EQ(e.address.unmapped(), *IpAddress::parse("10.1.2.3"));

  SocketAddress sa{};
  sa.v4.sin_family = AF_UNIX;
  EXPECT_EQ(from_sockaddr(sa, sizeof sa), std::nullopt);
  sa.v4.sin_family = AF_INET6;
  EXPECT_EQ(from_sockaddr(sa, sizeof(sockaddr_in)), std::nullopt);  // too short for its family
  EXPECT_EQ(socket_family(IpFamily::kV4), AF_INET);
  EXPECT_EQ(socket_family(IpFamily::kV6), AF_INET6);
}

TEST(IpEndpoint, FormatsV6InBrackets) {
  EXPECT_EQ(endpoint("192.168.1.55", 53).str(), "192.168.1.55:53");
  EXPECT_EQ(endpoint("2001:db8::1", 53).str(), "[2001:db8::1]:53");
}

}  // namespace
}  // namespace labgate
