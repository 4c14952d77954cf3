#include "runtime/event_loop.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "net/socket_address.h"
#include "runtime/log.h"

namespace labgate::runtime {
namespace {

constexpr int kBatch = 32;
constexpr size_t kUdpQueryBytes = 4096;  // larger queries are dropped (MSG_TRUNC)
constexpr size_t kUdpReplyBytes = 1232;  // the EDNS size labgate advertises
constexpr int kMaxBatchesPerWakeup = 8;  // then let the other sockets of the loop have a turn
constexpr size_t kMaxPendingOutput = 256 * 1024;  // stop reading a client that does not read

using Clock = std::chrono::steady_clock;

// The sender the kernel wrote; nullopt only for a family no loop socket has (not AF_INET*).
std::optional<IpEndpoint> sender(const SocketAddress& sa, socklen_t length) {
  return from_sockaddr(sa, length);
}

}  // namespace

// One UDP batch's buffers and headers. The headers point into the buffers once, when this is
// made; each recvmmsg then only needs msg_namelen restored (the kernel writes it back). Made for a
// loop's first UDP socket and never zeroed: a loop without UDP -- and any other thread of the
// process -- holds none of it, and only pages that datagrams touched become resident. (As
// thread_local arrays, these 170 KiB were zeroed, so resident, in every thread at its start.)
struct EventLoop::UdpBatch {
  uint8_t queries[kBatch][kUdpQueryBytes];
  uint8_t replies[kBatch][kUdpReplyBytes];
  SocketAddress peers[kBatch];  // either family: 28 bytes each, not sockaddr_storage's 128
  iovec in_iov[kBatch], out_iov[kBatch];
  mmsghdr in[kBatch], out[kBatch];

  void point_headers() {
    for (int i = 0; i < kBatch; ++i) {
      in_iov[i] = {queries[i], kUdpQueryBytes};
      in[i] = {};
      in[i].msg_hdr.msg_name = &peers[i];
      in[i].msg_hdr.msg_namelen = sizeof peers[i];
      in[i].msg_hdr.msg_iov = &in_iov[i];
      in[i].msg_hdr.msg_iovlen = 1;
      out_iov[i] = {replies[i], 0};
      out[i] = {};
      out[i].msg_hdr.msg_namelen = sizeof peers[i];
      out[i].msg_hdr.msg_iov = &out_iov[i];
      out[i].msg_hdr.msg_iovlen = 1;
    }
  }
};

struct EventLoop::Connection {
  Source source;
  uint64_t id = 0;
  IpAddress client;
  uint32_t owed = 0;         // deferred replies not yet given back by the handler
  std::vector<uint8_t> in;   // bytes read, not yet a whole frame
  std::vector<uint8_t> out;  // framed replies not yet written
  size_t out_sent = 0;
  bool want_write = false;
  bool closing = false;  // the client closed its side: send what is pending, then close
  Clock::time_point last_active;
  Clock::time_point message_since;  // when the partial message in `in` began (if `in` is not empty)
};

EventLoop::EventLoop(std::unique_ptr<LoopHandler> handler)
    : reactor_("", 64), handler_(std::move(handler)) {
  reactor_.every(std::chrono::seconds(1), [this](Clock::time_point) { close_idle_connections(); });
  tcp_reply_.resize(2 + 65535);
  handler_->attach(this);
}

EventLoop::~EventLoop() {
  // The handler goes first: it unwatches and closes its own descriptors.
  handler_.reset();
  for (auto& [c, owned] : connections_) ::close(c->source.fd);
  for (auto& s : sources_) ::close(s->fd);
}

void EventLoop::add_udp_socket(int fd) {
  if (!udp_) {
    udp_ = std::make_unique_for_overwrite<UdpBatch>();
    udp_->point_headers();
  }
  sources_.push_back(std::make_unique<Source>(kUdp, fd));
  reactor_.add(*sources_.back(), EPOLLIN);
}

void EventLoop::add_tcp_listener(int fd) {
  sources_.push_back(std::make_unique<Source>(kListener, fd));
  reactor_.add(*sources_.back(), EPOLLIN);
}

void EventLoop::stop() {
  reactor_.stop();
}

void EventLoop::run() {
  reactor_.run(
      [this](Reactor::Source& s, uint32_t events) { dispatch(static_cast<Source&>(s), events); },
      // The handler's timers bound the wait (the sweep's second bounds it too).
      [this](Clock::time_point now) { reactor_.wait_at_most(handler_->tick(now)); });
  handler_->shutdown();
  if (tcp_evicted() || tcp_stalled())
    log_info(
        fmt::format("a DNS loop stops: {} TCP connections evicted for room, {} closed "
                    "mid-message",
                    tcp_evicted(), tcp_stalled()));
}

void EventLoop::dispatch(Source& source, uint32_t events) {
  switch (source.kind) {
    case kHandler:
      source.callback(events);
      break;
    case kUdp:
      on_udp(source.fd);
      break;
    case kListener:
      on_accept(source.fd);
      break;
    case kConnection:
      on_connection(source.connection, events);
      break;
  }
}

void EventLoop::on_udp(int fd) {
  UdpBatch& b = *udp_;
  for (int batch = 0; batch < kMaxBatchesPerWakeup; ++batch) {
    int got = ::recvmmsg(fd, b.in, kBatch, MSG_DONTWAIT, nullptr);
    if (got <= 0) return;  // EAGAIN, or an error the next wakeup will see again
    handler_->refresh();
    int replies_count = 0;
    for (int i = 0; i < got; ++i) {
      const socklen_t peer_len = b.in[i].msg_hdr.msg_namelen;
      b.in[i].msg_hdr.msg_namelen = sizeof b.peers[i];  // for the next recvmmsg
      if (b.in[i].msg_hdr.msg_flags & MSG_TRUNC) continue;
      std::optional<IpEndpoint> peer = sender(b.peers[i], peer_len);
      if (!peer) continue;
      ReplyPath from{Transport::kUdp, peer->address, peer->port, fd, 0};
      size_t size = handler_->handle(b.queries[i], b.in[i].msg_len, from, b.replies[replies_count],
                                     kUdpReplyBytes);
      if (size == 0 || size == LoopHandler::kDeferred) continue;
      b.out_iov[replies_count].iov_len = size;
      b.out[replies_count].msg_hdr.msg_name = &b.peers[i];
      b.out[replies_count].msg_hdr.msg_namelen = peer_len;
      ++replies_count;
    }
    // A reply the kernel cannot take now is lost, as any UDP datagram may be; the client retries.
    for (int sent = 0; sent < replies_count;) {
      int r = ::sendmmsg(fd, b.out + sent, replies_count - sent, MSG_DONTWAIT);
      if (r <= 0) {
        if (r < 0 && errno == EINTR) continue;
        ++sent;  // skip the datagram that failed (e.g. an unreachable peer) and go on
        continue;
      }
      sent += r;
    }
    udp_answers_.fetch_add(replies_count, std::memory_order_relaxed);
    udp_batches_.fetch_add(1, std::memory_order_relaxed);
    if (got < kBatch) return;
  }
}

void EventLoop::on_accept(int listener) {
  while (true) {
    SocketAddress peer;
    socklen_t len = sizeof peer;
    int fd = ::accept4(listener, peer.sockaddr(), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;  // EAGAIN, or a connection that went away before we took it
    const IpAddress client = sender(peer, len).value_or(IpEndpoint{}).address;
    // Room for it: a client at its own bound displaces its idlest connection; a full loop, the
    // idlest of all (see the file comment of event_loop.h).
    Connection* victim = nullptr;
    auto count = connections_per_client_.find(client);
    if (count != connections_per_client_.end() && count->second >= kMaxTcpConnectionsPerClient) {
      if (!(victim = idlest(&client))) {
        ::close(fd);
        continue;
      }
    } else if (connections_.size() >= kMaxTcpConnections && !(victim = idlest(nullptr))) {
      ::close(fd);
      continue;
    }
    if (victim) {
      close_connection(victim);
      tcp_evicted_.fetch_add(1, std::memory_order_relaxed);
    }
    auto c = std::make_unique<Connection>();
    c->source = Source(kConnection, fd, c.get());
    c->id = next_connection_id_++;
    connection_ids_.emplace(c->id, c.get());
    ++connections_per_client_[client];
    c->client = client;
    c->last_active = Clock::now();
    Connection* raw = c.get();
    connections_.emplace(raw, std::move(c));
    reactor_.add(raw->source, EPOLLIN | EPOLLRDHUP);
  }
}

void EventLoop::on_connection(Connection* c, uint32_t events) {
  c->last_active = Clock::now();
  if (events & (EPOLLERR | EPOLLHUP)) return close_connection(c);
  if ((events & EPOLLOUT) && !flush(c)) return close_connection(c);
  if (c->closing) {
    if (c->out.empty() && c->owed == 0) close_connection(c);
    return;
  }
  if ((events & (EPOLLIN | EPOLLRDHUP)) && !read_frames(c)) return close_connection(c);
}

bool EventLoop::read_frames(Connection* c) {
  uint8_t chunk[16384];
  bool peer_closed = false;
  const bool had_partial = !c->in.empty();
  while (c->out.size() - c->out_sent < kMaxPendingOutput) {
    ssize_t n = ::read(c->source.fd, chunk, sizeof chunk);
    if (n == 0) {
      peer_closed = true;
      break;
    }
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      return false;
    }
    c->in.insert(c->in.end(), chunk, chunk + n);
  }
  size_t at = 0;
  bool refreshed = false;
  while (c->in.size() - at >= 2) {
    size_t length = size_t{c->in[at]} << 8 | c->in[at + 1];
    if (c->in.size() - at - 2 < length) break;
    if (!refreshed) {
      handler_->refresh();
      refreshed = true;
    }
    ReplyPath from{Transport::kTcp, c->client, 0, -1, c->id};
    size_t size = handler_->handle(c->in.data() + at + 2, length, from, tcp_reply_.data() + 2,
                                   tcp_reply_.size() - 2);
    at += 2 + length;
    if (size == LoopHandler::kDeferred) {
      ++c->owed;
      continue;
    }
    if (size == 0) continue;
    tcp_reply_[0] = static_cast<uint8_t>(size >> 8);
    tcp_reply_[1] = static_cast<uint8_t>(size);
    c->out.insert(c->out.end(), tcp_reply_.begin(), tcp_reply_.begin() + 2 + size);
    tcp_answers_.fetch_add(1, std::memory_order_relaxed);
  }
  c->in.erase(c->in.begin(), c->in.begin() + at);
  // A message's clock starts with its first byte; bytes that do not complete it do not reset it.
  if (!c->in.empty() && (at > 0 || !had_partial)) c->message_since = Clock::now();
  // A client that closed its side gets its pending replies, then the connection closes.
  c->closing = peer_closed;
  if (!flush(c)) return false;
  return !(peer_closed && c->out.empty() && c->owed == 0);
}

bool EventLoop::flush(Connection* c) {
  while (c->out_sent < c->out.size()) {
    ssize_t n = ::send(c->source.fd, c->out.data() + c->out_sent, c->out.size() - c->out_sent,
                       MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      return false;
    }
    c->out_sent += n;
  }
  if (c->out_sent == c->out.size()) {
    c->out.clear();
    c->out_sent = 0;
  }
  bool want_write = !c->out.empty();
  if (want_write != c->want_write || c->closing) {
    // A closing connection is no longer read: its read side would report EOF forever.
    reactor_.modify(c->source, (c->closing ? 0u : uint32_t{EPOLLIN | EPOLLRDHUP}) |
                                   (want_write ? uint32_t{EPOLLOUT} : 0u));
    c->want_write = want_write;
  }
  return true;
}

void EventLoop::close_connection(Connection* c) {
  reactor_.close(c->source);  // its events later in this round are skipped
  connection_ids_.erase(c->id);
  if (auto n = connections_per_client_.find(c->client);
      n != connections_per_client_.end() && --n->second == 0)
    connections_per_client_.erase(n);
  auto it = connections_.find(c);
  reactor_.defer_delete(it->second.release());  // after the round (see the file comment)
  connections_.erase(it);
}

void EventLoop::close_idle_connections() {
  const auto now = Clock::now();
  const auto idle_deadline = now - std::chrono::seconds(kTcpIdleSeconds);
  const auto message_deadline = now - std::chrono::seconds(kTcpMessageSeconds);
  std::vector<Connection*> idle, stalled;
  for (auto& [c, owned] : connections_) {
    // A message begun too long ago: closed even with replies owed (they would keep a slot for
    // a client that does not finish what it sends).
    if (!c->closing && !c->in.empty() && c->message_since < message_deadline)
      stalled.push_back(c);
    else if (c->last_active < idle_deadline && c->owed == 0)
      idle.push_back(c);
  }
  for (Connection* c : idle) close_connection(c);
  for (Connection* c : stalled) close_connection(c);
  tcp_stalled_.fetch_add(stalled.size(), std::memory_order_relaxed);
}

EventLoop::Connection* EventLoop::idlest(const IpAddress* client) const {
  Connection* best = nullptr;
  for (const auto& [c, owned] : connections_) {
    if (c->owed != 0 || (client && c->client != *client)) continue;
    if (!best || c->last_active < best->last_active) best = c;
  }
  return best;
}

void EventLoop::append_frame(Connection* c, const uint8_t* message, size_t size) {
  const uint8_t length[2] = {static_cast<uint8_t>(size >> 8), static_cast<uint8_t>(size)};
  c->out.insert(c->out.end(), length, length + 2);
  c->out.insert(c->out.end(), message, message + size);
}

void EventLoop::reply(const ReplyPath& to, const uint8_t* message, size_t size) {
  if (to.transport == Transport::kUdp) {
    if (size == 0) return;
    SocketAddress peer;
    socklen_t len = to_sockaddr(IpEndpoint{to.client, to.port}, &peer);
    // Lost if the kernel cannot take it now, as any UDP datagram may be; the client retries.
    if (::sendto(to.udp_fd, message, size, MSG_DONTWAIT, peer.sockaddr(), len) > 0)
      udp_answers_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  auto it = connection_ids_.find(to.connection);
  if (it == connection_ids_.end()) return;  // the client went away meanwhile
  Connection* c = it->second;
  if (c->owed > 0) --c->owed;
  if (size > 0 && size <= 65535) {
    append_frame(c, message, size);
    tcp_answers_.fetch_add(1, std::memory_order_relaxed);
  }
  c->last_active = Clock::now();
  if (!flush(c)) return close_connection(c);
  if (c->closing && c->out.empty() && c->owed == 0) close_connection(c);
}

bool EventLoop::watch(int fd, uint32_t events, Callback callback) {
  auto source = std::make_unique<Source>(kHandler, fd, nullptr, std::move(callback));
  if (!reactor_.add(*source, events)) return false;
  // try_emplace: a failed emplace() would have moved the source into a node it then destroys.
  auto [it, inserted] = handler_sources_.try_emplace(fd, std::move(source));
  if (!inserted) {  // a stale entry for a reused descriptor number
    reactor_.forget(*it->second);
    reactor_.defer_delete(it->second.release());
    it->second = std::move(source);
  }
  return true;
}

void EventLoop::modify(int fd, uint32_t events) {
  auto it = handler_sources_.find(fd);
  if (it == handler_sources_.end()) return;
  reactor_.modify(*it->second, events);
}

void EventLoop::unwatch(int fd) {
  auto it = handler_sources_.find(fd);
  if (it == handler_sources_.end()) return;
  reactor_.remove(*it->second);
  reactor_.defer_delete(it->second.release());
  handler_sources_.erase(it);
}

}  // namespace labgate::runtime
