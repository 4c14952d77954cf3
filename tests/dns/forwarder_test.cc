// The forwarder end to end on loopback: the real runtime (one loop) in front, fake upstreams
// behind (sockets this test owns and answers by hand), so every reply the forwarder sees is
// chosen here: wrong IDs, wrong names, truncation, silence.
#include "dns/forwarder.h"
#include "plan/plan.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "support/status.h"

#include <cstring>
#include <thread>

#include "diag/diagnostic.h"
#include "dns/dns_test_util.h"
#include "dns/service.h"
#include "runtime/server.h"
#include "topology/loader.h"
#include "topology/seed.h"

namespace labgate::dns {
namespace {

using ::labgate::test_support::IsOk;

using testing::Bytes;
using testing::make_query;
using namespace std::chrono_literals;

constexpr uint32_t kLoopback = 0x7F000001;

sockaddr_in loopback(uint16_t port) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(kLoopback);
  return sa;
}

uint16_t port_of(int fd) {
  sockaddr_in sa{};
  socklen_t len = sizeof sa;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  return ntohs(sa.sin_port);
}

bool readable(int fd, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, timeout_ms) == 1;
}

Message parsed(const Bytes& bytes) {
  Message m;
  EXPECT_EQ(parse_message(bytes.data(), bytes.size(), &m), ParseStatus::kOk);
  return m;
}

uint32_t address_at(const Bytes& reply, const Record& r) {
  const uint8_t* p = reply.data() + r.rdata_offset;
  return uint32_t{p[0]} << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

// An upstream's reply to `query`: its ID unless `id` is given, A records for `addresses`.
struct ReplySpec {
  std::optional<uint16_t> id;
  std::string name;    // default: the query's name
  uint16_t qtype = 0;  // default: the query's type
  std::vector<uint32_t> addresses = {0x01020304};
  uint32_t ttl = 300;
  uint16_t extra_flags = flag::kAa;  // upstreams that are authoritative set AA
  uint8_t rcode = rcode::kNoError;
};

Bytes upstream_reply(const Bytes& query, const ReplySpec& s) {
  Query q;
  EXPECT_EQ(parse_query(query.data(), query.size(), &q), ParseStatus::kOk);
  Bytes b(65535);
  Writer w(b.data(), b.size());
  w.header(s.id.value_or(q.header.id),
           static_cast<uint16_t>(flag::kQr | flag::kRd | flag::kRa | s.extra_flags | s.rcode));
  Name name = s.name.empty() ? q.qname : *Name::from_text(s.name);
  w.question(name, s.qtype ? s.qtype : q.qtype, klass::kIn);
  for (uint32_t a : s.addresses) w.a(Section::kAnswer, name, s.ttl, a);
  if (q.edns.present) w.opt(1232, 0, false);
  b.resize(w.finish());
  return b;
}

// A fake upstream: a UDP socket and a TCP listener on one loopback port.
class FakeUpstream {
 public:
  FakeUpstream() {
    udp_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in sa = loopback(0);
    ::bind(udp_, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
    port_ = port_of(udp_);
    tcp_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sa = loopback(port_);
    ::bind(tcp_, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
    ::listen(tcp_, 8);
  }
  ~FakeUpstream() {
    ::close(udp_);
    ::close(tcp_);
  }
  uint16_t port() const { return port_; }
  Upstream address() const { return {IpAddress::v4(kLoopback), port_}; }

  // The next query over UDP, or empty after `timeout_ms`.
  Bytes receive(int timeout_ms = 2000) {
    if (!readable(udp_, timeout_ms)) return {};
    Bytes b(65535);
    socklen_t len = sizeof from_;
    ssize_t n = ::recvfrom(udp_, b.data(), b.size(), 0, reinterpret_cast<sockaddr*>(&from_), &len);
    b.resize(n > 0 ? n : 0);
    return b;
  }
  // Replies to the sender of the last query, from this upstream's address or another socket.
  void send(const Bytes& reply, bool from_elsewhere = false) {
    int fd = udp_;
    if (from_elsewhere) {
      fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
      sockaddr_in sa = loopback(0);
      ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
    }
    ::sendto(fd, reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&from_), sizeof from_);
    if (from_elsewhere) ::close(fd);
  }
  // Accepts one TCP connection, reads one framed query and answers it with `answer(query)`.
  template <typename F>
  bool serve_tcp_once(F answer) {
    if (!readable(tcp_, 2000)) return false;
    int c = ::accept4(tcp_, nullptr, nullptr, SOCK_CLOEXEC);
    Bytes in;
    uint8_t chunk[4096];
    while (in.size() < 2 || in.size() < 2 + (size_t{in[0]} << 8 | in[1])) {
      if (!readable(c, 2000)) break;
      ssize_t n = ::recv(c, chunk, sizeof chunk, 0);
      if (n <= 0) break;
      in.insert(in.end(), chunk, chunk + n);
    }
    bool ok = in.size() >= 2;
    if (ok) {
      Bytes reply = answer(Bytes(in.begin() + 2, in.end()));
      Bytes framed = {static_cast<uint8_t>(reply.size() >> 8), static_cast<uint8_t>(reply.size())};
      framed.insert(framed.end(), reply.begin(), reply.end());
      ok = ::send(c, framed.data(), framed.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(framed.size());
    }
    ::close(c);
    return ok;
  }

 private:
  int udp_ = -1, tcp_ = -1;
  uint16_t port_ = 0;
  sockaddr_in from_{};
};

// A client socket of the test: sends a query now, reads the reply later.
class Client {
 public:
  explicit Client(uint16_t server_port, bool tcp = false) : tcp_(tcp) {
    fd_ = ::socket(AF_INET, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0);
    sockaddr_in sa = loopback(server_port);
    ::connect(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  }
  ~Client() { ::close(fd_); }
  void send(const Bytes& query) {
    Bytes out;
    if (tcp_) out = {static_cast<uint8_t>(query.size() >> 8), static_cast<uint8_t>(query.size())};
    out.insert(out.end(), query.begin(), query.end());
    ::send(fd_, out.data(), out.size(), MSG_NOSIGNAL);
  }
  // The reply, or empty after `timeout_ms`.
  Bytes receive(int timeout_ms = 3000) {
    Bytes got;
    uint8_t chunk[65535];
    while (readable(fd_, timeout_ms)) {
      ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) break;
      got.insert(got.end(), chunk, chunk + n);
      if (!tcp_) return got;
      if (got.size() >= 2 && got.size() >= 2 + (size_t{got[0]} << 8 | got[1]))
        return Bytes(got.begin() + 2, got.end());
    }
    return {};
  }

 private:
  int fd_ = -1;
  bool tcp_;
};

class ForwarderTest : public ::testing::Test {
 protected:
  void start(std::vector<Upstream> upstreams) {
    Diagnostics d;
    Topology t = check_topology(seed_topology_text(), d);
    ASSERT_FALSE(d.has_errors());
    auto authority = seed_authority();
    DnsServiceOptions options;
    options.forwarder.try_timeout = 200ms;
    service_ = std::make_unique<DnsService>(authority, forwarding(std::move(upstreams)), options);
    // One loop, so that every client meets the same cache and the same queries in flight.
    ASSERT_TRUE(IsOk(server_.bind(*service_, {{IpAddress::v4(kLoopback), 0}}, 1)));
    server_.start();
  }
  void TearDown() override { server_.stop(); }
  // A new Authority for the seed each call (a reload builds a new one from the same file).
  static std::shared_ptr<const Authority> seed_authority() {
    Diagnostics d;
    Topology t = check_topology(seed_topology_text(), d);
    EXPECT_FALSE(d.has_errors());
    return Authority::build(compile(t).dns, {.loopback_view = "lan"}).value();
  }
  static std::shared_ptr<const ForwardingConfig> forwarding(std::vector<Upstream> upstreams) {
    auto config = std::make_shared<ForwardingConfig>();
    config->upstreams = std::move(upstreams);
    return config;
  }
  // Asks `name` through a new client; the reply (empty: none in time).
  Bytes ask(const std::string& name, uint16_t id) {
    Client c(port());
    c.send(make_query(name, type::kA, {.id = id}));
    return c.receive();
  }
  // The upstream's next query answered with A `address`; false when none came.
  static bool answer_next(FakeUpstream& up, uint32_t address) {
    Bytes sent = up.receive();
    if (sent.empty()) return false;
    up.send(upstream_reply(sent, {.addresses = {address}}));
    return true;
  }
  // The upstream's next query answered with "QNAME CNAME argocd.cluster" and "argocd.cluster A
  // 6.6.6.6" (a record for the seed's local zone); false when none came.
  static bool answer_next_with_local_cname(FakeUpstream& up) {
    Bytes sent = up.receive();
    if (sent.empty()) return false;
    Query q;
    if (parse_query(sent.data(), sent.size(), &q) != ParseStatus::kOk) return false;
    Bytes b(512);
    Writer w(b.data(), b.size());
    w.header(q.header.id, flag::kQr | flag::kRd | flag::kRa);
    w.question(q.qname, type::kA, klass::kIn);
    w.name_record(Section::kAnswer, q.qname, type::kCname, 300, *Name::from_text("argocd.cluster"));
    w.a(Section::kAnswer, *Name::from_text("argocd.cluster"), 300, 0x06060606);
    if (q.edns.present) w.opt(1232, 0, false);
    b.resize(w.finish());
    up.send(b);
    return true;
  }
  uint16_t port() const { return server_.bound()[0].port; }

  std::unique_ptr<DnsService> service_;
  runtime::Server server_;
};

TEST_F(ForwarderTest, ForwardsAMissWithItsOwnIdAndEdnsThenAnswersFromTheCache) {
  FakeUpstream up;
  start({up.address()});
  Client client(port());
  Bytes query = make_query("www.example.com", type::kA, {.id = 7, .edns = true});
  std::memcpy(query.data() + 13, "WWW", 3);  // the client's spelling (Name lowercases)
  client.send(query);
  Bytes sent = up.receive();
  ASSERT_FALSE(sent.empty()) << "nothing reached the upstream";
  Query q;
  ASSERT_EQ(parse_query(sent.data(), sent.size(), &q), ParseStatus::kOk);
  EXPECT_TRUE(q.header.flags & flag::kRd);
  EXPECT_TRUE(q.edns.present);
  EXPECT_EQ(q.edns.udp_size, 1232);
  EXPECT_EQ(q.qname, *Name::from_text("www.example.com"));
  up.send(upstream_reply(sent, {.addresses = {0x01020304}}));

  Bytes reply = client.receive();
  ASSERT_FALSE(reply.empty());
  Message m = parsed(reply);
  EXPECT_EQ(m.header.id, 7);
  EXPECT_TRUE(m.header.flags & flag::kRa);
  EXPECT_FALSE(m.header.flags & flag::kAa) << "a forwarded answer is not authoritative";
  EXPECT_TRUE(m.edns.present);
  ASSERT_EQ(m.answers.size(), 1u);
  EXPECT_EQ(address_at(reply, m.answers[0]), 0x01020304u);
  // The client's spelling of the question comes back.
  EXPECT_EQ(std::string(reply.begin() + 13, reply.begin() + 16), "WWW");

  // Again, from other clients: answered from the cache, never asked upstream.
  for (uint16_t id = 8; id < 20; ++id) {
    Client again(port());
    again.send(make_query("www.example.com", type::kA, {.id = id}));
    Bytes r = again.receive();
    ASSERT_FALSE(r.empty());
    EXPECT_EQ(parsed(r).header.id, id);
    EXPECT_EQ(parsed(r).answers.size(), 1u);
  }
  EXPECT_TRUE(up.receive(100).empty()) << "a cached name was asked upstream again";
}

// labgate_dns_cache_entries reads these gauges: N distinct forwarded names, N entries (one loop).
TEST_F(ForwarderTest, TheCacheEntriesGaugeCountsDistinctForwardedNames) {
  FakeUpstream up;
  start({up.address()});
  EXPECT_EQ(service_->stats().cache_entries, 0u);
  EXPECT_EQ(service_->stats().cache_capacity, DnsServiceOptions{}.cache_entries);
  Client client(port());
  const int names = 5;
  for (int i = 0; i < names; ++i) {
    client.send(make_query("n" + std::to_string(i) + ".example.com", type::kA,
                           {.id = static_cast<uint16_t>(i)}));
    Bytes sent = up.receive();
    ASSERT_FALSE(sent.empty()) << "nothing reached the upstream";
    up.send(upstream_reply(sent, {}));
    ASSERT_FALSE(client.receive().empty());
  }
  // The same names again come from the cache: no new entries.
  for (int i = 0; i < names; ++i) {
    client.send(make_query("n" + std::to_string(i) + ".example.com", type::kA, {}));
    ASSERT_FALSE(client.receive().empty());
  }
  EXPECT_EQ(service_->stats().cache_entries, static_cast<uint64_t>(names));
}

TEST_F(ForwarderTest, IgnoresRepliesThatDoNotMatchTheQuery) {
  FakeUpstream up;
  start({up.address()});
  Client client(port());
  client.send(make_query("www.example.com", type::kA, {.id = 9}));
  Bytes sent = up.receive();
  ASSERT_FALSE(sent.empty());
  const uint16_t id = static_cast<uint16_t>(sent[0] << 8 | sent[1]);
  const uint32_t kSpoofed = 0x06060606;
  up.send(upstream_reply(sent, {.id = static_cast<uint16_t>(id + 1), .addresses = {kSpoofed}}));
  up.send(upstream_reply(sent, {.name = "www.example.org", .addresses = {kSpoofed}}));
  up.send(upstream_reply(sent, {.qtype = type::kAaaa, .addresses = {kSpoofed}}));
  up.send(upstream_reply(sent, {.addresses = {kSpoofed}}), /*from_elsewhere=*/true);
  Bytes query_echo = sent;  // a query is not a reply (QR clear)
  up.send(query_echo);
  EXPECT_TRUE(client.receive(100).empty()) << "a reply that does not match was believed";
  // The name's case does not matter (RFC 4343): the real reply is believed.
  up.send(upstream_reply(sent, {.name = "WWW.EXAMPLE.COM", .addresses = {0x01020304}}));
  Bytes reply = client.receive();
  ASSERT_FALSE(reply.empty());
  Message m = parsed(reply);
  EXPECT_EQ(m.header.id, 9);
  ASSERT_EQ(m.answers.size(), 1u);
  EXPECT_EQ(address_at(reply, m.answers[0]), 0x01020304u);
}

TEST_F(ForwarderTest, CoalescesIdenticalQuestionsOfUdpAndTcpClients) {
  FakeUpstream up;
  start({up.address()});
  // Two UDP clients and a TCP one ask the same question while it is out: one upstream query.
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < 3; ++i) clients.push_back(std::make_unique<Client>(port(), i == 2));
  for (uint16_t i = 0; i < 3; ++i)
    clients[i]->send(make_query("same.example", type::kA, {.id = static_cast<uint16_t>(100 + i)}));
  Bytes sent = up.receive();
  ASSERT_FALSE(sent.empty());
  EXPECT_TRUE(up.receive(100).empty()) << "the same question was asked upstream twice";
  up.send(upstream_reply(sent, {}));
  for (uint16_t i = 0; i < 3; ++i) {
    Bytes r = clients[i]->receive();
    ASSERT_FALSE(r.empty()) << "client " << i;
    EXPECT_EQ(parsed(r).header.id, 100 + i);
    EXPECT_EQ(parsed(r).answers.size(), 1u);
  }
}

TEST_F(ForwarderTest, TimeoutMovesToTheNextUpstreamThenStaleThenServfail) {
  FakeUpstream silent, second;
  start({silent.address(), second.address()});
  Client client(port());
  client.send(make_query("short.example", type::kA, {.id = 1}));
  ASSERT_FALSE(silent.receive().empty());
  Bytes sent = second.receive(1000);  // after the first try's 200 ms
  ASSERT_FALSE(sent.empty()) << "the second upstream was not tried";
  second.send(upstream_reply(sent, {.ttl = 1}));
  Bytes reply = client.receive();
  ASSERT_FALSE(reply.empty());
  EXPECT_EQ(parsed(reply).answers[0].ttl, 1u);

  std::this_thread::sleep_for(1100ms);  // past the TTL
  // Both upstreams silent now: after both tries time out, the expired answer is served stale.
  client.send(make_query("short.example", type::kA, {.id = 2}));
  Bytes r = client.receive(2000);
  ASSERT_FALSE(r.empty()) << "no answer when every upstream is silent";
  Message m = parsed(r);
  EXPECT_EQ(m.header.id, 2);
  EXPECT_EQ(m.header.rcode(), rcode::kNoError);
  ASSERT_EQ(m.answers.size(), 1u);
  EXPECT_EQ(m.answers[0].ttl, Cache::kStaleTtl);
  EXPECT_FALSE(silent.receive(0).empty());
  EXPECT_FALSE(second.receive(0).empty());

  client.send(make_query("never.example", type::kA, {.id = 50, .edns = true}));
  r = client.receive(2000);
  ASSERT_FALSE(r.empty());
  m = parsed(r);
  EXPECT_EQ(m.header.id, 50);
  EXPECT_EQ(m.header.rcode(), rcode::kServFail);
  EXPECT_TRUE(m.header.flags & flag::kRa);
  EXPECT_TRUE(m.edns.present);
  EXPECT_EQ(m.questions.size(), 1u);
}

TEST_F(ForwarderTest, AnUpstreamThatRefusesIsSkippedAtOnce) {
  // A port nobody listens on: the ICMP error ends the try without waiting for the timeout.
  int closed = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in sa = loopback(0);
  ::bind(closed, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  Upstream nobody{IpAddress::v4(kLoopback), port_of(closed)};
  ::close(closed);
  FakeUpstream up;
  start({nobody, up.address()});
  Client client(port());
  client.send(make_query("www.example.com", type::kA));
  Bytes sent = up.receive(150);  // well before the 200 ms timeout
  ASSERT_FALSE(sent.empty());
  up.send(upstream_reply(sent, {}));
  EXPECT_FALSE(client.receive().empty());
}

TEST_F(ForwarderTest, TruncatedReplyIsRetriedOverTcpAndServedWholeOverTcp) {
  FakeUpstream up;
  start({up.address()});
  std::vector<uint32_t> many;
  for (uint32_t i = 0; i < 100; ++i) many.push_back(0x0A000000 + i);  // ~1.6 KB of records

  Client udp(port());
  udp.send(make_query("big.example", type::kA, {.id = 1, .edns = true}));
  Bytes sent = up.receive();
  ASSERT_FALSE(sent.empty());
  up.send(upstream_reply(sent, {.addresses = {}, .extra_flags = flag::kTc}));
  ASSERT_TRUE(up.serve_tcp_once([&](const Bytes& q) {
    return upstream_reply(q, {.addresses = many});
  })) << "no TCP retry";
  // The UDP client's 1232 bytes cannot hold it: TC, so it retries over TCP.
  Bytes small = udp.receive();
  ASSERT_FALSE(small.empty());
  Message m = parsed(small);
  EXPECT_TRUE(m.header.flags & flag::kTc);
  EXPECT_EQ(m.answers.size(), 0u);

  // Over TCP the whole answer, from the cache.
  Client tcp(port(), /*tcp=*/true);
  tcp.send(make_query("big.example", type::kA, {.id = 2}));
  Bytes whole = tcp.receive();
  ASSERT_FALSE(whole.empty());
  m = parsed(whole);
  EXPECT_EQ(m.header.id, 2);
  EXPECT_FALSE(m.header.flags & flag::kTc);
  EXPECT_EQ(m.answers.size(), 100u);
}

TEST_F(ForwarderTest, AnUpstreamCannotSpeakForALocalName) {
  // x.example.com CNAME argocd.cluster, argocd.cluster A 6.6.6.6: the CNAME is relayed, the A
  // record is not (argocd.cluster is the zone's own; the client asks for it and gets its view).
  FakeUpstream up;
  start({up.address()});
  Client client(port());
  client.send(make_query("x.example.com", type::kA, {.id = 3}));
  ASSERT_TRUE(answer_next_with_local_cname(up));

  Bytes reply = client.receive();
  ASSERT_FALSE(reply.empty());
  Message m = parsed(reply);
  EXPECT_EQ(m.header.id, 3);
  EXPECT_EQ(m.header.rcode(), rcode::kNoError);
  ASSERT_EQ(m.answers.size(), 1u);
  EXPECT_EQ(m.answers[0].type, type::kCname);
  for (const auto* section : {&m.answers, &m.authority, &m.additional})
    for (const Record& r : *section)
      EXPECT_NE(r.name, *Name::from_text("argocd.cluster"))
          << "an upstream record for a local name";
  // From the cache too, and the local name itself is still the zone's.
  Client again(port());
  again.send(make_query("x.example.com", type::kA, {.id = 4}));
  Message cached = parsed(again.receive());
  EXPECT_EQ(cached.answers.size(), 1u);
  Client local(port());
  local.send(make_query("argocd.cluster", type::kA, {.id = 5}));
  Bytes local_reply = local.receive();
  Message l = parsed(local_reply);
  ASSERT_EQ(l.answers.size(), 1u);
  EXPECT_EQ(address_at(local_reply, l.answers[0]), 0xC0A80137u);  // the LAN's view: the gateway
}

// A reload whose upstreams differ clears the loop's cache (and its gauge) when the loop switches:
// the name is asked of the new upstream, not answered from the old one's reply.
TEST_F(ForwarderTest, AReloadWithOtherUpstreamsClearsTheCache) {
  FakeUpstream before, after;
  start({before.address()});
  std::thread upstream([&] { EXPECT_TRUE(answer_next(before, 0x01010101)); });
  Bytes first = ask("www.example.com", 1);
  upstream.join();
  ASSERT_FALSE(first.empty());
  EXPECT_EQ(address_at(first, parsed(first).answers.at(0)), 0x01010101u);
  EXPECT_EQ(service_->stats().cache_entries, 1u);

  service_->replace(seed_authority(), forwarding({after.address()}));
  // A local name: the loop switches on this batch, without forwarding anything.
  ASSERT_FALSE(ask("argocd.cluster", 2).empty());
  EXPECT_EQ(service_->stats().cache_entries, 0u) << "the gauge did not follow the clear";

  std::thread upstream2([&] { EXPECT_TRUE(answer_next(after, 0x02020202)); });
  Bytes second = ask("www.example.com", 3);
  upstream2.join();
  ASSERT_FALSE(second.empty());
  EXPECT_EQ(address_at(second, parsed(second).answers.at(0)), 0x02020202u)
      << "answered from the old upstream's cached reply";
  EXPECT_TRUE(before.receive(100).empty());
  EXPECT_EQ(service_->stats().cache_entries, 1u);
}

// The cached reply for x.example.com was stripped of argocd.cluster's A record while `cluster`
// was local; once no name is local, the reply is asked again and relayed whole.
TEST_F(ForwarderTest, AReloadThatMakesALocalNameForeignForgetsRepliesStrippedForIt) {
  FakeUpstream up;
  start({up.address()});
  auto cname_reply = [&] { EXPECT_TRUE(answer_next_with_local_cname(up)); };
  std::thread upstream(cname_reply);
  Bytes stripped = ask("x.example.com", 1);
  upstream.join();
  ASSERT_FALSE(stripped.empty());
  EXPECT_EQ(parsed(stripped).answers.size(), 1u) << "argocd.cluster's A was not stripped";

  // The same upstreams, no `dns:` zone: nothing is local any more.
  service_->replace(Authority::build(DnsPlan{}, {}).value(), forwarding({up.address()}));
  std::thread upstream2(cname_reply);
  Bytes whole = ask("x.example.com", 2);
  upstream2.join();
  ASSERT_FALSE(whole.empty());
  Message m = parsed(whole);
  ASSERT_EQ(m.answers.size(), 2u) << "the reply stripped under the old zone was served";
  EXPECT_EQ(address_at(whole, m.answers[1]), 0x06060606u);

  // And back: `cluster` local again, so the whole reply cached just now must not be served.
  service_->replace(seed_authority(), forwarding({up.address()}));
  std::thread upstream3(cname_reply);
  Bytes again = ask("x.example.com", 3);
  upstream3.join();
  ASSERT_FALSE(again.empty());
  EXPECT_EQ(parsed(again).answers.size(), 1u) << "a record for a local name came from the cache";
}

// A reload of the same file builds new objects with the same content: the cache is kept (as the
// serve-stale step of dns_forward_test.sh relies on).
TEST_F(ForwarderTest, AReloadThatChangesNothingCachedKeepsTheCache) {
  FakeUpstream up;
  start({up.address()});
  std::thread upstream([&] { EXPECT_TRUE(answer_next(up, 0x01010101)); });
  ASSERT_FALSE(ask("www.example.com", 1).empty());
  upstream.join();
  service_->replace(seed_authority(), forwarding({up.address()}));
  Bytes cached = ask("www.example.com", 2);
  ASSERT_FALSE(cached.empty());
  EXPECT_EQ(address_at(cached, parsed(cached).answers.at(0)), 0x01010101u);
  EXPECT_TRUE(up.receive(100).empty())
      << "asked upstream again after a reload that changed nothing";
  EXPECT_EQ(service_->stats().cache_entries, 1u);
}

// A query out when the loop switches: its reply still reaches the client, but is not cached.
TEST_F(ForwarderTest, AReplyAskedBeforeThePlanChangedIsRelayedButNotCached) {
  FakeUpstream before, after;
  start({before.address()});
  Client client(port());
  client.send(make_query("www.example.com", type::kA, {.id = 1}));
  Bytes sent = before.receive();
  ASSERT_FALSE(sent.empty());
  service_->replace(seed_authority(), forwarding({after.address()}));
  ASSERT_FALSE(ask("argocd.cluster", 2).empty());  // the loop switches
  before.send(upstream_reply(sent, {.addresses = {0x01010101}}));
  Bytes old_reply = client.receive();
  ASSERT_FALSE(old_reply.empty());
  EXPECT_EQ(address_at(old_reply, parsed(old_reply).answers.at(0)), 0x01010101u);
  EXPECT_EQ(service_->stats().cache_entries, 0u);

  std::thread upstream([&] { EXPECT_TRUE(answer_next(after, 0x02020202)); });
  Bytes fresh = ask("www.example.com", 3);
  upstream.join();
  ASSERT_FALSE(fresh.empty());
  EXPECT_EQ(address_at(fresh, parsed(fresh).answers.at(0)), 0x02020202u);
}

TEST(ForwardingConfig, LoopbackAndTheRecursionNetworksMayRecurse) {
  ForwardingConfig c;
  c.upstreams = {{IpAddress::v4(0xC0A80101), 53}};
  c.recursion = {*IpPrefix::parse("192.168.1.0/24")};
  EXPECT_TRUE(c.allowed(IpAddress::v4(0xC0A8010A)));   // 192.168.1.10
  EXPECT_FALSE(c.allowed(IpAddress::v4(0xC0A8640A)));  // 192.168.100.10
  EXPECT_FALSE(c.allowed(IpAddress::v4(0x08080808)));  // 8.8.8.8: on no network
  EXPECT_TRUE(c.allowed(IpAddress::v4(0x7F000001)));
  EXPECT_TRUE(c.allowed(IpAddress::v4(0x7F0000FE)));
}

}  // namespace
}  // namespace labgate::dns
