// The runtime end to end on loopback: real sockets, real threads, the DNS service.
#include "runtime/server.h"
#include "plan/plan.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "support/status.h"

#include <atomic>
#include <thread>

#include "diag/diagnostic.h"
#include "dns/dns_test_util.h"
#include "dns/service.h"
#include "support/udp_query.h"
#include "topology/loader.h"
#include "topology/seed.h"

namespace labgate::runtime {
namespace {

using ::labgate::test_support::IsOk;

using dns::testing::Bytes;
using dns::testing::make_query;
using test_support::first_a;
using test_support::to_sockaddr;
using test_support::udp_exchange;

std::shared_ptr<const dns::Authority> authority_for(std::string_view yaml, const char* view) {
  Diagnostics d;
  Topology t = check_topology(yaml, d);
  EXPECT_FALSE(d.has_errors());
  return dns::Authority::build(compile(t).dns, {.loopback_view = view}).value();
}

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    service_ = std::make_unique<dns::DnsService>(authority_for(seed_topology_text(), "lan"));
    ASSERT_TRUE(IsOk(server_.bind(*service_, {{IpAddress::v4(0x7F000001), 0}}, 2)));
    ASSERT_EQ(server_.bound().size(), 1u);
    ASSERT_NE(server_.bound()[0].port, 0);
    server_.start();
  }
  void TearDown() override { server_.stop(); }

  std::unique_ptr<dns::DnsService> service_;
  Server server_;
};

TEST_F(ServerTest, AnswersOverUdp) {
  Bytes reply = udp_exchange(server_.bound()[0], make_query("argocd.cluster", dns::type::kA));
  ASSERT_FALSE(reply.empty());
  EXPECT_EQ(first_a(reply), 0xC0A80137u);  // 192.168.1.55: loopback gets the LAN's view here
}

TEST_F(ServerTest, AnswersPipelinedQueriesOverTcpSplitAcrossWrites) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in sa = to_sockaddr(server_.bound()[0]);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  Bytes stream;
  for (uint16_t id : {1, 2}) {
    Bytes q = make_query(id == 1 ? "argocd.cluster" : "nosuch.cluster", dns::type::kA, {.id = id});
    stream.push_back(static_cast<uint8_t>(q.size() >> 8));
    stream.push_back(static_cast<uint8_t>(q.size()));
    stream.insert(stream.end(), q.begin(), q.end());
  }
  // One byte first (half a length prefix), then the rest after a pause.
  ASSERT_EQ(::send(fd, stream.data(), 1, 0), 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_EQ(::send(fd, stream.data() + 1, stream.size() - 1, 0),
            static_cast<ssize_t>(stream.size() - 1));
  ::shutdown(fd, SHUT_WR);  // the server still answers both, then closes
  Bytes got;
  uint8_t chunk[4096];
  pollfd p{fd, POLLIN, 0};
  while (::poll(&p, 1, 2000) == 1) {
    ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) break;
    got.insert(got.end(), chunk, chunk + n);
  }
  ::close(fd);
  size_t at = 0;
  std::vector<dns::Message> replies;
  while (got.size() - at >= 2) {
    size_t len = size_t{got[at]} << 8 | got[at + 1];
    ASSERT_LE(at + 2 + len, got.size());
    dns::Message m;
    ASSERT_EQ(dns::parse_message(got.data() + at + 2, len, &m), dns::ParseStatus::kOk);
    replies.push_back(m);
    at += 2 + len;
  }
  ASSERT_EQ(replies.size(), 2u);
  EXPECT_EQ(replies[0].header.id, 1);
  EXPECT_EQ(replies[0].answers.size(), 1u);
  EXPECT_EQ(replies[1].header.id, 2);
  EXPECT_EQ(replies[1].header.rcode(), dns::rcode::kNxDomain);
}

TEST_F(ServerTest, ReloadSwapsAnswersWithoutDroppingQueries) {
  // A second topology where argocd points at another service on the cluster network.
  std::string changed(seed_topology_text());
  const std::string host = "host: argocd.cluster }";
  changed.replace(changed.find(host), host.size(), "host: argocd.cluster, service: sftp }");
  auto next = authority_for(changed, "cluster");

  // The client sends queries back to back until it has seen 50 answers from the new file (or
  // 10 s pass); the reload happens once it has seen 50 from the old one.
  std::atomic<int> lost{0}, before{0}, after{0};
  std::thread client([&] {
    int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in sa = to_sockaddr(server_.bound()[0]);
    ::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    for (uint16_t id = 0; after < 50 && std::chrono::steady_clock::now() < deadline; ++id) {
      Bytes q = make_query("argocd.cluster", dns::type::kA, {.id = id});
      ::send(fd, q.data(), q.size(), 0);
      pollfd p{fd, POLLIN, 0};
      uint8_t buf[512];
      ssize_t n = ::poll(&p, 1, 1000) == 1 ? ::recv(fd, buf, sizeof buf, 0) : -1;
      uint32_t a = n > 0 ? first_a(Bytes(buf, buf + n)) : 0;
      if (a == 0xC0A80137u)
        ++before;  // the seed, LAN view: the gateway
      else if (a == 0xC0A86451u)
        ++after;  // the new file, cluster view: sftp's 192.168.100.81
      else
        ++lost;
    }
    ::close(fd);
  });
  for (int ms = 0; before < 50 && lost == 0 && ms < 10000; ++ms)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  service_->replace(next);
  client.join();
  EXPECT_EQ(lost, 0);
  EXPECT_GE(before, 50);
  EXPECT_EQ(after, 50);
  EXPECT_EQ(service_->current(), next);
  EXPECT_EQ(first_a(udp_exchange(server_.bound()[0], make_query("argocd.cluster", dns::type::kA))),
            0xC0A86451u);
}

// Several recvmmsg batches from two clients, with unanswered datagrams (responses, which a
// server never answers) between the queries: every query gets exactly one reply, with its own ID,
// at the client that asked -- so the batch's headers, reused from batch to batch, and the replies
// packed ahead of the skipped datagrams, each go back to the right peer.
TEST(Server, AnswersEveryQueryOfABurstAtTheClientThatAskedIt) {
  // One loop, so both clients' datagrams share its socket and its batches.
  dns::DnsService service(authority_for(seed_topology_text(), "lan"));
  Server server;
  ASSERT_TRUE(IsOk(server.bind(service, {{IpAddress::v4(0x7F000001), 0}}, 1)));
  server.start();
  constexpr int kPerClient = 70;  // both clients together: more than four batches of 32
  int clients[2];
  sockaddr_in sa = to_sockaddr(server.bound()[0]);
  for (int& fd : clients) {
    fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  }
  for (int n = 0; n < kPerClient; ++n) {
    for (int c = 0; c < 2; ++c) {
      auto id = static_cast<uint16_t>(c << 8 | n);
      Bytes q = make_query("argocd.cluster", dns::type::kA, {.id = id});
      ASSERT_EQ(::send(clients[c], q.data(), q.size(), 0), static_cast<ssize_t>(q.size()));
      if (n % 5 == 0) {  // a response: dropped without a reply
        Bytes r = make_query("argocd.cluster", dns::type::kA, {.id = id, .flags = dns::flag::kQr});
        ASSERT_EQ(::send(clients[c], r.data(), r.size(), 0), static_cast<ssize_t>(r.size()));
      }
    }
  }
  for (int c = 0; c < 2; ++c) {
    std::vector<int> replies(kPerClient, 0);
    uint8_t buffer[512];
    pollfd p{clients[c], POLLIN, 0};
    while (::poll(&p, 1, 1000) == 1) {
      ssize_t got = ::recv(clients[c], buffer, sizeof buffer, 0);
      ASSERT_GE(got, 12);
      EXPECT_EQ(buffer[0], c) << "a reply to the other client's query";
      ASSERT_LT(buffer[1], kPerClient);
      ++replies[buffer[1]];
      EXPECT_EQ(first_a(Bytes(buffer, buffer + got)), 0xC0A80137u);
    }
    for (int n = 0; n < kPerClient; ++n)
      EXPECT_EQ(replies[n], 1) << "client " << c << " query " << n;
    ::close(clients[c]);
  }
}

TEST(Server, BindFailureIsReportedAndLeavesNothingOpen) {
  dns::DnsService service(authority_for(seed_topology_text(), ""));
  Server server;
  // 192.0.2.1 (TEST-NET-1) is not an address of this machine.
  Status bound = server.bind(service, {{IpAddress::v4(0xC0000201), 5353}}, 2);
  EXPECT_FALSE(bound.ok());
  EXPECT_NE(bound.message().find("192.0.2.1:5353"), std::string::npos) << bound.message();
  EXPECT_TRUE(server.bound().empty());
}

}  // namespace
}  // namespace labgate::runtime
