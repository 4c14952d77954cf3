// UdpProxyServer::reload on loopback (no root), with echo backends that tag their answers so a
// reply tells which backend, and which proxy session socket, it went through. Proves: a kept
// forward keeps its sockets and its clients' sessions (same session port before and after); a
// changed backend serves new clients while an open session goes on with the old one; a removed
// forward stops answering and its sockets are closed; a server started with no forwards gets one
// by reload; a socket that cannot be bound fails the reload and changes nothing.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "proxy/udp_server.h"

namespace labgate::proxy {
namespace {

const Ipv4 kLoopback{0x7F000001};

sockaddr_in loopback(uint16_t port) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(kLoopback.value);
  return sa;
}

// A UDP socket on 127.0.0.1 (kernel-chosen port unless given), without SO_REUSEPORT.
struct UdpSocket {
  int fd = -1;
  uint16_t port = 0;
  bool bound = false;
  explicit UdpSocket(uint16_t at = 0) {
    fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in sa = loopback(at);
    bound = ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0;
    socklen_t len = sizeof sa;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
    port = ntohs(sa.sin_port);
  }
  ~UdpSocket() { ::close(fd); }
  void send_to(uint16_t to, const std::string& payload) const {
    sockaddr_in sa = loopback(to);
    ::sendto(fd, payload.data(), payload.size(), 0, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  }
  // The next datagram ("" after `ms`), and the port it came from.
  std::string receive_within(int ms, uint16_t* from_port = nullptr) const {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, ms) != 1) return "";
    char buffer[2048];
    sockaddr_in sa{};
    socklen_t len = sizeof sa;
    ssize_t n = ::recvfrom(fd, buffer, sizeof buffer, 0, reinterpret_cast<sockaddr*>(&sa), &len);
    if (n < 0) return "";
    if (from_port) *from_port = ntohs(sa.sin_port);
    return std::string(buffer, static_cast<size_t>(n));
  }
  // Sends and waits for the answer (one retry: loopback does not lose, but be fair to UDP).
  std::string ask(uint16_t to, const std::string& payload, uint16_t* from_port = nullptr) const {
    for (int attempt = 0; attempt < 2; ++attempt) {
      send_to(to, payload);
      std::string reply = receive_within(1000, from_port);
      if (!reply.empty()) return reply;
    }
    return "";
  }
};

// Answers every datagram with "TAG PAYLOAD via PORT", PORT being the sender's (the proxy session
// socket's) port, until destroyed.
class EchoBackend {
 public:
  explicit EchoBackend(std::string tag) : tag_(std::move(tag)), thread_([this] { serve(); }) {}
  ~EchoBackend() {
    stop_ = true;
    thread_.join();
  }
  Backend backend() const { return {kLoopback, socket_.port}; }

 private:
  void serve() {
    while (!stop_) {
      pollfd p{socket_.fd, POLLIN, 0};
      if (::poll(&p, 1, 20) != 1) continue;
      char buffer[2048];
      sockaddr_in from{};
      socklen_t len = sizeof from;
      ssize_t n = ::recvfrom(socket_.fd, buffer, sizeof buffer, 0,
                             reinterpret_cast<sockaddr*>(&from), &len);
      if (n < 0) continue;
      std::string reply =
          fmt::format("{} {} via {}", tag_, std::string(buffer, size_t(n)), ntohs(from.sin_port));
      ::sendto(socket_.fd, reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&from), len);
    }
  }
  std::string tag_;
  UdpSocket socket_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

UdpForward forward_to(const EchoBackend& backend, uint16_t port = 0, std::string label = "test") {
  UdpForward f;
  f.label = std::move(label);
  f.listen = {kLoopback, port};
  f.backend = backend.backend();
  return f;
}

template <typename Predicate>
bool eventually(Predicate done) {
  for (int i = 0; i < 300 && !done(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return done();
}

TEST(UdpReloadTest, KeptForwardKeepsItsSocketAndTheClientsSession) {
  EchoBackend one("one"), two("two");
  UdpProxyServer proxy({forward_to(one)});
  std::string error;
  ASSERT_TRUE(proxy.bind(2, &error)) << error;
  proxy.start();
  const uint16_t port = proxy.forwards()[0].listen.port;
  UdpSocket client;
  uint16_t from = 0;
  std::string before = client.ask(port, "a", &from);
  ASSERT_EQ(before.rfind("one a via ", 0), 0u) << before;
  EXPECT_EQ(from, port);

  std::vector<UdpForward> next = proxy.forwards();
  next.push_back(forward_to(two, 0, "added"));
  ForwardDiff diff;
  ASSERT_TRUE(proxy.reload(next, &diff, &error)) << error;
  EXPECT_EQ(diff.unchanged, 1u);
  EXPECT_EQ(diff.added, 1u);
  EXPECT_TRUE(diff.removed.empty());

  // Same session: the backend sees the same session socket port; the reply comes from the same
  // listen port; no second session was opened.
  std::string after = client.ask(port, "b", &from);
  EXPECT_EQ(after, "one b via " + before.substr(std::string("one a via ").size()));
  EXPECT_EQ(from, port);
  EXPECT_EQ(proxy.state(0).opened.load(), 1u);
  EXPECT_EQ(proxy.forwards()[0].listen.port, port);
}

TEST(UdpReloadTest, ChangedBackendServesNewClientsWhileOpenSessionsKeepTheOld) {
  EchoBackend one("one"), two("two");
  UdpProxyServer proxy({forward_to(one)});
  std::string error;
  ASSERT_TRUE(proxy.bind(2, &error)) << error;
  proxy.start();
  const uint16_t port = proxy.forwards()[0].listen.port;
  UdpSocket old_client;
  ASSERT_EQ(old_client.ask(port, "x").rfind("one x", 0), 0u);

  ForwardDiff diff;
  ASSERT_TRUE(proxy.reload({forward_to(two, port)}, &diff, &error)) << error;
  EXPECT_EQ(diff.changed, 1u);
  EXPECT_EQ(proxy.forwards()[0].backend, two.backend());

  // The loops take the change after their current batch, so a client quick enough may still get
  // the old settings; soon every new client gets the new backend.
  int new_clients = 0;
  EXPECT_TRUE(eventually([&] {
    UdpSocket new_client;
    ++new_clients;
    return new_client.ask(port, "y").rfind("two y", 0) == 0;
  }));
  EXPECT_EQ(old_client.ask(port, "z").rfind("one z", 0), 0u);
  // The counters carry over to the changed forward: all sessions are counted together.
  EXPECT_EQ(proxy.state(0).opened.load(), 1u + new_clients);
}

TEST(UdpReloadTest, RemovedForwardStopsAnsweringAndClosesItsSockets) {
  EchoBackend one("one"), two("two");
  UdpProxyServer proxy({forward_to(one, 0, "kept"), forward_to(two, 0, "removed")});
  std::string error;
  ASSERT_TRUE(proxy.bind(2, &error)) << error;
  proxy.start();
  const uint16_t kept = proxy.forwards()[0].listen.port;
  const uint16_t removed = proxy.forwards()[1].listen.port;
  UdpSocket client;
  ASSERT_EQ(client.ask(removed, "r").rfind("two r", 0), 0u);

  ForwardDiff diff;
  ASSERT_TRUE(proxy.reload({proxy.forwards()[0]}, &diff, &error)) << error;
  ASSERT_EQ(diff.removed, std::vector<size_t>{1});
  ASSERT_EQ(proxy.forwards().size(), 1u);

  // Every loop closed its socket: the port can be bound again without SO_REUSEPORT.
  EXPECT_TRUE(eventually([&] { return UdpSocket(removed).bound; }));
  EXPECT_EQ(client.ask(removed, "s"), "");
  EXPECT_EQ(client.ask(kept, "k").rfind("one k", 0), 0u);
}

TEST(UdpReloadTest, ServerStartedWithoutForwardsGetsOneByReload) {
  EchoBackend one("one");
  UdpProxyServer proxy({});
  std::string error;
  ASSERT_TRUE(proxy.bind(2, &error)) << error;
  proxy.start();
  ForwardDiff diff;
  ASSERT_TRUE(proxy.reload({forward_to(one)}, &diff, &error)) << error;
  EXPECT_EQ(diff.added, 1u);
  ASSERT_EQ(proxy.forwards().size(), 1u);
  const uint16_t port = proxy.forwards()[0].listen.port;
  ASSERT_NE(port, 0);
  // Clients hashed to either loop's socket get answers: several client ports.
  for (int i = 0; i < 8; ++i) {
    UdpSocket client;
    EXPECT_EQ(client.ask(port, fmt::format("c{}", i)).rfind(fmt::format("one c{}", i), 0), 0u);
  }
  EXPECT_EQ(proxy.state(0).opened.load(), 8u);
}

TEST(UdpReloadTest, SocketThatCannotBeBoundChangesNothing) {
  EchoBackend one("one"), two("two");
  UdpProxyServer proxy({forward_to(one)});
  std::string error;
  ASSERT_TRUE(proxy.bind(2, &error)) << error;
  proxy.start();
  const uint16_t port = proxy.forwards()[0].listen.port;
  const std::vector<UdpForward> before = proxy.forwards();
  UdpSocket taken;  // bound without SO_REUSEPORT: the proxy cannot share its port
  ASSERT_TRUE(taken.bound);

  ForwardDiff diff;
  EXPECT_FALSE(
      proxy.reload({forward_to(two, port), forward_to(two, taken.port, "busy")}, &diff, &error));
  EXPECT_NE(error.find("busy"), std::string::npos) << error;
  EXPECT_EQ(proxy.forwards(), before);
  UdpSocket client;
  EXPECT_EQ(client.ask(port, "q").rfind("one q", 0), 0u);  // still the old backend
}

}  // namespace
}  // namespace labgate::proxy
