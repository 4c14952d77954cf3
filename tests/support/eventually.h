// Waiting in tests for something another thread does: a bounded poll, never a fixed sleep.
#pragma once

#include <chrono>
#include <thread>

namespace labgate::test_support {

// Calls `done` every 10 ms until it returns true (then true) or `timeout` has passed (then false).
// Each call is one more try, which may have effects (a new session, a new connection): its first
// true is the answer, and `done` is never called again after it.
template <typename Predicate>
bool eventually(Predicate done, std::chrono::milliseconds timeout = std::chrono::seconds(3)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

}  // namespace labgate::test_support
