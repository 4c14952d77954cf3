// The UDP side of the proxy on loopback (no root): UdpProxyServer with hand-built forwards (port
// 0) in front of an echo backend that answers each datagram with the datagram and the address it
// came from. Proves: each client gets its own replies, from the address it sent to; the backend
// sees the proxy's socket, not the client; a session ends after its idle timeout and a new one
// opens on the next datagram; past max_sessions a new client is dropped and counted while the
// established one goes on; a burst of datagrams all make the round trip. And from the file:
// udp_proxy_forwards picks the UDP `via: proxy` forwards only, and names the options it ignores.
#include "proxy/udp_server.h"

#include <netinet/in.h>

#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "support/status.h"

#include "diag/diagnostic.h"
#include "proxy/udp_loopback.h"
#include "topology/loader.h"

namespace labgate::proxy {
namespace {

using ::labgate::test_support::IsOk;

using test_support::EchoBackend;
using test_support::eventually;
using test_support::forward_to;
using test_support::str;
using test_support::UdpSocket;

// Answers "PAYLOAD from ADDRESS:PORT", the sender being the proxy's session socket.
std::string from_source(std::string_view payload, const sockaddr_in& sender) {
  return fmt::format("{} from {}", payload, str(sender));
}

TEST(UdpRelayTest, EachClientGetsItsOwnRepliesFromTheListenAddress) {
  EchoBackend backend(from_source);
  UdpProxyServer proxy({forward_to(backend)});
  ASSERT_TRUE(IsOk(proxy.bind(2)));
  proxy.start();
  const uint16_t port = proxy.forwards()[0].listen.port;
  const std::string listen = fmt::format("127.0.0.1:{}", port);

  UdpSocket a, b;
  std::string seen_a, seen_b;
  for (int round = 0; round < 3; ++round) {
    a.send_to(port, fmt::format("a{}", round));
    b.send_to(port, fmt::format("b{}", round));
    sockaddr_in from_a{}, from_b{};
    std::string reply_a = a.receive_within(2000, &from_a);
    std::string reply_b = b.receive_within(2000, &from_b);
    EXPECT_EQ(str(from_a), listen);
    EXPECT_EQ(str(from_b), listen);
    ASSERT_TRUE(reply_a.starts_with(fmt::format("a{} from 127.0.0.1:", round))) << reply_a;
    ASSERT_TRUE(reply_b.starts_with(fmt::format("b{} from 127.0.0.1:", round))) << reply_b;
    std::string source_a = reply_a.substr(reply_a.find(" from ") + 6);
    std::string source_b = reply_b.substr(reply_b.find(" from ") + 6);
    // The backend sees the proxy's session socket: not the client, one per client, stable.
    EXPECT_NE(source_a, fmt::format("127.0.0.1:{}", a.port));
    EXPECT_NE(source_a, source_b);
    if (round == 0) seen_a = source_a, seen_b = source_b;
    EXPECT_EQ(source_a, seen_a);
    EXPECT_EQ(source_b, seen_b);
  }
  EXPECT_EQ(proxy.state(0).sessions.load(), 2u);
  EXPECT_EQ(proxy.state(0).opened.load(), 2u);
  EXPECT_EQ(proxy.state(0).datagrams_up.load(), 6u);
  // Counted after the send, so possibly just after the client read the reply.
  EXPECT_TRUE(eventually([&] { return proxy.state(0).datagrams_down.load() == 6u; }))
      << proxy.state(0).datagrams_down.load();
}

TEST(UdpRelayTest, IdleSessionExpiresAndANewOneOpens) {
  EchoBackend backend(from_source);
  UdpForward f = forward_to(backend);
  f.idle_timeout_ms = 200;
  UdpProxyServer proxy({f});
  ASSERT_TRUE(IsOk(proxy.bind(1)));
  proxy.start();
  const uint16_t port = proxy.forwards()[0].listen.port;

  UdpSocket client;
  client.send_to(port, "one");
  EXPECT_TRUE(client.receive_within(2000).starts_with("one from ")) << "no reply";
  EXPECT_EQ(proxy.state(0).sessions.load(), 1u);
  ASSERT_TRUE(eventually([&] { return proxy.state(0).sessions.load() == 0; }))
      << "the idle session did not expire";
  EXPECT_EQ(proxy.state(0).expired.load(), 1u);

  client.send_to(port, "two");
  EXPECT_TRUE(client.receive_within(2000).starts_with("two from ")) << "no reply after expiry";
  EXPECT_EQ(proxy.state(0).opened.load(), 2u);
}

TEST(UdpRelayTest, NewClientsPastTheLimitAreDroppedAndCounted) {
  EchoBackend backend(from_source);
  UdpForward f = forward_to(backend);
  f.max_sessions = 1;
  f.idle_timeout_ms = 300;
  UdpProxyServer proxy({f});
  ASSERT_TRUE(IsOk(proxy.bind(2)));
  proxy.start();
  const uint16_t port = proxy.forwards()[0].listen.port;

  UdpSocket first, second;
  first.send_to(port, "first");
  EXPECT_TRUE(first.receive_within(2000).starts_with("first from ")) << "first client unserved";
  second.send_to(port, "second");
  EXPECT_EQ(second.receive_within(300), "") << "a client past the limit was served";
  EXPECT_EQ(proxy.state(0).dropped.load(), 1u);
  first.send_to(port, "again");  // the established session goes on (and stays alive)
  EXPECT_TRUE(first.receive_within(2000).starts_with("again from "));

  // Once the first session expired, the second client gets one.
  ASSERT_TRUE(eventually([&] { return proxy.state(0).sessions.load() == 0; }));
  second.send_to(port, "second");
  EXPECT_TRUE(second.receive_within(2000).starts_with("second from ")) << "not admitted later";
}

TEST(UdpRelayTest, ABurstOfDatagramsMakesTheRoundTrip) {
  EchoBackend backend(from_source);
  UdpProxyServer proxy({forward_to(backend)});
  ASSERT_TRUE(IsOk(proxy.bind(1)));
  proxy.start();
  const uint16_t port = proxy.forwards()[0].listen.port;

  UdpSocket client;
  constexpr int kCount = 200;
  for (int i = 0; i < kCount; ++i) client.send_to(port, fmt::format("{}", i));
  std::vector<bool> seen(kCount);
  int replies = 0;
  while (replies < kCount) {
    std::string reply = client.receive_within(2000);
    if (reply.empty()) break;
    int i = std::stoi(reply.substr(0, reply.find(' ')));
    ASSERT_TRUE(i >= 0 && i < kCount);
    EXPECT_FALSE(seen[i]) << "duplicate " << i;
    seen[i] = true;
    ++replies;
  }
  EXPECT_EQ(replies, kCount);
  EXPECT_EQ(proxy.state(0).opened.load(), 1u);
}

TEST(UdpProxyForwardsTest, OnlyUdpProxyForwardsWithTheirLimit) {
  Diagnostics d;
  Topology t = check_topology(R"(networks:
  lan:     { interface: vmbr0, subnet: 192.168.1.0/24, address: 192.168.1.55, router: 192.168.1.1, uplink: true }
  cluster: { interface: vmbr1, subnet: 192.168.100.0/24, address: 192.168.100.1, masquerade: true }
services:
  ingress: { address: 192.168.100.80, ports: { http: 80 } }
  resolver: { address: 192.168.100.53, ports: { dns: "53/udp", syslog: { port: 514, protocol: udp } } }
forwards:
  - { listen: lan:80, to: ingress:http, via: proxy }
  - { listen: lan:53, to: resolver:dns, via: proxy, max_connections: 9 }
  - { listen: lan:5353, to: resolver:dns }
  - { listen: lan:514, to: resolver:syslog, via: proxy }
  - { listen: lan:5514, to: resolver:syslog, via: proxy, proxy_protocol: v2, sni: true }
)",
                              d);
  ASSERT_FALSE(d.has_errors());
  std::vector<std::string> ignored;
  std::vector<UdpForward> f = udp_proxy_forwards(compile_forwarding_plan(t), &ignored);
  ASSERT_EQ(f.size(), 3u);
  EXPECT_EQ(f[0].label, "lan:53 -> resolver:dns");
  EXPECT_EQ(f[0].listen.str(), "192.168.1.55:53");
  EXPECT_EQ(f[0].backend, (Backend{IpAddress::v4(0xC0A86435), 53}));
  EXPECT_EQ(f[0].max_sessions, 9u);
  EXPECT_EQ(f[1].label, "lan:514 -> resolver:syslog");
  EXPECT_EQ(f[1].backend.port, 514);
  EXPECT_EQ(f[1].max_sessions, 4096u);
  EXPECT_EQ(f[1].idle_timeout_ms, 60000u);
  EXPECT_EQ(ignored,
            std::vector<std::string>{"proxy lan:5514 -> resolver:syslog: ignored over UDP: "
                                     "'proxy_protocol' (no PROXY header over UDP), 'sni'"});
}

}  // namespace
}  // namespace labgate::proxy
