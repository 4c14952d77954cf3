// The userspace proxy as `labgate run` hosts it: N relay loops on N threads, each with its own
// SO_REUSEPORT listener for every forward (the kernel spreads clients across them).
#pragma once

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "proxy/proxy_forward.h"
#include "proxy/relay_loop.h"

namespace labgate::proxy {

class ProxyServer {
 public:
  explicit ProxyServer(std::vector<ProxyForward> forwards);
  ~ProxyServer();  // stops and joins

  // Opens every listener of every loop (so failures show before anything runs). A listen port 0
  // gets one from the kernel, shared by the other loops. False with *error: nothing left open.
  bool bind(int threads, std::string* error);
  const std::vector<ProxyForward>& forwards() const { return forwards_; }  // ports resolved

  void start();
  void stop();  // thread-safe; returns after every loop stopped and its thread joined

  const ForwardState& state(size_t i) const { return states_[i]; }

 private:
  std::vector<ProxyForward> forwards_;
  std::vector<ForwardState> states_;
  std::vector<std::unique_ptr<RelayLoop>> loops_;
  std::vector<std::thread> threads_;
};

}  // namespace labgate::proxy
