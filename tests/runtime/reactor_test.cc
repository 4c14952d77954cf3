// The reactor's contract (runtime/reactor.h), on eventfds: wake-up from another thread, posted
// tasks after the batch, timers, deferred deletes, and removing a source from another's handler.
#include "runtime/reactor.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <string>
#include <thread>
#include <vector>

namespace labgate::runtime {
namespace {

using namespace std::chrono_literals;

// An eventfd source, readable once signalled (level-triggered: until read).
struct EventSource : Reactor::Source {
  explicit EventSource(uint8_t tag) {
    fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    kind = tag;
  }
  ~EventSource() {
    if (fd >= 0) ::close(fd);
  }
  void signal() const {
    uint64_t one = 1;
    EXPECT_EQ(::write(fd, &one, sizeof one), 8);
  }
  void drain() const {
    uint64_t value;
    EXPECT_EQ(::read(fd, &value, sizeof value), 8);
  }
};

// Runs `body` on a thread and fails (rather than hangs) if it does not return in time.
template <class Body>
void within(std::chrono::seconds limit, Body body) {
  auto done = std::async(std::launch::async, std::move(body));
  ASSERT_EQ(done.wait_for(limit), std::future_status::ready) << "the reactor did not return";
  done.get();
}

TEST(Reactor, StopBeforeRunReturnsAtOnce) {
  Reactor r("", 8);
  r.stop();
  within(2s, [&] { r.run([](Reactor::Source&, uint32_t) { ADD_FAILURE() << "no source"; }); });
}

TEST(Reactor, WakeFromAnotherThreadEndsTheWait) {
  Reactor r("", 8);
  std::atomic<int> batches{0};
  std::thread waker([&] {
    std::this_thread::sleep_for(50ms);
    r.wake();
  });
  // No timer and no source: only the wake-up ends the first wait.
  within(5s, [&] {
    r.run([](Reactor::Source&, uint32_t) { ADD_FAILURE() << "the wake-up is not a source"; },
          [&](Reactor::Clock::time_point) {
            ++batches;
            r.stop();
          });
  });
  waker.join();
  EXPECT_EQ(batches.load(), 1);
}

TEST(Reactor, PostedTaskRunsAfterTheBatch) {
  Reactor r("", 8);
  EventSource a(1), b(2);
  ASSERT_TRUE(r.add(a, EPOLLIN));
  ASSERT_TRUE(r.add(b, EPOLLIN));
  a.signal();
  b.signal();
  std::vector<std::string> log;
  // One posted from another thread before the batch, one from a handler during it.
  std::thread([&] { r.post([&] { log.push_back("task from a thread"); }); }).join();
  bool posted = false;
  within(5s, [&] {
    r.run(
        [&](Reactor::Source& s, uint32_t) {
          static_cast<EventSource&>(s).drain();
          log.push_back(s.kind == 1 ? "a" : "b");
          if (!posted) {
            posted = true;
            r.post([&] {
              log.push_back("task from a handler");
              r.stop();
            });
          }
        },
        [&](Reactor::Clock::time_point) { log.push_back("after batch"); });
  });
  ASSERT_EQ(log.size(), 5u);
  // Both events of the batch first (in the kernel's order), then the tasks in the order posted.
  EXPECT_TRUE((log[0] == "a" && log[1] == "b") || (log[0] == "b" && log[1] == "a"));
  EXPECT_EQ(log[2], "after batch");
  EXPECT_EQ(log[3], "task from a thread");
  EXPECT_EQ(log[4], "task from a handler");
}

TEST(Reactor, TimerFiresPeriodicallyWithoutEvents) {
  Reactor r("", 8);
  std::vector<Reactor::Clock::time_point> fired;
  const auto start = Reactor::Clock::now();
  r.every(20ms, [&](Reactor::Clock::time_point now) {
    fired.push_back(now);
    if (fired.size() == 3) r.stop();
  });
  within(5s, [&] { r.run([](Reactor::Source&, uint32_t) {}); });
  ASSERT_EQ(fired.size(), 3u);
  EXPECT_GE(fired[0] - start, 20ms);
  EXPECT_GE(fired[1] - fired[0], 20ms);
  EXPECT_GE(fired[2] - fired[1], 20ms);
  // Bounded waits, not a spin and not a 1 s tick: three periods take well under a second.
  EXPECT_LT(fired[2] - start, 1s);
}

TEST(Reactor, DeferredDeleteHappensAfterTheHandlersOfTheBatch) {
  Reactor r("", 8);
  std::vector<std::string> log;
  struct Tracked {
    std::vector<std::string>* log;
    ~Tracked() { log->push_back("deleted"); }
  };
  EventSource a(1), b(2);
  ASSERT_TRUE(r.add(a, EPOLLIN));
  ASSERT_TRUE(r.add(b, EPOLLIN));
  a.signal();
  b.signal();
  Tracked* tracked = new Tracked{&log};
  bool deferred = false;
  within(5s, [&] {
    r.run(
        [&](Reactor::Source& s, uint32_t) {
          static_cast<EventSource&>(s).drain();
          if (!deferred) {
            deferred = true;
            r.defer_delete(tracked);
            log.push_back("deferred");
          } else {
            // The next handler of the same batch still sees the object whole.
            log.push_back(tracked->log == &log ? "still alive" : "corrupt");
          }
        },
        [&](Reactor::Clock::time_point) {
          log.push_back("after batch");
          r.stop();
        });
  });
  EXPECT_EQ(log, (std::vector<std::string>{"deferred", "still alive", "after batch", "deleted"}));
}

TEST(Reactor, RemovingAnotherSourceInTheSameBatchSkipsItsEvent) {
  Reactor r("", 8);
  // Heap-allocated: the one removed is deleted after the batch, as a loop frees a connection.
  auto* a = new EventSource(1);
  auto* b = new EventSource(2);
  ASSERT_TRUE(r.add(*a, EPOLLIN));
  ASSERT_TRUE(r.add(*b, EPOLLIN));
  a->signal();
  b->signal();
  std::vector<int> dispatched;
  EventSource* survivor = nullptr;
  within(5s, [&] {
    r.run(
        [&](Reactor::Source& s, uint32_t) {
          dispatched.push_back(s.kind);
          auto& self = static_cast<EventSource&>(s);
          self.drain();
          EventSource* other = &self == a ? b : a;
          r.close(*other);  // both were ready: the other's event is in this batch
          r.defer_delete(other);
          survivor = &self;
        },
        [&](Reactor::Clock::time_point) { r.stop(); });
  });
  EXPECT_EQ(dispatched.size(), 1u);
  ASSERT_NE(survivor, nullptr);
  r.remove(*survivor);
  delete survivor;
}

TEST(Reactor, AnEventFromARemovedSourceIsNotDispatchedAfterTheBatch) {
  Reactor r("", 8);
  EventSource a(1);
  ASSERT_TRUE(r.add(a, EPOLLIN));
  a.signal();
  r.remove(a);  // still readable, but no longer watched
  int events = 0;
  r.every(10ms, [&](Reactor::Clock::time_point) { r.stop(); });
  within(5s, [&] { r.run([&](Reactor::Source&, uint32_t) { ++events; }); });
  EXPECT_EQ(events, 0);
}

TEST(Reactor, BatchCountsTheWaits) {
  Reactor r("", 8);
  EventSource a(1);
  ASSERT_TRUE(r.add(a, EPOLLIN));
  a.signal();  // level-triggered and never drained: every wait returns it
  std::vector<uint64_t> seen;
  within(5s, [&] {
    r.run([&](Reactor::Source&, uint32_t) {
      seen.push_back(r.batch());
      if (seen.size() == 3) r.stop();
    });
  });
  // The batch that reports the stop may dispatch `a` once more before the wake-up's event.
  ASSERT_GE(seen.size(), 3u);
  EXPECT_EQ(std::vector<uint64_t>(seen.begin(), seen.begin() + 3),
            (std::vector<uint64_t>{1, 2, 3}));
}

}  // namespace
}  // namespace labgate::runtime
