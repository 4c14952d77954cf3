#include "dns/cache.h"

#include <utility>

#include <gtest/gtest.h>

#include "dns/dns_test_util.h"

namespace labgate::dns {
namespace {

using testing::Bytes;
using testing::make_query;
using namespace std::chrono_literals;

const Cache::Clock::time_point t0{std::chrono::hours(1000)};

struct UpstreamReply {
  uint8_t rcode = rcode::kNoError;
  uint16_t extra_flags = 0;
  uint32_t answer_ttl = 300;  // 0: no answer record
  bool soa = false;
  uint32_t soa_ttl = 3600, soa_minimum = 60;
  bool edns = true;
};

Bytes upstream(const std::string& qname, uint16_t qtype, UpstreamReply r) {
  Bytes b(1024);
  Writer w(b.data(), b.size());
  Name name = *Name::from_text(qname);
  w.header(0x9999,
           static_cast<uint16_t>(flag::kQr | flag::kRd | flag::kRa | r.extra_flags | r.rcode));
  w.question(name, qtype, klass::kIn);
  if (r.answer_ttl) w.a(Section::kAnswer, name, r.answer_ttl, 0xC6336401);  // 198.51.100.1
  if (r.soa) {
    Soa soa{*Name::from_text("ns.example"), *Name::from_text("h.example"), 1};
    soa.minimum = r.soa_minimum;
    w.soa(Section::kAuthority, *Name::from_text("example"), r.soa_ttl, soa);
  }
  if (r.edns) w.opt(1232, 0, false);
  b.resize(w.finish());
  return b;
}

struct Served {
  Cache::Hit hit = Cache::Hit::kMiss;
  Message m;
  Bytes bytes;
};

Served serve(Cache& cache, const Bytes& query, Cache::Clock::time_point now, bool allow_stale,
             size_t limit = 1232) {
  Query q;
  EXPECT_EQ(parse_query(query.data(), query.size(), &q), ParseStatus::kOk);
  Served s;
  s.bytes.resize(limit);
  size_t n = 0;
  s.hit = cache.lookup(q, query.data(), now, allow_stale, s.bytes.data(), limit, &n);
  s.bytes.resize(n);
  if (s.hit != Cache::Hit::kMiss) {
    EXPECT_EQ(parse_message(s.bytes.data(), n, &s.m), ParseStatus::kOk);
  }
  return s;
}

const Name kName = *Name::from_text("www.example");

TEST(Cache, ServesAFreshAnswerWithTheClientsIdAndAgedTtl) {
  Cache cache(100);
  Bytes reply = upstream("www.example", type::kA, {});
  ASSERT_TRUE(cache.insert(kName, type::kA, reply.data(), reply.size(), t0));
  Served s = serve(cache, make_query("www.example", type::kA, {.id = 42}), t0 + 100s, false);
  ASSERT_EQ(s.hit, Cache::Hit::kFresh);
  EXPECT_EQ(s.m.header.id, 42);
  ASSERT_EQ(s.m.answers.size(), 1u);
  EXPECT_EQ(s.m.answers[0].ttl, 200u);
  EXPECT_FALSE(s.m.edns.present);  // the client did not use EDNS: the upstream's OPT is gone
  EXPECT_EQ(s.m.header.arcount, 0);
  Served e = serve(cache, make_query("www.example", type::kA, {.edns = true}), t0 + 1s, false);
  ASSERT_EQ(e.hit, Cache::Hit::kFresh);
  EXPECT_TRUE(e.m.edns.present);
  EXPECT_EQ(e.m.answers[0].ttl, 299u);
  // Another type of the same name is another entry.
  EXPECT_EQ(serve(cache, make_query("www.example", type::kAaaa), t0, false).hit, Cache::Hit::kMiss);
}

TEST(Cache, KeepsTheClientsSpellingAndRd) {
  Cache cache(100);
  Bytes reply = upstream("www.example", type::kA, {});
  ASSERT_TRUE(cache.insert(kName, type::kA, reply.data(), reply.size(), t0));
  Bytes query = make_query("www.example", type::kA, {.flags = 0});
  query[13] = 'W';
  Served s = serve(cache, query, t0, false);
  ASSERT_EQ(s.hit, Cache::Hit::kFresh);
  EXPECT_EQ(s.bytes[13], 'W');
  EXPECT_FALSE(s.m.header.flags & flag::kRd);
}

TEST(Cache, ExpiredEntriesAreServedStaleOnlyWhenAsked) {
  Cache cache(100);
  Bytes reply = upstream("www.example", type::kA, {.answer_ttl = 300});
  ASSERT_TRUE(cache.insert(kName, type::kA, reply.data(), reply.size(), t0));
  Bytes q = make_query("www.example", type::kA);
  EXPECT_EQ(serve(cache, q, t0 + 299s, false).hit, Cache::Hit::kFresh);
  EXPECT_EQ(serve(cache, q, t0 + 300s, false).hit, Cache::Hit::kMiss);
  Served stale = serve(cache, q, t0 + 3600s, true);
  ASSERT_EQ(stale.hit, Cache::Hit::kStale);
  EXPECT_EQ(stale.m.answers[0].ttl, Cache::kStaleTtl);
  // Past the stale window the entry is gone for good.
  EXPECT_EQ(serve(cache, q, t0 + 300s + 86400s, true).hit, Cache::Hit::kMiss);
  EXPECT_EQ(cache.size(), 0u);
}

TEST(Cache, NegativeAnswersLiveForTheSoaMinimum) {
  Cache cache(100);
  Bytes nx = upstream("nosuch.example", type::kA,
                      {.rcode = rcode::kNxDomain, .answer_ttl = 0, .soa = true});
  Name name = *Name::from_text("nosuch.example");
  ASSERT_TRUE(cache.insert(name, type::kA, nx.data(), nx.size(), t0));
  Bytes q = make_query("nosuch.example", type::kA);
  Served s = serve(cache, q, t0 + 59s, false);
  ASSERT_EQ(s.hit, Cache::Hit::kFresh);
  EXPECT_EQ(s.m.header.rcode(), rcode::kNxDomain);
  ASSERT_EQ(s.m.authority.size(), 1u);
  EXPECT_EQ(serve(cache, q, t0 + 60s, false).hit, Cache::Hit::kMiss);
  // NODATA: NOERROR without answers; the SOA's own TTL is the bound when it is smaller.
  Bytes nodata = upstream("www.example", type::kAaaa,
                          {.answer_ttl = 0, .soa = true, .soa_ttl = 10, .soa_minimum = 600});
  ASSERT_TRUE(cache.insert(kName, type::kAaaa, nodata.data(), nodata.size(), t0));
  Bytes q6 = make_query("www.example", type::kAaaa);
  EXPECT_EQ(serve(cache, q6, t0 + 9s, false).hit, Cache::Hit::kFresh);
  EXPECT_EQ(serve(cache, q6, t0 + 10s, false).hit, Cache::Hit::kMiss);
}

TEST(Cache, RefusesWhatMustNotBeCached) {
  struct Case {
    const char* what;
    std::string qname;
    uint16_t qtype;
    UpstreamReply reply;
  };
  const Case cases[] = {
      {"NXDOMAIN without SOA",
       "www.example",
       type::kA,
       {.rcode = rcode::kNxDomain, .answer_ttl = 0}},
      {"SERVFAIL", "www.example", type::kA, {.rcode = rcode::kServFail, .answer_ttl = 0}},
      {"REFUSED", "www.example", type::kA, {.rcode = rcode::kRefused, .answer_ttl = 0}},
      {"truncated", "www.example", type::kA, {.extra_flags = flag::kTc}},
      {"TTL 0", "www.example", type::kA, {.answer_ttl = 0, .soa = true, .soa_minimum = 0}},
      {"another question", "other.example", type::kA, {}},
      {"another type", "www.example", type::kMx, {}},
  };
  for (const auto& c : cases) {
    Cache cache(100);
    Bytes reply = upstream(c.qname, c.qtype, c.reply);
    EXPECT_FALSE(cache.insert(kName, type::kA, reply.data(), reply.size(), t0)) << c.what;
    EXPECT_EQ(cache.size(), 0u) << c.what;
  }
  Cache cache(100);
  EXPECT_FALSE(cache.insert(kName, type::kA, nullptr, 0, t0)) << "garbage";
}

TEST(Cache, EvictsTheLeastRecentlyUsed) {
  Cache cache(2);
  Bytes q[3];
  for (int i = 0; i < 3; ++i) {
    std::string name = "n" + std::to_string(i) + ".example";
    Bytes reply = upstream(name, type::kA, {});
    ASSERT_TRUE(cache.insert(*Name::from_text(name), type::kA, reply.data(), reply.size(), t0));
    q[i] = make_query(name, type::kA);
    if (i == 1) {
      ASSERT_EQ(serve(cache, q[0], t0, false).hit, Cache::Hit::kFresh);  // n0 used
    }
  }
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_EQ(serve(cache, q[0], t0, false).hit, Cache::Hit::kFresh);
  EXPECT_EQ(serve(cache, q[1], t0, false).hit, Cache::Hit::kMiss);
  EXPECT_EQ(serve(cache, q[2], t0, false).hit, Cache::Hit::kFresh);
}

// The labgate_dns_cache_entries gauge: the loop's counters follow the size as entries are
// added, replaced, evicted, dropped past their stale window and cleared.
TEST(Cache, PublishesItsSizeAndCapacityToTheLoopsCounters) {
  DnsLoopStats stats;
  auto published = [&] {
    DnsStatsTotals t;
    t.add(stats);
    return std::pair{t.cache_entries, t.cache_capacity};
  };
  Cache cache(3);
  cache.report_to(&stats);
  EXPECT_EQ(published(), std::pair(uint64_t{0}, uint64_t{3}));
  for (int i = 0; i < 3; ++i) {
    std::string name = "n" + std::to_string(i) + ".example";
    Bytes reply = upstream(name, type::kA, {});
    ASSERT_TRUE(cache.insert(*Name::from_text(name), type::kA, reply.data(), reply.size(), t0));
    EXPECT_EQ(published().first, static_cast<uint64_t>(i + 1));
  }
  // The same name again replaces its entry; a fourth name evicts one: still 3.
  Bytes again = upstream("n1.example", type::kA, {});
  ASSERT_TRUE(
      cache.insert(*Name::from_text("n1.example"), type::kA, again.data(), again.size(), t0));
  EXPECT_EQ(published().first, 3u);
  Bytes reply = upstream("n3.example", type::kA, {});
  ASSERT_TRUE(
      cache.insert(*Name::from_text("n3.example"), type::kA, reply.data(), reply.size(), t0));
  EXPECT_EQ(published().first, 3u);
  EXPECT_EQ(cache.size(), 3u);
  // n0 was the least recently used, so it went; n2 (ttl 300) is dropped when asked for after
  // its stale window, and the gauge goes down with it.
  EXPECT_EQ(serve(cache, make_query("n0.example", type::kA), t0, false).hit, Cache::Hit::kMiss);
  const auto past_stale = t0 + std::chrono::seconds(300 + Cache::kMaxStaleSeconds);
  EXPECT_EQ(serve(cache, make_query("n2.example", type::kA), past_stale, true).hit,
            Cache::Hit::kMiss);
  EXPECT_EQ(published().first, 2u);
  cache.clear();
  EXPECT_EQ(published(), std::pair(uint64_t{0}, uint64_t{3}));
  // Detached: the counters keep the last figure, the cache publishes no more.
  cache.report_to(nullptr);
  ASSERT_TRUE(
      cache.insert(*Name::from_text("n3.example"), type::kA, reply.data(), reply.size(), t0));
  EXPECT_EQ(published().first, 0u);
}

TEST(Cache, AReplyTooLargeForTheClientBecomesTruncated) {
  Cache cache(100);
  Bytes reply = upstream("www.example", type::kA, {.soa = true});
  ASSERT_TRUE(cache.insert(kName, type::kA, reply.data(), reply.size(), t0));
  Bytes q = make_query("www.example", type::kA);
  Served s = serve(cache, q, t0, false, 12 + 17 + 10);  // room for the question only
  ASSERT_EQ(s.hit, Cache::Hit::kFresh);
  EXPECT_TRUE(s.m.header.flags & flag::kTc);
  EXPECT_EQ(s.m.questions.size(), 1u);
  EXPECT_TRUE(s.m.answers.empty());
  EXPECT_TRUE(s.m.authority.empty());
}

TEST(Cache, AForwardedAnswerIsNotAuthoritativeAndOffersRecursion) {
  Cache cache(10);
  Bytes reply = upstream("www.example", type::kA, {.extra_flags = flag::kAa});
  reply[3] &= static_cast<uint8_t>(~flag::kRa);  // an upstream that does not set RA
  ASSERT_TRUE(cache.insert(kName, type::kA, reply.data(), reply.size(), t0));
  Served s = serve(cache, make_query("www.example", type::kA), t0, false);
  ASSERT_EQ(s.hit, Cache::Hit::kFresh);
  EXPECT_FALSE(s.m.header.flags & flag::kAa);
  EXPECT_TRUE(s.m.header.flags & flag::kRa);
}

TEST(Cache, PreparedRepliesThatMustNotBeCachedCanStillBeRelayed) {
  // NXDOMAIN without an SOA: not cacheable (RFC 2308), but the forwarder relays it.
  Bytes reply = upstream("www.example", type::kA, {.rcode = rcode::kNxDomain, .answer_ttl = 0});
  StoredReply prepared;
  ASSERT_TRUE(prepare_reply(kName, type::kA, reply.data(), reply.size(), &prepared));
  EXPECT_EQ(prepared.lifetime, 0u);
  EXPECT_EQ(prepared.rcode, rcode::kNxDomain);
  Cache cache(10);
  EXPECT_FALSE(cache.insert(kName, type::kA, prepared, t0));
  Bytes query = make_query("www.example", type::kA, {.id = 77, .edns = true});
  Query q;
  ASSERT_EQ(parse_query(query.data(), query.size(), &q), ParseStatus::kOk);
  Bytes out(512);
  size_t n = write_reply(prepared, q, query.data(), 0, false, out.data(), out.size());
  ASSERT_GT(n, 0u);
  Message m;
  ASSERT_EQ(parse_message(out.data(), n, &m), ParseStatus::kOk);
  EXPECT_EQ(m.header.id, 77);
  EXPECT_EQ(m.header.rcode(), rcode::kNxDomain);
  EXPECT_TRUE(m.edns.present);
  // The question of another name is refused.
  EXPECT_FALSE(prepare_reply(*Name::from_text("other.example"), type::kA, reply.data(),
                             reply.size(), &prepared));
}

// Found by fuzz/upstream_reply_fuzz.cc: a name whose compression pointer reads bytes that
// serving the reply patches (the header, a TTL) would change once patched, so it is refused.
TEST(Cache, RefusesRepliesWhoseNamesPointIntoPatchedBytes) {
  const Bytes into_header = {
      0x12, 0x34, 0x85, 0x80, 0,   1,   0,   2, 0,   0,   0,   0,   3,   'w', 'w', 'w', 7,
      'e',  'x',  'a',  'm',  'p', 'l', 'e', 4, 't', 'e', 's', 't', 0,   0,   1,   0,   1,
      0xC0, 12,   0,    1,    0,   1,   0,   0, 1,   44,  0,   4,   198, 51,  100, 7,   0xC0,
      1,    0,    1,    0,    1,   0,   0,   1, 44,  0,   4,   198, 51,  100, 9};
  const Name www = *Name::from_text("www.example.test");
  StoredReply prepared;
  Message m;
  ASSERT_EQ(parse_message(into_header.data(), into_header.size(), &m), ParseStatus::kOk);
  EXPECT_FALSE(prepare_reply(www, type::kA, into_header.data(), into_header.size(), &prepared));
  // The same reply with the second owner pointing at the question is fine.
  Bytes fine = into_header;
  fine[51] = 12;
  EXPECT_TRUE(prepare_reply(www, type::kA, fine.data(), fine.size(), &prepared));
  // A second owner that points into the first record's TTL.
  Bytes into_ttl = into_header;
  into_ttl[51] = 40;  // the first answer's TTL bytes read as a name: 0, i.e. the root
  ASSERT_EQ(parse_message(into_ttl.data(), into_ttl.size(), &m), ParseStatus::kOk);
  EXPECT_FALSE(prepare_reply(www, type::kA, into_ttl.data(), into_ttl.size(), &prepared));
}

}  // namespace
}  // namespace labgate::dns
