// The UDP side of the userspace proxy as `labgate run` hosts it: N UDP relay loops on N threads,
// each with its own SO_REUSEPORT socket for every UDP forward (the kernel spreads clients across
// them by address and port, so a client stays on one loop and one session).
#pragma once

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "proxy/udp_forward.h"
#include "proxy/udp_relay.h"

namespace labgate::proxy {

class UdpProxyServer {
 public:
  explicit UdpProxyServer(std::vector<UdpForward> forwards);
  ~UdpProxyServer();  // stops and joins

  // Opens every socket of every loop (so failures show before anything runs). A listen port 0
  // gets one from the kernel, shared by the other loops. False with *error: nothing left open.
  bool bind(int threads, std::string* error);
  const std::vector<UdpForward>& forwards() const { return forwards_; }  // ports resolved

  void start();
  void stop();  // thread-safe; returns after every loop stopped and its thread joined

  const UdpForwardState& state(size_t i) const { return states_[i]; }

 private:
  std::vector<UdpForward> forwards_;
  std::vector<UdpForwardState> states_;
  std::vector<std::unique_ptr<UdpRelayLoop>> loops_;
  std::vector<std::thread> threads_;
};

}  // namespace labgate::proxy
