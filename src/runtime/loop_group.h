// A group of event loops, one thread each: what the DNS server and the TCP and UDP proxies share.
//
// `Loop` has run() (returns when stopped) and stop() (thread-safe, makes run() return soon).
// Contract: loops are added before start(); start() runs each on its own thread; stop() stops
// every loop, then joins every thread, and may be called any number of times from any one thread
// at a time (the destructor calls it).
#pragma once

#include <memory>
#include <thread>
#include <vector>

namespace labgate::runtime {

template <class Loop>
class LoopGroup {
 public:
  LoopGroup() = default;
  LoopGroup(const LoopGroup&) = delete;
  LoopGroup& operator=(const LoopGroup&) = delete;
  ~LoopGroup() { stop(); }

  void push_back(std::unique_ptr<Loop> loop) { loops_.push_back(std::move(loop)); }
  void clear() { loops_.clear(); }  // before start() only
  size_t size() const { return loops_.size(); }
  const std::unique_ptr<Loop>& operator[](size_t i) const { return loops_[i]; }
  auto begin() const { return loops_.begin(); }
  auto end() const { return loops_.end(); }

  void start() {
    for (auto& loop : loops_) threads_.emplace_back([l = loop.get()] { l->run(); });
  }
  void stop() {
    for (auto& loop : loops_) loop->stop();
    for (auto& t : threads_)
      if (t.joinable()) t.join();
    threads_.clear();
  }

 private:
  std::vector<std::unique_ptr<Loop>> loops_;
  std::vector<std::thread> threads_;
};

}  // namespace labgate::runtime
