#include "dns/forwarder.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "dns/authority.h"
#include "net/socket_address.h"

namespace labgate::dns {
namespace {

constexpr size_t kMaxReply = 65535;

int connected_socket(int type, const Upstream& u) {
  const IpEndpoint to{u.address, u.port};
  int fd = ::socket(socket_family(to.address.family()), type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  SocketAddress sa;
  socklen_t len = to_sockaddr(to, &sa);
  if (::connect(fd, sa.sockaddr(), len) != 0 && errno != EINPROGRESS) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool is_loopback(IpAddress a) {
  return a.is_loopback();
}

}  // namespace

bool ForwardingConfig::allowed(IpAddress client) const {
  if (is_loopback(client)) return true;
  for (const IpPrefix& p : recursion)
    if (p.contains(client)) return true;
  return false;
}

Forwarder::Forwarder(runtime::LoopContext* loop, Cache* cache, ForwarderOptions options,
                     DnsLoopStats* stats)
    : loop_(loop), cache_(cache), dns_stats_(stats), options_(options), scratch_(kMaxReply) {}

Forwarder::~Forwarder() {
  shutdown();
}

void Forwarder::shutdown() {
  for (auto& [question, p] : pending_) close_try(p.get());
  pending_.clear();
}

uint16_t Forwarder::random_id() {
  if (random_used_ + 2 > sizeof random_) {
    // getrandom never returns fewer than 256 bytes unless interrupted before any (EINTR).
    while (::getrandom(random_, sizeof random_, 0) != static_cast<ssize_t>(sizeof random_)) {
    }
    random_used_ = 0;
  }
  uint16_t id = static_cast<uint16_t>(random_[random_used_] << 8 | random_[random_used_ + 1]);
  random_used_ += 2;
  return id;
}

bool Forwarder::forward(std::shared_ptr<const ForwardingConfig> config, const Query& query,
                        const uint8_t* bytes, size_t size, const runtime::ReplyPath& to,
                        size_t limit, std::shared_ptr<const Authority> local) {
  UpstreamQuestion question{query.qname, query.qtype, query.qclass};
  Waiter waiter{to, std::vector<uint8_t>(bytes, bytes + size), limit,
                log_ ? Clock::now() : Clock::time_point{}};
  if (auto it = pending_.find(question); it != pending_.end()) {
    if (it->second->waiters.size() >= options_.max_waiters) return false;
    it->second->waiters.push_back(std::move(waiter));
    ++stats_.coalesced;
    return true;
  }
  if (pending_.size() >= options_.max_in_flight || !config || !config->enabled()) return false;
  auto owned = std::make_unique<Pending>();
  Pending* p = owned.get();
  p->question = question;
  p->config = std::move(config);
  p->local = std::move(local);
  p->waiters.push_back(std::move(waiter));
  // Nothing is answered from inside forward(): the caller answers when no try could start.
  if (!begin_try(p)) return false;
  pending_.emplace(question, std::move(owned));
  return true;
}

bool Forwarder::begin_try(Pending* p) {
  while (p->upstream < p->config->upstreams.size()) {
    p->id = random_id();
    p->sent = Clock::now();
    p->deadline = p->sent + options_.try_timeout;
    if (p->tcp ? open_tcp(p) : open_udp(p)) return true;
    close_try(p);
    p->tcp = false;
    ++p->upstream;
  }
  return false;
}

void Forwarder::start_try(Pending* p) {
  if (!begin_try(p)) fail(p);
}

bool Forwarder::open_udp(Pending* p) {
  const Upstream& u = p->config->upstreams[p->upstream];
  p->fd = connected_socket(SOCK_DGRAM, u);
  if (p->fd < 0) return false;
  size_t n = write_upstream_query(p->id, p->question, scratch_.data(), 512);
  if (n == 0 || ::send(p->fd, scratch_.data(), n, MSG_DONTWAIT) != static_cast<ssize_t>(n))
    return false;
  ++stats_.queries;
  return loop_->watch(p->fd, EPOLLIN, [this, p](uint32_t) { on_udp(p); });
}

bool Forwarder::open_tcp(Pending* p) {
  const Upstream& u = p->config->upstreams[p->upstream];
  p->fd = connected_socket(SOCK_STREAM, u);
  if (p->fd < 0) return false;
  p->tcp_out.assign(2 + 512, 0);
  size_t n = write_upstream_query(p->id, p->question, p->tcp_out.data() + 2, 512);
  if (n == 0) return false;
  p->tcp_out[0] = static_cast<uint8_t>(n >> 8);
  p->tcp_out[1] = static_cast<uint8_t>(n);
  p->tcp_out.resize(2 + n);
  p->tcp_sent = 0;
  p->tcp_in.clear();
  ++stats_.queries;
  return loop_->watch(p->fd, EPOLLOUT, [this, p](uint32_t events) { on_tcp(p, events); });
}

void Forwarder::on_udp(Pending* p) {
  const Upstream& u = p->config->upstreams[p->upstream];
  while (true) {
    SocketAddress from;
    socklen_t from_len = sizeof from;
    ssize_t n = ::recvfrom(p->fd, scratch_.data(), scratch_.size(), MSG_DONTWAIT, from.sockaddr(),
                           &from_len);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      return next_upstream(p);  // ECONNREFUSED: nothing listens there
    }
    if (from_sockaddr(from, from_len) != IpEndpoint{u.address, u.port}) {
      ++stats_.ignored;
      continue;
    }
    const uint8_t* reply = scratch_.data();
    switch (check_reply(reply, static_cast<size_t>(n), p->id, p->question)) {
      case ReplyCheck::kNotOurs:
        ++stats_.ignored;
        continue;
      case ReplyCheck::kTruncated:
        ++stats_.tcp_retries;
        close_try(p);
        p->tcp = true;
        return start_try(p);
      case ReplyCheck::kUpstreamError:
        return next_upstream(p);
      case ReplyCheck::kAccept:
        return succeed(p, reply, static_cast<size_t>(n));
    }
  }
}

void Forwarder::on_tcp(Pending* p, uint32_t events) {
  if (events & EPOLLERR) return next_upstream(p);
  if (p->tcp_sent < p->tcp_out.size()) {
    while (p->tcp_sent < p->tcp_out.size()) {
      ssize_t n = ::send(p->fd, p->tcp_out.data() + p->tcp_sent, p->tcp_out.size() - p->tcp_sent,
                         MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return;
        return next_upstream(p);
      }
      p->tcp_sent += static_cast<size_t>(n);
    }
    loop_->modify(p->fd, EPOLLIN | EPOLLRDHUP);
    return;
  }
  while (true) {
    ssize_t n = ::read(p->fd, scratch_.data(), scratch_.size());
    if (n == 0) return next_upstream(p);  // closed before a whole reply
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      return next_upstream(p);
    }
    p->tcp_in.insert(p->tcp_in.end(), scratch_.data(), scratch_.data() + n);
    if (p->tcp_in.size() < 2) continue;
    const size_t length = size_t{p->tcp_in[0]} << 8 | p->tcp_in[1];
    if (p->tcp_in.size() < 2 + length) continue;
    // The first whole message decides: over TCP nothing else is expected on this connection.
    switch (check_reply(p->tcp_in.data() + 2, length, p->id, p->question)) {
      case ReplyCheck::kAccept: {
        std::vector<uint8_t> reply(p->tcp_in.begin() + 2, p->tcp_in.begin() + 2 + length);
        return succeed(p, reply.data(), reply.size());
      }
      case ReplyCheck::kNotOurs:
        ++stats_.ignored;
        return next_upstream(p);
      case ReplyCheck::kTruncated:
      case ReplyCheck::kUpstreamError:
        return next_upstream(p);
    }
  }
}

void Forwarder::next_upstream(Pending* p) {
  close_try(p);
  p->tcp = false;
  ++p->upstream;
  start_try(p);
}

void Forwarder::close_try(Pending* p) {
  if (p->fd < 0) return;
  loop_->unwatch(p->fd);
  ::close(p->fd);
  p->fd = -1;
}

int Forwarder::tick(Clock::time_point now) {
  if (pending_.empty()) return -1;
  std::vector<Pending*> expired;
  Clock::time_point next = Clock::time_point::max();
  for (auto& [question, p] : pending_) {
    if (p->deadline <= now)
      expired.push_back(p.get());
    else
      next = std::min(next, p->deadline);
  }
  for (Pending* p : expired) {
    ++stats_.timeouts;
    if (dns_stats_) dns_stats_->count_upstream_timeout();
    next_upstream(p);
  }
  if (pending_.empty()) return -1;
  if (!expired.empty()) return 0;  // new deadlines: look again soon
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(next - now).count();
  return static_cast<int>(std::max<int64_t>(1, ms + 1));
}

void Forwarder::succeed(Pending* p, const uint8_t* reply, size_t size) {
  StoredReply prepared;
  if (!prepare_reply(p->question.qname, p->question.qtype, reply, size, &prepared, p->local.get()))
    return next_upstream(p);  // believed, but unusable (e.g. OPT not last): as a failure
  const auto now = Clock::now();
  if (p->cache) cache_->insert(p->question.qname, p->question.qtype, prepared, now);
  if (dns_stats_)
    dns_stats_->observe_upstream_seconds(std::chrono::duration<double>(now - p->sent).count());
  for (const Waiter& w : p->waiters) {
    Query q;
    size_t n = 0;
    if (parse_query(w.query.data(), w.query.size(), &q) == ParseStatus::kOk)
      n = write_reply(prepared, q, w.query.data(), 0, false, scratch_.data(), w.limit);
    if (log_ && n) record(*p, w, q, n, Answered::kForwarded);
    count_reply(p, w, n);
    loop_->reply(w.to, scratch_.data(), n);
  }
  finish(p);
}

void Forwarder::fail(Pending* p) {
  const auto now = Clock::now();
  if (dns_stats_) dns_stats_->count_upstream_failure();
  for (const Waiter& w : p->waiters) {
    Query q;
    size_t n = 0;
    if (parse_query(w.query.data(), w.query.size(), &q) == ParseStatus::kOk) {
      Answered how = Answered::kStale;
      if (cache_->lookup(q, w.query.data(), now, true, scratch_.data(), w.limit, &n) !=
          Cache::Hit::kMiss) {
        ++stats_.stale;
        if (dns_stats_) dns_stats_->count_stale();
      } else {
        n = write_short_reply(q, w.query.data(), rcode::kServFail, flag::kRa, scratch_.data(),
                              w.limit);
        ++stats_.servfail;
        how = Answered::kFailed;
      }
      if (log_ && n) record(*p, w, q, n, how);
    }
    count_reply(p, w, n);
    loop_->reply(w.to, scratch_.data(), n);
  }
  finish(p);
}

void Forwarder::record(const Pending& p, const Waiter& w, const Query& q, size_t n, Answered how) {
  if (n < kHeaderBytes) return;
  QueryRecord r;
  const auto latency = Clock::now() - w.asked;
  r.time_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                  std::chrono::system_clock::now().time_since_epoch() - latency)
                  .count();
  r.client = w.to.client;
  r.name = q.qname;
  r.qtype = q.qtype;
  r.view = p.local ? p.local->view_for(w.to.client) : -1;
  r.rcode = scratch_[3] & 0xF;
  r.how = how;
  r.latency_us =
      static_cast<uint32_t>(std::chrono::duration_cast<std::chrono::microseconds>(latency).count());
  log_->record(r);
}

void Forwarder::count_reply(const Pending* p, const Waiter& w, size_t n) {
  if (!dns_stats_ || n == 0) return;
  dns_stats_->count_response(p->local ? p->local->view_for(w.to.client) : -1, scratch_.data(), n);
}

void Forwarder::uncache_pending() {
  for (auto& [question, p] : pending_) p->cache = false;
}

void Forwarder::finish(Pending* p) {
  close_try(p);
  const UpstreamQuestion key = p->question;
  pending_.erase(key);  // frees p: callers return right after
}

}  // namespace labgate::dns
