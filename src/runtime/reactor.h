// One epoll core, under every event loop of labgate: the DNS loops (runtime/event_loop), the TCP
// relay loops (proxy/relay_loop) and the UDP relay loops (proxy/udp_relay). A loop keeps only its
// own job (answering, relaying); the reactor holds what they all need:
//
// Sources. An owner embeds or derives from `Reactor::Source`, sets `fd` and `kind` (a tag of its
// own) and add()s it; epoll_data carries the Source's address. run() takes the owner's dispatch
// as a template argument and calls it inline with (Source&, events): an event costs no lookup,
// no virtual call and no allocation. `watched` is the reactor's: set by add(), cleared by
// remove(), close() and forget().
//
// Batches. One batch is one epoll_wait (up to `max_events` events), its events dispatched in the
// order the kernel gave them. A source that is removed, closed or forgotten during a batch gets
// none of the batch's remaining events -- provided the object holding it stays allocated until the
// batch ends, which is what defer_delete() is for. After each batch, on the loop's thread and in
// this order: the timers that are due, the owner's after-batch step (run()'s second argument),
// the tasks post()ed since, then the deferred deletes. Events from a descriptor removed outside a
// batch (in a timer, a task, the after-batch step) never come: the next epoll_wait does not report
// it, so such objects may be freed at once.
//
// Wake-up and stop. wake() and stop() may be called from any thread or a signal handler (an
// eventfd write). stop() makes run() return soon: in the middle of a batch, the batch's remaining
// events are not dispatched (as a stopping loop does not need them); deferred deletes are still
// done. post() may be called from any thread (not a signal handler): the task runs on the loop's
// thread after the batch under way (the current one when posted from a handler), tasks in the
// order posted. What the loops use to apply a reload between batches.
//
// Timers. every() adds a periodic timer (the loops' idle sweeps): it fires after a batch once
// `period` has passed since it last fired, and the wait is bounded so that it fires on time even
// when no event comes. wait_at_most() bounds the next wait only (the DNS forwarder's own timers).
//
// Everything except wake(), stop() and post() is for the loop's own thread.
#pragma once

#include <sys/epoll.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace labgate::runtime {

class Reactor {
 public:
  using Clock = std::chrono::steady_clock;

  struct Source {
    int fd = -1;
    uint8_t kind = 0;      // the owner's tag: the reactor never reads it
    bool watched = false;  // events are dispatched only while set (see the file comment)
  };

  // `name` prefixes the log line of a failed epoll_wait ("proxy", "udp proxy"; "" for none).
  Reactor(std::string name, int max_events);
  ~Reactor();  // does the deferred deletes, closes its own descriptors (not the sources')
  Reactor(const Reactor&) = delete;
  Reactor& operator=(const Reactor&) = delete;

  // Registers, changes or unregisters `source` (source.fd, level-triggered `events`). add() and
  // modify() return false when epoll_ctl fails (the source is then not watched after add()).
  bool add(Source& source, uint32_t events);
  bool modify(Source& source, uint32_t events);
  void remove(Source& source);
  // Closes source.fd (which also takes it out of the epoll set: no epoll_ctl needed) and sets it
  // to -1; the source gets no more events.
  void close(Source& source);
  // The descriptor was closed elsewhere (or is about to be): only stop dispatching its events.
  void forget(Source& source) { source.watched = false; }

  // Deletes `object` (made with new) after the current batch; called outside a batch, after the
  // next one, or when run() returns, or with the reactor.
  template <class T>
  void defer_delete(T* object) {
    deferred_.push_back({object, [](void* p) { delete static_cast<T*>(p); }});
  }

  void every(std::chrono::milliseconds period, std::function<void(Clock::time_point now)> fire);
  void wait_at_most(int milliseconds) { wait_cap_ms_ = milliseconds; }  // < 0: no bound

  void wake();
  void stop();
  void post(std::function<void()> task);

  // epoll_wait calls so far: an owner tells an event of the current batch from a later one.
  uint64_t batch() const { return batch_; }

  // Dispatches until stop() (or a failed epoll_wait, logged). `on_event(Source&, uint32_t events)`
  // is called for each event of a watched source; `after_batch(Clock::time_point now)` after each
  // batch, timeouts included.
  template <class OnEvent, class AfterBatch>
  void run(OnEvent&& on_event, AfterBatch&& after_batch);
  template <class OnEvent>
  void run(OnEvent&& on_event) {
    run(std::forward<OnEvent>(on_event), [](Clock::time_point) {});
  }

 private:
  struct Timer {
    std::chrono::milliseconds period;
    Clock::time_point next;
    std::function<void(Clock::time_point)> fire;
  };
  struct Deferred {
    void* object;
    void (*destroy)(void*);
  };

  int wait();      // events in events_; 0 on a timeout or EINTR; -1: give up
  bool on_wake();  // true: stop
  void fire_timers(Clock::time_point now);
  void run_tasks();  // the posted ones
  void delete_deferred();

  std::string name_;
  int max_events_;
  std::unique_ptr<epoll_event[]> events_;
  int epoll_fd_ = -1;
  Source wake_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> tasks_pending_{false};
  std::mutex tasks_mu_;
  std::vector<std::function<void()>> tasks_;  // guarded by tasks_mu_
  std::vector<std::function<void()>> running_tasks_;
  std::vector<Timer> timers_;
  std::vector<Deferred> deferred_;
  int wait_cap_ms_ = -1;
  Clock::time_point now_ = Clock::now();  // taken after the last batch: the timers' reference
  uint64_t batch_ = 0;
};

template <class OnEvent, class AfterBatch>
void Reactor::run(OnEvent&& on_event, AfterBatch&& after_batch) {
  while (true) {
    const int n = wait();
    if (n < 0) break;
    for (int i = 0; i < n; ++i) {
      Source* source = static_cast<Source*>(events_[i].data.ptr);
      if (source == &wake_) {
        if (on_wake()) {
          delete_deferred();
          return;
        }
        continue;
      }
      if (!source->watched) continue;  // removed earlier in this batch
      on_event(*source, events_[i].events);
    }
    now_ = Clock::now();
    fire_timers(now_);
    after_batch(now_);
    if (tasks_pending_.load(std::memory_order_acquire)) run_tasks();
    delete_deferred();
  }
  delete_deferred();
}

}  // namespace labgate::runtime
