// Several backends, health checks, accepting PROXY headers and reload, on loopback (no root).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "support/eventually.h"
#include "support/status.h"

#include "proxy/health_checker.h"
#include "proxy/loopback_test_util.h"
#include "proxy/proxy_server.h"

namespace labgate::proxy {
namespace {

using ::labgate::test_support::IsOk;
using ::labgate::test_support::take;

using namespace loopback;  // NOLINT: the test's sockets

ProxyForward pool_of(std::vector<Backend> backends) {
  ProxyForward f;
  f.label = "pool";
  f.listen = {kLoopback, 0};
  f.backends = std::move(backends);
  return f;
}

// A port nothing listens on (a listener's, closed again).
uint16_t dead_port() {
  TestListener gone;
  return gone.port;
}

// True if a TCP connection to the port is refused.
bool refused(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(kLoopback.v4_value());
  bool r = ::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0;
  ::close(fd);
  return r;
}

// Sends `message` through the proxy and returns which of `backends` got it (-1: none).
int served_by(uint16_t port, std::vector<TestListener*> backends, const std::string& message) {
  int client = connect_to(port);
  send_all(client, message);
  int which = -1;
  for (int waited = 0; waited < 5000 && which < 0; waited += 10) {
    for (size_t i = 0; i < backends.size() && which < 0; ++i) {
      int b = backends[i]->accept_within(i == 0 ? 10 : 0);
      if (b < 0) continue;
      timeval tv{5, 0};
      ::setsockopt(b, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      std::string got = read_exactly(b, message.size());
      ::close(b);
      if (got.empty()) continue;  // a health check: connected and closed
      EXPECT_EQ(got, message);
      which = static_cast<int>(i);
    }
  }
  ::close(client);
  return which;
}

TEST(PoolRelayTest, RoundRobinAlternatesAndADeadBackendCostsNoClientAnything) {
  TestListener a, b;
  uint16_t dead = dead_port();
  ProxyForward f = pool_of({a.backend(), {kLoopback, dead}, b.backend()});
  f.health_interval_ms = 60000;  // checked (so marked down passively); one check each at start
  ProxyServer server({f});
  ASSERT_TRUE(IsOk(server.bind(1)));
  server.start();
  uint16_t port = server.forwards()[0].listen.port;
  // The first client sent to the dead backend is sent on to the next one, and the dead one is
  // marked down at once: every client is served, and a and b take turns.
  std::vector<int> order;
  for (int i = 0; i < 6; ++i) order.push_back(served_by(port, {&a, &b}, "m" + std::to_string(i)));
  for (int who : order) EXPECT_GE(who, 0);
  EXPECT_EQ(std::count(order.begin(), order.end(), 0), 3) << "a got every other client";
  EXPECT_EQ(std::count(order.begin(), order.end(), 1), 3);
  server.stop();
  EXPECT_EQ(server.state(0).failed.load(), 0u);
}

TEST(PoolRelayTest, EveryBackendDeadClosesTheClient) {
  ProxyServer server({pool_of({{kLoopback, dead_port()}, {kLoopback, dead_port()}})});
  ASSERT_TRUE(IsOk(server.bind(1)));
  server.start();
  int client = connect_to(server.forwards()[0].listen.port);
  EXPECT_EQ(read_to_eof(client), "");
  ::close(client);
  server.stop();
  EXPECT_EQ(server.state(0).failed.load(), 1u);
}

using labgate::test_support::eventually;

TEST(HealthCheckerTest, ChecksMarkDownAndUpAgain) {
  auto live = std::make_unique<TestListener>();
  uint16_t port = dead_port();
  auto up_state = std::make_shared<BackendState>();
  auto down_state = std::make_shared<BackendState>();
  HealthChecker checker;
  checker.set_targets({{"test", live->backend(), up_state, 50, 40, ProxyVersion::kV2},
                       {"test", {kLoopback, port}, down_state, 50, 40, std::nullopt}});
  checker.start();
  EXPECT_TRUE(eventually([&] { return !down_state->up.load(); }));
  EXPECT_TRUE(up_state->up.load());
  // The check of a PROXY-sending forward sends a v2 LOCAL header.
  int b = live->accept_within(2000);
  ASSERT_GE(b, 0);
  EXPECT_EQ(read_exactly(b, 16), health_check_header(ProxyVersion::kV2));
  ::close(b);

  // The backend comes back on the same port: up after two good checks.
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(kLoopback.v4_value());
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  ::listen(fd, 64);
  EXPECT_TRUE(eventually([&] { return down_state->up.load(); }));

  // A passive failure reported by a loop keeps it down until two more good checks.
  down_state->up = false;
  down_state->passive_failures.fetch_add(1);
  EXPECT_TRUE(eventually([&] { return down_state->up.load(); }));
  checker.stop();
  ::close(fd);
}

TEST(AcceptProxyTest, TrustedSourceHeaderNamesTheClient) {
  TestListener backend;
  ProxyForward f = pool_of({backend.backend()});
  f.accept_proxy = {IpPrefix{IpAddress::v4(0x7F000000), 8}};
  f.send_proxy_header = ProxyVersion::kV1;
  ProxyServer server({f});
  ASSERT_TRUE(IsOk(server.bind(1)));
  server.start();
  uint16_t port = server.forwards()[0].listen.port;
  const std::string sent_on = "PROXY TCP4 10.1.2.3 192.168.1.55 40000 443\r\n";
  ProxyEndpoints e{IpAddress::v4(0x0A010203), 40000, IpAddress::v4(0xC0A80137), 443};
  for (const std::string& header : {sent_on, proxy_v2_header(e)}) {
    int client = connect_to(port);
    // In two pieces: the header may arrive split.
    send_all(client, header.substr(0, 5));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    send_all(client, header.substr(5) + "payload");
    int b = backend.accept_within(5000);
    ASSERT_GE(b, 0);
    timeval tv{5, 0};
    ::setsockopt(b, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    EXPECT_EQ(read_exactly(b, sent_on.size() + 7), sent_on + "payload");
    ::close(b);
    ::close(client);
  }
  // A malformed header: closed, nothing reaches the backend.
  int client = connect_to(port);
  send_all(client, "PROXY TCP4 10.1.2.3\r\n");
  EXPECT_EQ(read_to_eof(client), "");
  ::close(client);
  // No header at all (plain bytes): closed too.
  client = connect_to(port);
  send_all(client, "GET / HTTP/1.0\r\n\r\n");
  EXPECT_EQ(read_to_eof(client), "");
  ::close(client);
  EXPECT_LT(backend.accept_within(200), 0);
  server.stop();
  EXPECT_EQ(server.state(0).failed.load(), 2u);
}

TEST(AcceptProxyTest, UntrustedSourceIsClosedAtOnce) {
  TestListener backend;
  ProxyForward f = pool_of({backend.backend()});
  f.accept_proxy = {IpPrefix{IpAddress::v4(0x0A000000), 8}};  // 10.0.0.0/8: not loopback
  ProxyServer server({f});
  ASSERT_TRUE(IsOk(server.bind(1)));
  server.start();
  int client = connect_to(server.forwards()[0].listen.port);
  send_all(client, "PROXY TCP4 10.1.2.3 192.168.1.55 40000 443\r\n");
  EXPECT_EQ(read_to_eof(client), "");
  EXPECT_LT(backend.accept_within(200), 0);
  ::close(client);
  server.stop();
}

TEST(ReloadTest, KeptListenerStaysChangedGetsNewSettingsRemovedDrains) {
  TestListener a, b;
  ProxyForward first = pool_of({a.backend()});
  first.label = "first";
  ProxyForward second = pool_of({a.backend()});
  second.label = "second";
  ProxyServer server({first, second}, /*drain_ms=*/300);
  ASSERT_TRUE(IsOk(server.bind(2)));
  server.start();
  uint16_t p1 = server.forwards()[0].listen.port;
  uint16_t p2 = server.forwards()[1].listen.port;

  // Established before the reload: one connection on each forward.
  int c1 = connect_to(p1);
  int a1 = a.accept_within(5000);
  ASSERT_GE(a1, 0);
  int c2 = connect_to(p2);
  int a2 = a.accept_within(5000);
  ASSERT_GE(a2, 0);
  for (int fd : {a1, a2, c1, c2}) {
    timeval tv{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }

  // The first forward now goes to b; the second is gone; a third appears.
  ProxyForward changed = first;
  changed.listen.port = p1;
  changed.backends = {b.backend()};
  ProxyForward third = pool_of({b.backend()});
  third.label = "third";
  ForwardDiff diff;
  ASSERT_TRUE(IsOk(take(server.reload({changed, third}), &diff)));
  EXPECT_EQ(diff.changed, 1u);
  EXPECT_EQ(diff.added, 1u);
  EXPECT_EQ(diff.removed, (std::vector<size_t>{1}));
  std::vector<ProxyForward> now = server.forwards();
  ASSERT_EQ(now.size(), 2u);
  EXPECT_EQ(now[0].listen.port, p1);  // the same listener
  uint16_t p3 = now[1].listen.port;

  EXPECT_TRUE(eventually([&] { return refused(p2); })) << "the removed forward still listens";
  // The established connection of the changed forward goes on, to its old backend.
  send_all(c1, "still");
  EXPECT_EQ(read_exactly(a1, 5), "still");
  send_all(a1, "back");
  EXPECT_EQ(read_exactly(c1, 4), "back");
  // New connections get the new settings.
  EXPECT_EQ(served_by(p1, {&a, &b}, "new"), 1);
  EXPECT_EQ(served_by(p3, {&a, &b}, "third"), 1);
  // The removed forward's connection is closed after the drain bound (300 ms).
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(read_to_eof(c2), "");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  // A reload that cannot open its new listener changes nothing.
  ProxyForward clash = pool_of({b.backend()});
  clash.listen = {IpAddress::v4(0x08080808), 1};  // not an address of this machine
  EXPECT_FALSE(server.reload({changed, clash}));
  EXPECT_EQ(server.forwards().size(), 2u);
  EXPECT_EQ(served_by(p3, {&a, &b}, "still third"), 1);
  for (int fd : {c1, a1, c2, a2}) ::close(fd);
  server.stop();
}

}  // namespace
}  // namespace labgate::proxy
