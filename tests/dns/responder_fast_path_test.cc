// respond() copies common answers from bytes the Authority precomputed; respond_by_writer()
// writes every reply record by record. They must agree byte for byte on every query, so the fast
// path can never answer differently from the path the other tests pin down.
#include <gtest/gtest.h>

#include <string>
#include <tuple>

#include "diag/diagnostic.h"
#include "dns/dns_test_util.h"
#include "dns/responder.h"
#include "dns/split_horizon_topology.h"
#include "plan/plan.h"
#include "topology/loader.h"

namespace labgate::dns {
namespace {

using testing::Bytes;
using testing::kSplitHorizonTopology;
using testing::make_query;
using testing::QueryOptions;

const Authority& authority() {
  static const std::shared_ptr<const Authority> a = [] {
    Diagnostics d;
    Topology t = check_topology(kSplitHorizonTopology, d);
    for (const auto& e : d.all()) ADD_FAILURE() << format_diagnostic("test", e);
    auto built = Authority::build(compile(t).dns, {.serial = 7, .loopback_view = "lan"});
    EXPECT_TRUE(built) << built.error();
    return built ? *built : nullptr;
  }();
  return *a;
}

const IpAddress kLan = IpAddress::v4(0xC0A8010A);       // 192.168.1.10
const IpAddress kCluster = IpAddress::v4(0xC0A8643C);   // 192.168.100.60
const IpAddress kGuest = IpAddress::v4(0x0A090005);     // 10.9.0.5
const IpAddress kLoopback = IpAddress::v4(0x7F000001);  // 127.0.0.1, given the LAN's view
const IpAddress kStranger = IpAddress::v4(0xAC100001);  // 172.16.0.1

Bytes reply(bool fast, const Bytes& q, IpAddress client, Transport t, size_t capacity) {
  Bytes out(capacity);
  size_t n =
      fast ? respond(authority(), q.data(), q.size(), client, t, out.data(), out.size())
           : respond_by_writer(authority(), q.data(), q.size(), client, t, out.data(), out.size());
  out.resize(n);
  return out;
}

TEST(RespondFastPath, AgreesWithTheWriterOnEveryQuery) {
  const char* names[] = {"argocd.cluster",
                         "ArGoCd.CLUSTER",  // the client's case is echoed, the answer points at it
                         "x.apps.cluster",  // wildcard
                         "Deep.X.apps.cluster",
                         "files.apps.cluster",
                         "api.k8s.cluster",
                         "k8s.cluster",  // empty non-terminal
                         "nas.cluster",
                         "pve.cluster",  // the gateway's own name
                         "cluster",
                         "nosuch.cluster",
                         "80.100.168.192.in-addr.arpa",
                         "example.com"};
  const uint16_t qtypes[] = {type::kA, type::kAaaa, type::kAny, type::kMx, type::kSoa, type::kPtr};
  const IpAddress clients[] = {kLan, kCluster, kGuest, kLoopback, kStranger};
  const QueryOptions options[] = {
      {},
      {.id = 0xBEEF, .flags = 0},  // RD clear
      {.flags = flag::kRd | flag::kCd},
      {.edns = true},
      {.edns = true, .udp_size = 100},  // below 512: means 512
      {.edns = true, .udp_size = 4096},
      {.qclass = klass::kAny},
  };
  int compared = 0, answered_a = 0;
  for (const char* name : names) {
    for (uint16_t qtype : qtypes) {
      for (const QueryOptions& o : options) {
        Bytes q = make_query(name, qtype, o);
        for (IpAddress client : clients) {
          for (Transport t : {Transport::kUdp, Transport::kTcp}) {
            Bytes fast = reply(true, q, client, t, 65535);
            Bytes writer = reply(false, q, client, t, 65535);
            ASSERT_EQ(fast, writer) << name << " type " << qtype << " from " << client.str()
                                    << (t == Transport::kTcp ? " tcp" : " udp");
            ++compared;
            Message m;
            if (!fast.empty() && parse_message(fast.data(), fast.size(), &m) == ParseStatus::kOk &&
                !m.answers.empty() && m.answers[0].type == type::kA)
              ++answered_a;
          }
        }
      }
    }
  }
  EXPECT_EQ(compared, 13 * 6 * 7 * 5 * 2);
  EXPECT_GT(answered_a, 100);  // the table exercises the fast path, not only the other replies
}

TEST(RespondFastPath, DnssecOkIsEchoedInTheOpt) {
  Bytes q(512);
  Writer w(q.data(), q.size());
  w.header(9, flag::kRd);
  w.question(*Name::from_text("argocd.cluster"), type::kA, klass::kIn);
  w.opt(1232, 0, /*dnssec_ok=*/true);
  q.resize(w.finish());
  Bytes fast = reply(true, q, kLan, Transport::kUdp, 1232);
  EXPECT_EQ(fast, reply(false, q, kLan, Transport::kUdp, 1232));
  Message m;
  ASSERT_EQ(parse_message(fast.data(), fast.size(), &m), ParseStatus::kOk);
  EXPECT_TRUE(m.edns.present);
  EXPECT_TRUE(m.edns.dnssec_ok);
  EXPECT_EQ(m.edns.udp_size, kEdnsUdpSize);
}

TEST(RespondFastPath, TheAnswerIsTheViewsAddressWithTheZoneTtl) {
  Bytes q = make_query("argocd.cluster", type::kA, {.id = 0x4242});
  for (auto [client, address] : {std::tuple{kLan, 0xC0A80137u},         // the gateway on the LAN
                                 std::tuple{kCluster, 0xC0A86450u}}) {  // the service itself
    Bytes r = reply(true, q, client, Transport::kUdp, 512);
    // header + the question as sent + one 16-byte A record whose owner points at offset 12.
    ASSERT_EQ(r.size(), 12 + q.size() - 12 + 16);
    EXPECT_EQ(r[0], 0x42);
    EXPECT_EQ(r[1], 0x42);
    EXPECT_EQ(r[2], 0x85);  // QR, AA, RD
    EXPECT_EQ(r[3], 0x00);
    const uint8_t* a = r.data() + q.size();
    const uint8_t expected[16] = {0xC0,
                                  0x0C,
                                  0,
                                  1,
                                  0,
                                  1,
                                  0,
                                  0,
                                  0x01,
                                  0x2C,  // TTL 300
                                  0,
                                  4,
                                  static_cast<uint8_t>(address >> 24),
                                  static_cast<uint8_t>(address >> 16),
                                  static_cast<uint8_t>(address >> 8),
                                  static_cast<uint8_t>(address)};
    EXPECT_EQ(Bytes(a, a + 16), Bytes(expected, expected + 16));
  }
}

TEST(RespondFastPath, ASmallBufferFallsBackToTruncation) {
  // Below the documented 512-byte minimum, so only a guard: when the fast reply does not fit,
  // the Writer path decides, and neither writes past the buffer (ASan would see it).
  Bytes q = make_query("argocd.cluster", type::kA);
  for (size_t capacity : {size_t{30}, size_t{40}, size_t{48}})
    EXPECT_EQ(reply(true, q, kLan, Transport::kTcp, capacity),
              reply(false, q, kLan, Transport::kTcp, capacity))
        << capacity;
}

}  // namespace
}  // namespace labgate::dns
