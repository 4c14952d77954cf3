#include "lab/serve.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <iostream>

#include <fmt/format.h>

#include "net/socket_address.h"

namespace labgate {

Result<LabListener> parse_listener_spec(const std::string& text) {
  auto fail = [&](const char* why) {
    return Result<LabListener>::failure(
        fmt::format("bad listener '{}': {} (want PROTO:ADDR:PORT=LABEL)", text, why));
  };
  LabListener listener;
  LabListener* out = &listener;
  auto eq = text.find('=');
  if (eq == std::string::npos || eq + 1 == text.size()) return fail("no label");
  std::string head = text.substr(0, eq);
  auto c1 = head.find(':');
  auto c2 = head.rfind(':');
  if (c1 == std::string::npos || c1 == c2) return fail("missing field");
  std::string proto = head.substr(0, c1);
  if (proto == "tcp")
    out->protocol = Protocol::kTcp;
  else if (proto == "udp")
    out->protocol = Protocol::kUdp;
  else
    return fail("protocol is not tcp or udp");
  auto address = IpAddress::parse(head.substr(c1 + 1, c2 - c1 - 1));
  if (!address) return fail("bad address");
  out->address = *address;
  std::string port = head.substr(c2 + 1);
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535)
    return fail("bad port");
  out->port = static_cast<uint16_t>(value);
  out->label = text.substr(eq + 1);
  return listener;
}

std::string serve_reply(const std::string& label, IpAddress peer, uint16_t peer_port) {
  return fmt::format("{} {}:{}\n", label, peer.str(), peer_port);
}

namespace {

struct Socket {
  int fd = -1;
  const LabListener* listener = nullptr;
};

int open_listener(const LabListener& l, std::string* error) {
  bool tcp = l.protocol == Protocol::kTcp;
  const IpEndpoint at{l.address, l.port};
  int fd = socket(socket_family(at.address.family()),
                  (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *error = strerror(errno);
    return -1;
  }
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  SocketAddress sa;
  socklen_t len = to_sockaddr(at, &sa);
  if (bind(fd, sa.sockaddr(), len) != 0 || (tcp && listen(fd, 128) != 0)) {
    *error = strerror(errno);
    close(fd);
    return -1;
  }
  return fd;
}

void answer_tcp(const Socket& s) {
  for (;;) {
    SocketAddress peer;
    socklen_t len = sizeof peer;
    int c = accept4(s.fd, peer.sockaddr(), &len, SOCK_CLOEXEC);
    if (c < 0) return;  // EAGAIN: drained
    IpEndpoint from = from_sockaddr(peer, len).value_or(IpEndpoint{});
    std::string reply = serve_reply(s.listener->label, from.address, from.port);
    // A fresh socket's send buffer always takes one short line.
    (void)!send(c, reply.data(), reply.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    close(c);
  }
}

void answer_udp(const Socket& s) {
  for (;;) {
    char buf[2048];
    SocketAddress peer;
    socklen_t len = sizeof peer;
    ssize_t n = recvfrom(s.fd, buf, sizeof buf, 0, peer.sockaddr(), &len);
    if (n < 0) return;
    IpEndpoint from = from_sockaddr(peer, len).value_or(IpEndpoint{});
    std::string reply = serve_reply(s.listener->label, from.address, from.port);
    sendto(s.fd, reply.data(), reply.size(), 0, peer.sockaddr(), len);
  }
}

}  // namespace

int serve(const std::vector<LabListener>& listeners, int ready_fd) {
  signal(SIGPIPE, SIG_IGN);
  std::vector<Socket> sockets;
  for (const auto& l : listeners) {
    std::string error;
    int fd = open_listener(l, &error);
    if (fd < 0) {
      std::cerr << "labgate lab serve: " << l.spec() << ": " << error << "\n";
      return 1;
    }
    sockets.push_back(Socket{fd, &l});
  }
  if (ready_fd >= 0) {
    // From here on the lab outlives `lab up`; before this, a killed `lab up` takes us with it.
    prctl(PR_SET_PDEATHSIG, 0);
    (void)!write(ready_fd, "ready\n", 6);
    close(ready_fd);
  }
  std::vector<pollfd> fds;
  for (const auto& s : sockets) fds.push_back(pollfd{s.fd, POLLIN, 0});
  for (;;) {
    if (poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      std::cerr << "labgate lab serve: poll: " << strerror(errno) << "\n";
      return 1;
    }
    for (size_t i = 0; i < fds.size(); ++i) {
      if (!fds[i].revents) continue;
      if (sockets[i].listener->protocol == Protocol::kTcp)
        answer_tcp(sockets[i]);
      else
        answer_udp(sockets[i]);
    }
  }
}

}  // namespace labgate
