// Loopback helpers for the UDP proxy tests (no root): a client socket, and an echo backend whose
// answers say what it received and from which socket (the proxy's session socket).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <thread>

#include <fmt/format.h>

#include "proxy/proxy_forward.h"
#include "proxy/udp_forward.h"
#include "support/eventually.h"

namespace labgate::proxy::test_support {

inline const IpAddress kLoopback = IpAddress::v4(0x7F000001);

inline sockaddr_in loopback(uint16_t port) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(kLoopback.v4_value());
  return sa;
}

inline std::string str(const sockaddr_in& sa) {
  char text[INET_ADDRSTRLEN];
  ::inet_ntop(AF_INET, &sa.sin_addr, text, sizeof text);
  return fmt::format("{}:{}", text, ntohs(sa.sin_port));
}

// A UDP socket on 127.0.0.1 (a kernel-chosen port unless given), without SO_REUSEPORT.
struct UdpSocket {
  int fd = -1;
  uint16_t port = 0;
  bool bound = false;
  explicit UdpSocket(uint16_t at = 0) {
    fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in sa = loopback(at);
    bound = ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0;
    socklen_t len = sizeof sa;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
    port = ntohs(sa.sin_port);
  }
  ~UdpSocket() { ::close(fd); }
  UdpSocket(const UdpSocket&) = delete;
  UdpSocket& operator=(const UdpSocket&) = delete;

  void send_to(uint16_t to, const std::string& payload) const {
    sockaddr_in sa = loopback(to);
    ::sendto(fd, payload.data(), payload.size(), 0, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  }
  // The next datagram and its source ("" and `from` untouched after `ms`).
  std::string receive_within(int ms, sockaddr_in* from = nullptr) const {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, ms) != 1) return "";
    char buffer[2048];
    sockaddr_in sa{};
    socklen_t len = sizeof sa;
    ssize_t n = ::recvfrom(fd, buffer, sizeof buffer, 0, reinterpret_cast<sockaddr*>(&sa), &len);
    if (n < 0) return "";
    if (from) *from = sa;
    return std::string(buffer, static_cast<size_t>(n));
  }
  // Sends and waits for the answer (one retry: loopback does not lose, but be fair to UDP).
  std::string ask(uint16_t to, const std::string& payload, sockaddr_in* from = nullptr) const {
    for (int attempt = 0; attempt < 2; ++attempt) {
      send_to(to, payload);
      std::string reply = receive_within(1000, from);
      if (!reply.empty()) return reply;
    }
    return "";
  }
};

// Answers every datagram with reply(payload, sender) until destroyed.
class EchoBackend {
 public:
  using Reply = std::function<std::string(std::string_view payload, const sockaddr_in& sender)>;
  explicit EchoBackend(Reply reply) : reply_(std::move(reply)), thread_([this] { serve(); }) {}
  ~EchoBackend() {
    stop_ = true;
    thread_.join();
  }
  Backend backend() const { return {kLoopback, socket_.port}; }

 private:
  void serve() {
    while (!stop_) {
      pollfd p{socket_.fd, POLLIN, 0};
      if (::poll(&p, 1, 20) != 1) continue;
      char buffer[2048];
      sockaddr_in from{};
      socklen_t len = sizeof from;
      ssize_t n = ::recvfrom(socket_.fd, buffer, sizeof buffer, 0,
                             reinterpret_cast<sockaddr*>(&from), &len);
      if (n < 0) continue;
      std::string reply = reply_(std::string_view(buffer, static_cast<size_t>(n)), from);
      ::sendto(socket_.fd, reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&from), len);
    }
  }
  Reply reply_;
  UdpSocket socket_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// A UDP forward from 127.0.0.1:`port` (0: a kernel-chosen port) to `backend`.
inline UdpForward forward_to(const EchoBackend& backend, uint16_t port = 0,
                             std::string label = "test") {
  UdpForward f;
  f.label = std::move(label);
  f.listen = {kLoopback, port};
  f.backend = backend.backend();
  return f;
}

using labgate::test_support::eventually;

}  // namespace labgate::proxy::test_support
