#include "verify/probe.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include <fmt/format.h>

#include "dns/message.h"
#include "dns/writer.h"
#include "net/socket_address.h"

namespace labgate {

const char* to_string(ProbeKind k) {
  switch (k) {
    case ProbeKind::kTcp:
      return "tcp";
    case ProbeKind::kUdp:
      return "udp";
    case ProbeKind::kIcmp:
      return "icmp";
    case ProbeKind::kDns:
      return "dns";
  }
  return "?";
}

const char* to_string(ProbeOutcome o) {
  switch (o) {
    case ProbeOutcome::kReply:
      return "reply";
    case ProbeOutcome::kConnected:
      return "connected";
    case ProbeOutcome::kTimeout:
      return "timeout";
    case ProbeOutcome::kRefused:
      return "refused";
    case ProbeOutcome::kUnreachable:
      return "unreachable";
    case ProbeOutcome::kError:
      return "error";
  }
  return "?";
}

std::string Probe::str() const {
  if (kind == ProbeKind::kIcmp) return address.str() + " icmp";
  if (kind == ProbeKind::kDns) return fmt::format("{} A @{}", qname, address.str());
  return fmt::format("{}:{}/{}", address.str(), port, to_string(kind));
}

bool parse_serve_reply(const std::string& text, std::string* label, IpAddress* peer) {
  auto space = text.find(' ');
  auto colon = text.rfind(':');
  if (space == std::string::npos || colon == std::string::npos || colon < space) return false;
  auto parsed = IpAddress::parse(text.substr(space + 1, colon - space - 1));
  if (!parsed || space == 0) return false;
  *label = text.substr(0, space);
  *peer = *parsed;
  return true;
}

namespace {

using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() < 0 ? 0 : static_cast<int>(left.count());
}

ProbeOutcome outcome_of_errno(int e) {
  switch (e) {
    case ECONNREFUSED:
      return ProbeOutcome::kRefused;
    case EHOSTUNREACH:
    case ENETUNREACH:
    case EACCES:
    case EPERM:
      return ProbeOutcome::kUnreachable;
    case ETIMEDOUT:
      return ProbeOutcome::kTimeout;
    default:
      return ProbeOutcome::kError;
  }
}

// Records a failed system call's error as the probe's outcome.
void fail_with(int e, ProbeResult* r) {
  r->outcome = outcome_of_errno(e);
  r->detail = strerror(e);
}

// Closes the probe's socket on every way out.
struct SocketCloser {
  int fd;
  ~SocketCloser() {
    if (fd >= 0) close(fd);
  }
};

// A non-blocking socket of `type` for the family of the probe's address, connected to its address
// and port (a stream's connect may still be in progress); -1 with `r` saying why on failure.
int connected_socket(const Probe& p, int type, ProbeResult* r) {
  int fd =
      socket(socket_family(IpAddress{p.address}.family()), type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    r->detail = strerror(errno);
    return -1;
  }
  SocketAddress sa;
  socklen_t sa_len = to_sockaddr(IpEndpoint{p.address, p.port}, &sa);
  if (connect(fd, sa.sockaddr(), sa_len) != 0 && errno != EINPROGRESS) {
    fail_with(errno, r);
    close(fd);
    return -1;
  }
  return fd;
}

// Whether `fd` became readable before the deadline.
bool readable_before(int fd, Clock::time_point deadline) {
  pollfd in{fd, POLLIN, 0};
  return poll(&in, 1, remaining_ms(deadline)) > 0;
}

// Reads until EOF (TCP) or one datagram (UDP), then interprets a lab server's reply.
void read_reply(int fd, bool stream, Clock::time_point deadline, ProbeResult* r) {
  std::string text;
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    int n = poll(&p, 1, remaining_ms(deadline));
    if (n == 0) {
      // TCP connected but silent: not a lab server; the connection itself is the answer.
      r->outcome = stream && text.empty() ? ProbeOutcome::kConnected : ProbeOutcome::kTimeout;
      if (!stream) return;
      break;
    }
    char buf[512];
    ssize_t got = recv(fd, buf, sizeof buf, 0);
    if (got < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      if (!text.empty()) break;
      r->outcome = stream ? ProbeOutcome::kConnected : outcome_of_errno(errno);
      r->detail = strerror(errno);
      return;
    }
    text.append(buf, static_cast<size_t>(got));
    if (got == 0 || !stream || text.size() > 4096) break;
  }
  if (parse_serve_reply(text, &r->label, &r->peer))
    r->outcome = ProbeOutcome::kReply;
  else if (stream)
    r->outcome = ProbeOutcome::kConnected;
}

void probe_tcp(const Probe& p, Clock::time_point deadline, ProbeResult* r) {
  SocketCloser s{connected_socket(p, SOCK_STREAM, r)};
  if (s.fd < 0) return;
  pollfd w{s.fd, POLLOUT, 0};
  if (poll(&w, 1, remaining_ms(deadline)) <= 0) {
    r->outcome = ProbeOutcome::kTimeout;
    return;
  }
  int err = 0;
  socklen_t len = sizeof err;
  getsockopt(s.fd, SOL_SOCKET, SO_ERROR, &err, &len);
  if (err != 0) return fail_with(err, r);
  read_reply(s.fd, /*stream=*/true, deadline, r);
}

void probe_udp(const Probe& p, Clock::time_point deadline, ProbeResult* r) {
  SocketCloser s{connected_socket(p, SOCK_DGRAM, r)};
  if (s.fd < 0) return;
  if (send(s.fd, "labgate-probe\n", 14, 0) < 0) return fail_with(errno, r);
  read_reply(s.fd, /*stream=*/false, deadline, r);
}

const char* rcode_name(uint8_t rcode) {
  switch (rcode) {
    case dns::rcode::kFormErr:
      return "FORMERR";
    case dns::rcode::kServFail:
      return "SERVFAIL";
    case dns::rcode::kNxDomain:
      return "NXDOMAIN";
    case dns::rcode::kNotImp:
      return "NOTIMP";
    case dns::rcode::kRefused:
      return "REFUSED";
    default:
      return "RCODE?";
  }
}

// One A query over UDP; the answer is the first A record's address, or the rcode's name.
void probe_dns(const Probe& p, Clock::time_point deadline, ProbeResult* r) {
  auto name = dns::Name::from_text(p.qname);
  if (!name) {
    r->detail = "bad name " + p.qname;
    return;
  }
  uint8_t query[512];
  dns::Writer w(query, sizeof query);
  uint16_t id = static_cast<uint16_t>(getpid() ^ static_cast<uint16_t>(gettid()));
  w.header(id, 0);
  w.question(*name, dns::type::kA, dns::klass::kIn);
  size_t size = w.finish();
  SocketCloser s{connected_socket(p, SOCK_DGRAM, r)};
  if (s.fd < 0) return;
  if (send(s.fd, query, size, 0) < 0) return fail_with(errno, r);
  r->outcome = ProbeOutcome::kTimeout;
  while (readable_before(s.fd, deadline)) {
    uint8_t buf[1500];
    ssize_t n = recv(s.fd, buf, sizeof buf, 0);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      fail_with(errno, r);
      break;
    }
    dns::Message m;
    if (dns::parse_message(buf, static_cast<size_t>(n), &m) != dns::ParseStatus::kOk ||
        m.header.id != id || !m.header.qr())
      continue;
    r->outcome = ProbeOutcome::kReply;
    if (m.header.rcode() != dns::rcode::kNoError) {
      r->label = rcode_name(m.header.rcode());
      break;
    }
    r->label = "NODATA";
    for (const auto& a : m.answers)
      if (a.type == dns::type::kA && a.rdlength == 4) {
        const uint8_t* d = buf + a.rdata_offset;
        r->label =
            IpAddress::v4(static_cast<uint32_t>(d[0]) << 24 | static_cast<uint32_t>(d[1]) << 16 |
                          static_cast<uint32_t>(d[2]) << 8 | d[3])
                .str();
        break;
      }
    break;
  }
}

uint16_t inet_checksum(const uint8_t* data, size_t len) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < len; i += 2) sum += static_cast<uint32_t>(data[i] << 8 | data[i + 1]);
  if (len & 1) sum += static_cast<uint32_t>(data[len - 1] << 8);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

void probe_icmp(const Probe& p, Clock::time_point deadline, ProbeResult* r) {
  // ICMPv4 only: an echo to an IPv6 address needs ICMPv6 (another socket, type numbers and no IP
  // header in what the raw socket returns). Said, not attempted, until dual-stack needs it.
  if (!IpAddress{p.address}.is_v4()) {
    r->detail = "ICMP probes of IPv6 addresses are not supported yet";
    return;
  }
  SocketCloser s{socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMP)};
  if (s.fd < 0) {
    r->detail = fmt::format("raw ICMP socket: {}", strerror(errno));
    return;
  }
  uint16_t id = static_cast<uint16_t>(getpid() ^ static_cast<uint16_t>(gettid()));
  uint8_t packet[16] = {ICMP_ECHO,
                        0,
                        0,
                        0,
                        static_cast<uint8_t>(id >> 8),
                        static_cast<uint8_t>(id),
                        0,
                        1,
                        'l',
                        'a',
                        'b',
                        'g',
                        'a',
                        't',
                        'e',
                        0};
  uint16_t sum = inet_checksum(packet, sizeof packet);
  packet[2] = static_cast<uint8_t>(sum >> 8);
  packet[3] = static_cast<uint8_t>(sum);
  SocketAddress sa;
  socklen_t sa_len = to_sockaddr(IpEndpoint{p.address, 0}, &sa);
  if (sendto(s.fd, packet, sizeof packet, 0, sa.sockaddr(), sa_len) < 0) return fail_with(errno, r);
  r->outcome = ProbeOutcome::kTimeout;
  while (readable_before(s.fd, deadline)) {
    uint8_t buf[1500];
    SocketAddress from;
    socklen_t len = sizeof from;
    ssize_t n = recvfrom(s.fd, buf, sizeof buf, 0, from.sockaddr(), &len);
    if (n < 20) continue;
    size_t ihl = static_cast<size_t>(buf[0] & 0x0f) * 4;
    if (static_cast<size_t>(n) < ihl + 8) continue;
    const uint8_t* icmp = buf + ihl;
    uint16_t got_id = static_cast<uint16_t>(icmp[4] << 8 | icmp[5]);
    if (icmp[0] == ICMP_ECHOREPLY && got_id == id &&
        from_sockaddr(from, len) == IpEndpoint{p.address, 0}) {
      r->outcome = ProbeOutcome::kConnected;
      break;
    }
    if (icmp[0] == ICMP_DEST_UNREACH && static_cast<size_t>(n) >= ihl + 8 + 20 + 8) {
      // The quoted datagram is ours if it quotes our echo id.
      const uint8_t* inner = icmp + 8;
      size_t inner_ihl = static_cast<size_t>(inner[0] & 0x0f) * 4;
      if (static_cast<size_t>(n) >= ihl + 8 + inner_ihl + 8 &&
          static_cast<uint16_t>(inner[inner_ihl + 4] << 8 | inner[inner_ihl + 5]) == id) {
        r->outcome = ProbeOutcome::kUnreachable;
        break;
      }
    }
  }
}

}  // namespace

ProbeResult run_probe(const Probe& probe, int timeout_ms) {
  ProbeResult r;
  auto start = Clock::now();
  auto deadline = start + std::chrono::milliseconds(timeout_ms);
  switch (probe.kind) {
    case ProbeKind::kTcp:
      probe_tcp(probe, deadline, &r);
      break;
    case ProbeKind::kUdp:
      probe_udp(probe, deadline, &r);
      break;
    case ProbeKind::kIcmp:
      probe_icmp(probe, deadline, &r);
      break;
    case ProbeKind::kDns:
      probe_dns(probe, deadline, &r);
      break;
  }
  r.ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  return r;
}

Status enter_netns(const std::string& netns) {
  int fd = open(("/run/netns/" + netns).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || setns(fd, CLONE_NEWNET) != 0) {
    Status failed =
        Status::error(fmt::format("cannot enter namespace {}: {}", netns, strerror(errno)));
    if (fd >= 0) close(fd);
    return failed;
  }
  close(fd);
  return Status::ok_status();
}

ProbeResult run_probe_in_netns(const std::string& netns, const Probe& probe, int timeout_ms) {
  ProbeResult r;
  std::thread worker([&] {
    if (!netns.empty()) {
      if (Status s = enter_netns(netns); !s.ok()) {
        r.detail = s.message();
        return;
      }
    }
    r = run_probe(probe, timeout_ms);
  });
  worker.join();
  return r;
}

}  // namespace labgate
