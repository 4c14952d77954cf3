// The query log's rings: what goes in comes out, the bound holds as it wraps, the rings of several
// loops merge by time, and readers racing writers see only whole entries (run it under TSan for
// the memory-order part: `-fsanitize=thread`).
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "dns/query_log.h"

namespace labgate::dns {
namespace {

QueryRecord entry(int64_t t, uint32_t client, const std::string& name) {
  QueryRecord r;
  r.time_ns = t;
  r.client = IpAddress::v4(client);
  r.name = *Name::from_text(name);
  r.qtype = 28;
  r.view = 1;
  r.rcode = 3;
  r.how = Answered::kForwarded;
  r.latency_us = 4242;
  return r;
}

TEST(QueryRing, RoundTripsEveryField) {
  QueryRing ring(4);
  // The longest name: 127 labels would be 255 bytes; 4 labels of 63 is 257 > 255, so 3 of 63
  // and one of 61 (3*64 + 62 + root = 255).
  const std::string longest = std::string(63, 'a') + "." + std::string(63, 'b') + "." +
                              std::string(63, 'c') + "." + std::string(61, 'd');
  ring.record(entry(7, 0x0a010005, longest));
  std::vector<QueryRecord> out;
  ring.snapshot(&out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].time_ns, 7);
  EXPECT_EQ(out[0].client.str(), "10.1.0.5");
  EXPECT_EQ(out[0].name.to_text(), longest + ".");
  EXPECT_EQ(out[0].name.size(), 255u);
  EXPECT_EQ(out[0].qtype, 28);
  EXPECT_EQ(out[0].view, 1);
  EXPECT_EQ(out[0].rcode, 3);
  EXPECT_EQ(out[0].how, Answered::kForwarded);
  EXPECT_EQ(out[0].latency_us, 4242u);
  QueryRecord none = entry(8, 1, "x");
  none.view = -1;
  ring.record(none);
  out.clear();
  ring.snapshot(&out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].view, -1);
}

TEST(QueryLog, KeepsTheNewestEntriesAsItWraps) {
  QueryLog log(5);
  QueryRing* ring = log.add_ring();
  EXPECT_TRUE(log.recent().empty());
  for (int i = 0; i < 23; ++i) ring->record(entry(i, 1, "n" + std::to_string(i) + ".zone"));
  std::vector<QueryRecord> got = log.recent();
  ASSERT_EQ(got.size(), 5u);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(got[i].time_ns, 18 + i);
    EXPECT_EQ(got[i].name.to_text(), "n" + std::to_string(18 + i) + ".zone.");
  }
}

TEST(QueryLog, MergesTheLoopsRingsByTimeWithinTheBound) {
  QueryLog log(4);
  QueryRing* a = log.add_ring();
  QueryRing* b = log.add_ring();
  a->record(entry(1, 1, "a1"));
  b->record(entry(2, 2, "b2"));
  a->record(entry(5, 1, "a5"));
  b->record(entry(3, 2, "b3"));
  b->record(entry(6, 2, "b6"));
  std::vector<QueryRecord> got = log.recent();
  ASSERT_EQ(got.size(), 4u);
  std::vector<int64_t> times;
  for (const auto& r : got) times.push_back(r.time_ns);
  EXPECT_EQ(times, (std::vector<int64_t>{2, 3, 5, 6}));
}

// Writers (one per ring, as each DNS loop owns one) record entries whose fields all derive from
// one number; a reader snapshots as fast as it can. Every entry read must be self-consistent:
// a torn slot would mix two numbers.
TEST(QueryLog, ReadersRacingWritersSeeOnlyWholeEntries) {
  constexpr int kWriters = 3;
  constexpr int kPerWriter = 60000;
  QueryLog log(64);
  std::vector<QueryRing*> rings;
  for (int i = 0; i < kWriters; ++i) rings.push_back(log.add_ring());
  std::atomic<bool> done{false};
  std::atomic<int> checked{0};
  std::thread reader([&] {
    while (!done.load()) {
      for (const auto& r : log.recent()) {
        const uint32_t n = static_cast<uint32_t>(r.time_ns);
        ASSERT_EQ(r.client, IpAddress::v4(n));
        ASSERT_EQ(r.latency_us, n);
        ASSERT_EQ(r.name.to_text(), "q" + std::to_string(n % 1000) + ".test.");
        checked.fetch_add(1);
      }
    }
  });
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w)
    writers.emplace_back([&, w] {
      for (int i = 0; i < kPerWriter; ++i) {
        const uint32_t n = static_cast<uint32_t>(w * kPerWriter + i + 1);
        QueryRecord r = entry(n, n, "q" + std::to_string(n % 1000) + ".test");
        r.latency_us = n;
        rings[w]->record(r);
      }
    });
  for (auto& t : writers) t.join();
  done.store(true);
  reader.join();
  EXPECT_GT(checked.load(), 0);
  EXPECT_EQ(log.recent().size(), 64u);  // the bound, after 180,000 entries
  EXPECT_EQ(log.recent().back().time_ns, kWriters * kPerWriter);
}

}  // namespace
}  // namespace labgate::dns
