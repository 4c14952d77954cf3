// The DNS service's per-loop policy, driven directly (no sockets): who may recurse, what is
// REFUSED, the rate limit's drop and slip. The forwarder's I/O is in forwarder_test.cc.
#include "dns/service.h"
#include "plan/plan.h"

#include <gtest/gtest.h>

#include "diag/diagnostic.h"
#include "dns/dns_test_util.h"
#include "topology/loader.h"
#include "topology/seed.h"

namespace labgate::dns {
namespace {

using testing::Bytes;
using testing::make_query;

const IpAddress kLanClient = IpAddress::v4(0xC0A8010A);      // 192.168.1.10
const IpAddress kClusterClient = IpAddress::v4(0xC0A8643C);  // 192.168.100.60
const IpAddress kLoopbackClient = IpAddress::v4(0x7F000001);

// A loop that never runs: the service must not need it for what these tests ask.
class NoLoop : public runtime::LoopContext {
 public:
  void reply(const runtime::ReplyPath&, const uint8_t*, size_t) override { ++replies; }
  bool watch(int, uint32_t, Callback) override { return false; }
  void modify(int, uint32_t) override {}
  void unwatch(int) override {}
  int replies = 0;
};

class ServiceTest : public ::testing::Test {
 protected:
  void make(std::vector<std::string> recursion_subnets, bool upstreams,
            DnsServiceOptions options = {}) {
    Diagnostics d;
    Topology t = check_topology(seed_topology_text(), d);
    ASSERT_FALSE(d.has_errors());
    auto config = std::make_shared<ForwardingConfig>();
    // Loopback only (tests never send elsewhere); the discard port, where nothing answers.
    if (upstreams) config->upstreams = {{kLoopbackClient, 9}};
    for (const auto& s : recursion_subnets) config->recursion.push_back(*IpPrefix::parse(s));
    service_ =
        std::make_unique<DnsService>(Authority::build(compile(t).dns, {}).value(), config, options);
    handler_ = service_->make_loop_handler();
    handler_->attach(&loop_);
    handler_->refresh();
  }

  // The reply (empty for none); *deferred is set when the handler kept the query.
  Bytes ask(const Bytes& query, IpAddress client,
            runtime::Transport transport = runtime::Transport::kUdp, bool* deferred = nullptr) {
    Bytes out(transport == runtime::Transport::kUdp ? 1232 : 65535);
    runtime::ReplyPath from{transport, client, 5353, -1, 1};
    size_t n = handler_->handle(query.data(), query.size(), from, out.data(), out.size());
    if (deferred) *deferred = n == runtime::LoopHandler::kDeferred;
    out.resize(n == runtime::LoopHandler::kDeferred ? 0 : n);
    return out;
  }

  static Message parsed(const Bytes& b) {
    Message m;
    EXPECT_EQ(parse_message(b.data(), b.size(), &m), ParseStatus::kOk);
    return m;
  }

  NoLoop loop_;
  std::unique_ptr<DnsService> service_;
  std::unique_ptr<runtime::LoopHandler> handler_;
};

TEST_F(ServiceTest, AClientOutsideTheRecursionNetworksIsRefusedOtherNamesButGetsLocalOnes) {
  make({"192.168.1.0/24"}, true);
  Message m = parsed(ask(make_query("example.com", type::kA, {.id = 5}), kClusterClient));
  EXPECT_EQ(m.header.id, 5);
  EXPECT_EQ(m.header.rcode(), rcode::kRefused);
  EXPECT_FALSE(m.header.flags & flag::kRa);
  EXPECT_FALSE(m.header.flags & flag::kAa);
  ASSERT_EQ(m.questions.size(), 1u);
  EXPECT_EQ(m.questions[0].name, *Name::from_text("example.com"));
  // An address on no network of the file, too.
  EXPECT_EQ(
      parsed(ask(make_query("example.com", type::kA), IpAddress::v4(0x08080808))).header.rcode(),
      rcode::kRefused);

  Bytes local = ask(make_query("argocd.cluster", type::kA), kClusterClient);
  m = parsed(local);
  EXPECT_EQ(m.header.rcode(), rcode::kNoError);
  EXPECT_TRUE(m.header.flags & flag::kAa);
  ASSERT_EQ(m.answers.size(), 1u);
  EXPECT_EQ(loop_.replies, 0);
}

TEST_F(ServiceTest, AnAllowedClientGetsServfailAtOnceWhenNoUpstreamTryCanStart) {
  make({"192.168.1.0/24"}, true);
  bool deferred = false;
  Bytes reply = ask(make_query("example.com", type::kA, {.id = 6}), kLanClient,
                    runtime::Transport::kUdp, &deferred);
  // This loop cannot watch sockets, so the forwarder cannot start a try: SERVFAIL at once,
  // with RA (recursion is offered, it failed), never REFUSED.
  ASSERT_FALSE(deferred);
  Message m = parsed(reply);
  EXPECT_EQ(m.header.id, 6);
  EXPECT_EQ(m.header.rcode(), rcode::kServFail);
  EXPECT_TRUE(m.header.flags & flag::kRa);
  EXPECT_EQ(loop_.replies, 0) << "an answer given at once must not also be sent later";
}

TEST_F(ServiceTest, WithoutUpstreamsOtherNamesAreRefusedAsBefore) {
  make({}, false);
  Message m = parsed(ask(make_query("example.com", type::kA), kLanClient));
  EXPECT_EQ(m.header.rcode(), rcode::kRefused);
  EXPECT_FALSE(m.header.flags & flag::kRa);
}

TEST_F(ServiceTest, TheRateLimitDropsAndSlipsUdpOnly) {
  // Sources on none of the file's networks (172.16.0.0/24 here) meet the limit; they are on no
  // network, so what they are answered is REFUSED.
  make({}, false, {.rate_limit = 2, .rate_limit_burst = 2});
  const IpAddress stranger = IpAddress::v4(0xAC100001);
  const IpAddress neighbour = IpAddress::v4(0xAC1000FE);
  const IpAddress elsewhere = IpAddress::v4(0xAC100101);
  const Bytes q = make_query("argocd.cluster", type::kA, {.id = 9});
  EXPECT_EQ(parsed(ask(q, stranger)).header.rcode(), rcode::kRefused);
  EXPECT_EQ(parsed(ask(q, neighbour)).header.rcode(), rcode::kRefused);  // same /24
  EXPECT_TRUE(ask(q, stranger).empty()) << "the first excess query is dropped";
  Message slip = parsed(ask(q, stranger));
  EXPECT_TRUE(slip.header.flags & flag::kTc) << "the second is answered TC";
  EXPECT_EQ(slip.header.rcode(), rcode::kNoError);
  EXPECT_EQ(slip.header.id, 9);
  EXPECT_EQ(slip.answers.size(), 0u);
  EXPECT_EQ(slip.questions.size(), 1u);
  EXPECT_TRUE(ask(q, stranger).empty());
  // TCP, loopback and another /24 are not limited.
  EXPECT_EQ(parsed(ask(q, stranger, runtime::Transport::kTcp)).header.rcode(), rcode::kRefused);
  for (int i = 0; i < 10; ++i)
    EXPECT_EQ(parsed(ask(q, kLoopbackClient)).header.rcode(), rcode::kRefused)  // no view
        << i;
  EXPECT_EQ(parsed(ask(q, elsewhere)).header.rcode(), rcode::kRefused);
}

TEST_F(ServiceTest, TheFilesOwnNetworksAreNotRateLimited) {
  // The limit is for sources the file does not know. A whole Kubernetes cluster shares one /24,
  // so limiting the file's own networks per prefix throttled every node at once.
  make({}, false, {.rate_limit = 2, .rate_limit_burst = 2});
  const Bytes q = make_query("argocd.cluster", type::kA, {.id = 9});
  for (int i = 0; i < 1000; ++i) {
    ASSERT_EQ(parsed(ask(q, kClusterClient)).answers.size(), 1u) << i;
    ASSERT_EQ(parsed(ask(q, IpAddress::v4(0xC0A86446))).answers.size(), 1u) << i;  // another node
    ASSERT_EQ(parsed(ask(q, kLanClient)).answers.size(), 1u) << i;
  }
  // A stranger still meets the limit: two answered, then drop, TC.
  const IpAddress stranger = IpAddress::v4(0xAC100001);  // 172.16.0.1
  EXPECT_EQ(parsed(ask(q, stranger)).header.rcode(), rcode::kRefused);
  EXPECT_EQ(parsed(ask(q, stranger)).header.rcode(), rcode::kRefused);
  EXPECT_TRUE(ask(q, stranger).empty());
  EXPECT_TRUE(parsed(ask(q, stranger)).header.flags & flag::kTc);
}

}  // namespace
}  // namespace labgate::dns
