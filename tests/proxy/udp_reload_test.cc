// UdpProxyServer::reload on loopback (no root), with echo backends that tag their answers so a
// reply tells which backend, and which proxy session socket, it went through. Proves: a kept
// forward keeps its sockets and its clients' sessions (same session port before and after); a
// changed backend serves new clients while an open session goes on with the old one; a removed
// forward stops answering and its sockets are closed; a server started with no forwards gets one
// by reload; a socket that cannot be bound fails the reload and changes nothing.
#include <netinet/in.h>

#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "support/status.h"

#include "proxy/udp_loopback.h"
#include "proxy/udp_server.h"

namespace labgate::proxy {
namespace {

using ::labgate::test_support::IsOk;
using ::labgate::test_support::take;

using test_support::EchoBackend;
using test_support::eventually;
using test_support::forward_to;
using test_support::UdpSocket;

// An echo backend answering "TAG PAYLOAD via PORT", PORT being the sender's (the proxy session
// socket's) port.
EchoBackend::Reply tagged(std::string tag) {
  return [tag](std::string_view payload, const sockaddr_in& sender) {
    return fmt::format("{} {} via {}", tag, payload, ntohs(sender.sin_port));
  };
}

TEST(UdpReloadTest, KeptForwardKeepsItsSocketAndTheClientsSession) {
  EchoBackend one(tagged("one")), two(tagged("two"));
  UdpProxyServer proxy({forward_to(one)});
  ASSERT_TRUE(IsOk(proxy.bind(2)));
  proxy.start();
  const uint16_t port = proxy.forwards()[0].listen.port;
  UdpSocket client;
  sockaddr_in from{};
  std::string before = client.ask(port, "a", &from);
  ASSERT_EQ(before.rfind("one a via ", 0), 0u) << before;
  EXPECT_EQ(ntohs(from.sin_port), port);

  std::vector<UdpForward> next = proxy.forwards();
  next.push_back(forward_to(two, 0, "added"));
  ForwardDiff diff;
  ASSERT_TRUE(IsOk(take(proxy.reload(next), &diff)));
  EXPECT_EQ(diff.unchanged, 1u);
  EXPECT_EQ(diff.added, 1u);
  EXPECT_TRUE(diff.removed.empty());

  // Same session: the backend sees the same session socket port; the reply comes from the same
  // listen port; no second session was opened.
  std::string after = client.ask(port, "b", &from);
  EXPECT_EQ(after, "one b via " + before.substr(std::string("one a via ").size()));
  EXPECT_EQ(ntohs(from.sin_port), port);
  EXPECT_EQ(proxy.state(0).opened.load(), 1u);
  EXPECT_EQ(proxy.forwards()[0].listen.port, port);
}

TEST(UdpReloadTest, ChangedBackendServesNewClientsWhileOpenSessionsKeepTheOld) {
  EchoBackend one(tagged("one")), two(tagged("two"));
  UdpProxyServer proxy({forward_to(one)});
  ASSERT_TRUE(IsOk(proxy.bind(2)));
  proxy.start();
  const uint16_t port = proxy.forwards()[0].listen.port;
  UdpSocket old_client;
  ASSERT_EQ(old_client.ask(port, "x").rfind("one x", 0), 0u);

  ForwardDiff diff;
  ASSERT_TRUE(IsOk(take(proxy.reload({forward_to(two, port)}), &diff)));
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
  EchoBackend one(tagged("one")), two(tagged("two"));
  UdpProxyServer proxy({forward_to(one, 0, "kept"), forward_to(two, 0, "removed")});
  ASSERT_TRUE(IsOk(proxy.bind(2)));
  proxy.start();
  const uint16_t kept = proxy.forwards()[0].listen.port;
  const uint16_t removed = proxy.forwards()[1].listen.port;
  UdpSocket client;
  ASSERT_EQ(client.ask(removed, "r").rfind("two r", 0), 0u);

  ForwardDiff diff;
  ASSERT_TRUE(IsOk(take(proxy.reload({proxy.forwards()[0]}), &diff)));
  ASSERT_EQ(diff.removed, std::vector<size_t>{1});
  ASSERT_EQ(proxy.forwards().size(), 1u);

  // Every loop closed its socket: the port can be bound again without SO_REUSEPORT.
  EXPECT_TRUE(eventually([&] { return UdpSocket(removed).bound; }));
  EXPECT_EQ(client.ask(removed, "s"), "");
  EXPECT_EQ(client.ask(kept, "k").rfind("one k", 0), 0u);
}

TEST(UdpReloadTest, ServerStartedWithoutForwardsGetsOneByReload) {
  EchoBackend one(tagged("one"));
  UdpProxyServer proxy({});
  ASSERT_TRUE(IsOk(proxy.bind(2)));
  proxy.start();
  ForwardDiff diff;
  ASSERT_TRUE(IsOk(take(proxy.reload({forward_to(one)}), &diff)));
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
  EchoBackend one(tagged("one")), two(tagged("two"));
  UdpProxyServer proxy({forward_to(one)});
  std::string error;
  ASSERT_TRUE(IsOk(proxy.bind(2)));
  proxy.start();
  const uint16_t port = proxy.forwards()[0].listen.port;
  const std::vector<UdpForward> before = proxy.forwards();
  UdpSocket taken;  // bound without SO_REUSEPORT: the proxy cannot share its port
  ASSERT_TRUE(taken.bound);

  auto reloaded = proxy.reload({forward_to(two, port), forward_to(two, taken.port, "busy")});
  EXPECT_FALSE(reloaded);
  EXPECT_NE(reloaded.error().find("busy"), std::string::npos) << reloaded.error();
  EXPECT_EQ(proxy.forwards(), before);
  UdpSocket client;
  EXPECT_EQ(client.ask(port, "q").rfind("one q", 0), 0u);  // still the old backend
}

}  // namespace
}  // namespace labgate::proxy
