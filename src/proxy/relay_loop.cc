#include "proxy/relay_loop.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <poll.h>
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <cerrno>

#include "net/socket_address.h"
#include "proxy/client_hello.h"

namespace labgate::proxy {
namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kPipeBytes = 1 << 20;  // asked of F_SETPIPE_SZ; the kernel may give less
constexpr size_t kCopyBytes = 16384;    // a read this size or larger moves a direction to splice
constexpr int kMaxMovesPerEvent = 32;   // then let other connections have a turn
constexpr uint32_t kUnwatched = ~uint32_t{0};         // interest of a side removed from epoll
constexpr uint32_t kUnregistered = ~uint32_t{0} - 1;  // a side never added to epoll

}  // namespace

// One direction of a relay, from one socket to the other. It starts by copying: each read goes
// through the loop's scratch buffer and is written on at once, so a short exchange (a request, a
// reply) costs no pipe. A read that fills the buffer (a bulk transfer) or a write the receiver
// cannot take whole gives the direction its pipe: from then on bytes move by splice() and wait in
// the pipe until `to` takes them.
// `readable`/`writable` say whether a read of `from`/a write to `to` may make progress: cleared
// by a read that comes back short or a write that does, set again by epoll. The interest is
// level-triggered, so a hint that is wrongly clear only delays the move to the next event --
// except once `from` has hung up: its side is no longer watched (see update_interest), so a short
// read does not clear `readable` and the direction reads on until EOF.
struct Direction {
  int pipe_read = -1, pipe_write = -1;  // -1: copying, no pipe yet
  size_t in_pipe = 0;
  size_t capacity = 0;
  bool readable = true, writable = true;
  bool hung_up = false;  // epoll reported EPOLLHUP on `from`
  // A splice into the pipe found no room though `in_pipe < capacity`: a pipe holds a bounded
  // number of buffers, and small segments use one each. No reads (and no read interest, or
  // level-triggered epoll would wake the loop for nothing at once) until a write empties some.
  bool pipe_stalled = false;
  bool eof = false;           // `from` reached EOF
  bool write_failed = false;  // the last error was writing to `to` (else reading `from`)
  bool shut = false;          // `to` got SHUT_WR (or will be closed): this direction is done
  uint64_t bytes = 0;         // delivered to `to`
  uint64_t reported = 0;      // of `bytes`, already added to the forward's counters

  bool finished() const { return eof && in_pipe == 0; }
  bool has_room() const { return pipe_read < 0 || (in_pipe < capacity && !pipe_stalled); }
  void read_came_back_short() {
    if (!hung_up) readable = false;
  }
};

struct RelayLoop::Connection {
  enum class State : uint8_t { kProxyHeader, kHello, kConnecting, kRelaying };
  State state = State::kHello;
  std::shared_ptr<ForwardRuntime> forward;
  Source client{kClient, -1};
  Source backend{kBackend, -1};
  IpEndpoint peer, local;
  bool local_known = false;  // `local` is read only when a PROXY header needs it
  ClientHelloParser hello;
  std::string pending;  // PROXY header and bytes read before the relay: written to the backend
  size_t pending_sent = 0;
  bool header_added = false;       // the PROXY header to send is in `pending`
  std::optional<Backend> named;    // an SNI route's backend (not retried elsewhere)
  int backend_index = -1;          // the pool backend being tried or relayed to (-1: none)
  uint64_t tried = 0;              // pool backends this connection failed to reach
  std::optional<uint64_t> ticket;  // its turn in the pool's round-robin, kept for retries
  bool draining = false;           // its forward was removed by a reload
  Clock::time_point drain_deadline;
  Direction up, down;  // client -> backend, backend -> client
  uint32_t client_events = kUnregistered, backend_events = kUnregistered;
  uint64_t connect_batch = 0;  // the batch of events in which the current connect began
  bool touched = false;  // in touched_: its interest and shutdowns are settled after the batch
  bool client_hup = false, backend_hup = false;  // that side hung up: no longer watched
  Clock::time_point deadline;                    // hello or connect deadline
  Clock::time_point last_active;                 // for the idle timeout
  // The backend failed: only what it sent before still goes to the client (salvage()).
  bool salvaging = false;
  // After the client's EOF: bytes for the backend still undelivered at the last check (in the
  // pipe and the socket's send queue), to tell a slow backend from one that takes nothing.
  size_t up_left = SIZE_MAX;
};

RelayLoop::RelayLoop() : reactor_("proxy", 128), scratch_(std::make_unique<char[]>(kCopyBytes)) {
  reserve_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  // May start a connection's relay (a retry that connects at once): settled after the batch.
  reactor_.every(std::chrono::milliseconds(250), [this](Clock::time_point) { sweep_timeouts(); });
}

RelayLoop::~RelayLoop() {
  while (!connections_.empty()) close_connection(*connections_.begin(), false);
  for (auto& s : listeners_) ::close(s->fd);
  if (reserve_fd_ >= 0) ::close(reserve_fd_);
}

void RelayLoop::add_listener(std::shared_ptr<ForwardRuntime> forward, int fd) {
  // Accepted sockets inherit TCP_NODELAY from their listener: one setsockopt instead of one per
  // connection.
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  listeners_.push_back(std::make_unique<Source>(kListener, fd, nullptr, std::move(forward)));
  reactor_.add(*listeners_.back(), EPOLLIN);
}

void RelayLoop::stop() {
  reactor_.stop();
}

void RelayLoop::post(LoopUpdate update) {
  reactor_.post([this, u = std::move(update)]() mutable { apply(u); });
}

// A reactor task: runs between batches of events, so no event of the batch points at a listener
// it closes.
void RelayLoop::apply(LoopUpdate& u) {
  auto now = Clock::now();
  for (auto& s : listeners_)
    for (auto& [old, next] : u.replaced)
      if (s->forward.get() == old) s->forward = next;
  for (const ForwardRuntime* gone : u.removed) {
    auto it = std::find_if(listeners_.begin(), listeners_.end(),
                           [&](const auto& s) { return s->forward.get() == gone; });
    if (it != listeners_.end()) {
      reactor_.close(**it);
      listeners_.erase(it);
    }
    for (Connection* c : connections_) {
      if (c->forward.get() != gone || c->draining) continue;
      c->draining = true;
      c->drain_deadline = now + std::chrono::milliseconds(u.drain_ms);
    }
  }
  for (auto& [forward, fd] : u.added) {
    add_listener(std::move(forward), fd);
    fd = -1;
  }
}

void RelayLoop::run() {
  // splice() into a socket has no MSG_NOSIGNAL: once the peer has reset the connection, it can
  // raise SIGPIPE, whose default action ends the whole process (seen under wrk and iperf3: exit
  // status 141). SIGPIPE goes to the thread that wrote; blocked here, it stays pending and
  // harmless, and the splice fails with EPIPE, which closes that connection only.
  sigset_t sigpipe;
  sigemptyset(&sigpipe);
  sigaddset(&sigpipe, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &sigpipe, nullptr);
  reactor_.run([this](runtime::Reactor::Source& s,
                      uint32_t events) { dispatch(static_cast<Source&>(s), events); },
               // After the sweep (a timer), before the next wait, which may be long.
               [this](Clock::time_point) { settle_touched(); });
}

// A connection closed earlier in this batch has its sources closed: the reactor skips their
// events, and the connection is still allocated (see reactor_).
void RelayLoop::dispatch(Source& source, uint32_t e) {
  Source* s = &source;
  if (s->kind == kListener) return on_accept(s);
  Connection* c = s->connection;
  c->last_active = Clock::now();
  if (c->state == Connection::State::kProxyHeader || c->state == Connection::State::kHello) {
    on_client_input(c);
  } else if (c->state == Connection::State::kConnecting) {
    if (s->kind == kBackend)
      on_connected(c, e);
    else if (e & (EPOLLERR | EPOLLHUP))
      close_connection(c, false);
  } else {
    if (e & EPOLLERR) {
      // A reset (or another error). Of the backend: what it sent before it is still in its
      // receive queue and goes to the client first. Of the client: nothing more can reach it.
      if (s->kind == kBackend)
        salvage(c);
      else
        close_connection(c, false);
      return;
    }
    // The side that fired may be read (EOF and hang-up included) or written.
    bool is_client = s->kind == kClient;
    Direction& from_here = is_client ? c->up : c->down;
    Direction& to_here = is_client ? c->down : c->up;
    if (e & (EPOLLIN | EPOLLHUP | EPOLLRDHUP)) from_here.readable = true;
    if (e & (EPOLLOUT | EPOLLHUP)) to_here.writable = true;
    // A hang-up is reported even with no interest; after the relay has done what it can with
    // it, stop watching that side so a level-triggered HUP cannot spin the loop.
    if (e & EPOLLHUP) {
      (is_client ? c->client_hup : c->backend_hup) = true;
      from_here.hung_up = true;
    }
    on_relay(c);
  }
}

void RelayLoop::on_accept(Source* listener) {
  const ProxyForward& f = listener->forward->config;
  ForwardState& state = *listener->forward->counters;
  for (int i = 0; i < 64; ++i) {
    SocketAddress peer;
    socklen_t len = sizeof peer;
    int fd = ::accept4(listener->fd, peer.sockaddr(), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if ((errno == EMFILE || errno == ENFILE) && reserve_fd_ >= 0) {
        // Out of descriptors: give one back, take the connection and close it cleanly, so the
        // client is not left in the listen queue and the loop does not spin on it.
        ::close(reserve_fd_);
        int refused = ::accept4(listener->fd, nullptr, nullptr, SOCK_CLOEXEC);
        if (refused >= 0) ::close(refused);
        reserve_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        state.refused.fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      return;  // EAGAIN, or a connection that went away before we took it
    }
    if (state.active.load(std::memory_order_relaxed) >= f.max_connections) {
      state.refused.fetch_add(1, std::memory_order_relaxed);  // counted before the client sees it
      ::close(fd);
      continue;
    }
    state.active.fetch_add(1, std::memory_order_relaxed);
    state.accepted.fetch_add(1, std::memory_order_relaxed);
    auto* c = new Connection;
    c->forward = listener->forward;
    c->client = Source(kClient, fd, c);
    c->backend = Source(kBackend, -1, c);
    c->peer = from_sockaddr(peer, len).value_or(IpEndpoint{});
    c->last_active = Clock::now();
    connections_.insert(c);
    if (!f.accept_proxy.empty()) {
      if (!f.trusts(c->peer.address)) {
        close_connection(c, true);  // only the trusted hops may connect here
        continue;
      }
      c->state = Connection::State::kProxyHeader;
      c->deadline = Clock::now() + std::chrono::milliseconds(f.hello_timeout_ms);
      update_interest(c);
    } else if (f.routes_by_name()) {
      c->state = Connection::State::kHello;
      c->deadline = Clock::now() + std::chrono::milliseconds(f.hello_timeout_ms);
      update_interest(c);
    } else {
      connect_backend(c);
    }
  }
}

// Reads what a connection sends before it can be routed: the PROXY header (kProxyHeader), then
// the ClientHello (kHello). Every byte read goes to `pending`, except the PROXY header's.
void RelayLoop::on_client_input(Connection* c) {
  char buffer[4096];
  while (true) {
    ssize_t n = ::recv(c->client.fd, buffer, sizeof buffer, 0);
    if (n == 0) return close_connection(c, true);  // closed before it was routed
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      return close_connection(c, true);
    }
    c->pending.append(buffer, static_cast<size_t>(n));
    if (c->state == Connection::State::kProxyHeader) {
      if (!on_proxy_header(c)) return;
      if (c->state == Connection::State::kProxyHeader) continue;  // not whole yet
      if (c->state != Connection::State::kHello) return;          // connecting
      if (c->pending.empty()) continue;
      // Bytes after the header are the hello's first ones.
      HelloStatus s =
          c->hello.feed(reinterpret_cast<const uint8_t*>(c->pending.data()), c->pending.size());
      if (s == HelloStatus::kNeedMore) continue;
      if (s != HelloStatus::kDone) return close_connection(c, true);
      return on_hello_done(c);
    }
    HelloStatus s = c->hello.feed(reinterpret_cast<const uint8_t*>(buffer), static_cast<size_t>(n));
    if (s == HelloStatus::kNeedMore) continue;
    if (s != HelloStatus::kDone) return close_connection(c, true);
    return on_hello_done(c);
  }
}

// With the header whole, the connection's client is the one it names; the payload after it stays
// in `pending`. Then the hello is read (SNI forwards) or the backend connected.
bool RelayLoop::on_proxy_header(Connection* c) {
  ProxyParseResult r =
      parse_proxy_header(reinterpret_cast<const uint8_t*>(c->pending.data()), c->pending.size());
  if (r.status == ProxyParseStatus::kNeedMore) return true;
  if (r.status != ProxyParseStatus::kDone) {
    close_connection(c, true);
    return false;
  }
  if (r.header.family == ProxyFamily::kTcp4) {
    c->peer = IpEndpoint{r.header.v4.source, r.header.v4.source_port};
    c->local = IpEndpoint{r.header.v4.destination, r.header.v4.destination_port};
    c->local_known = true;
  }  // LOCAL (the hop's own check), UNKNOWN or IPv6: the hop stands for the client
  c->pending.erase(0, r.consumed);
  if (c->forward->config.routes_by_name()) {
    c->state = Connection::State::kHello;
    return true;
  }
  connect_backend(c);
  return connections_.contains(c);
}

void RelayLoop::on_hello_done(Connection* c) {
  const ProxyForward& f = c->forward->config;
  c->named = f.named_route(c->hello.server_name());
  if (!c->named && !f.has_default) return close_connection(c, true);
  connect_backend(c);
}

void RelayLoop::connect_backend(Connection* c) {
  ForwardRuntime& f = *c->forward;
  Backend to;
  if (c->named) {
    to = *c->named;
  } else {
    // A retry keeps the connection's turn: the failed backend's share goes to the next one.
    if (!c->ticket) c->ticket = f.next_ticket.fetch_add(1, std::memory_order_relaxed);
    std::optional<size_t> i = choose_backend(f.config.balance, f.backends, *c->ticket, c->tried);
    if (!i) return close_connection(c, true);
    c->backend_index = static_cast<int>(*i);
    c->tried |= uint64_t{1} << *i;
    f.backends[*i]->active.fetch_add(1, std::memory_order_relaxed);
    to = f.config.backends[*i];
  }
  if (f.config.send_proxy_header && !c->header_added) {
    if (!c->local_known) {
      SocketAddress local;
      socklen_t len = sizeof local;
      ::getsockname(c->client.fd, local.sockaddr(), &len);
      c->local = from_sockaddr(local, len).value_or(IpEndpoint{});
      c->local_known = true;
    }
    ProxyEndpoints e{c->peer.address, c->peer.port, c->local.address, c->local.port};
    c->pending.insert(0, proxy_header(*f.config.send_proxy_header, e));
    c->header_added = true;
  }
  const IpEndpoint backend{to.address, to.port};
  int fd = ::socket(socket_family(backend.address.family()),
                    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return close_connection(c, true);  // EMFILE: this connection only
  c->backend.fd = fd;
  c->backend_events = kUnregistered;
  c->backend_hup = false;
  c->connect_batch = reactor_.batch();
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  SocketAddress sa;
  socklen_t sa_len = to_sockaddr(backend, &sa);
  int r = ::connect(fd, sa.sockaddr(), sa_len);
  if (r != 0 && errno != EINPROGRESS) return on_connect_failed(c);
  c->state = Connection::State::kConnecting;
  c->deadline = Clock::now() + std::chrono::milliseconds(f.config.connect_timeout_ms);
  update_interest(c);
  if (r == 0) start_relay(c);
}

// The backend refused, failed or timed out before the relay began: nothing was sent to it yet,
// so the connection can go to another backend of the pool as if it had just arrived.
void RelayLoop::on_connect_failed(Connection* c) {
  ForwardRuntime& f = *c->forward;
  if (c->backend_index >= 0) {
    BackendState& b = *f.backends[static_cast<size_t>(c->backend_index)];
    b.active.fetch_sub(1, std::memory_order_relaxed);
    if (f.health_checked()) {
      b.up.store(false, std::memory_order_relaxed);
      b.passive_failures.fetch_add(1, std::memory_order_relaxed);
    }
    c->backend_index = -1;
  }
  reactor_.close(c->backend);  // which also takes it out of the epoll set
  uint64_t all = f.backends.size() >= 64 ? ~uint64_t{0} : (uint64_t{1} << f.backends.size()) - 1;
  if (c->named || (c->tried & all) == all) return close_connection(c, true);
  connect_backend(c);
}

void RelayLoop::on_connected(Connection* c, uint32_t events) {
  // An event fetched before this connect began (in this batch, for the socket of an attempt that
  // has failed since) is stale; a real one is reported again in the next batch.
  if (c->connect_batch == reactor_.batch()) return;
  if (events & (EPOLLERR | EPOLLHUP)) return on_connect_failed(c);
  if (!(events & EPOLLOUT)) return;
  start_relay(c);
}

void RelayLoop::start_relay(Connection* c) {
  c->state = Connection::State::kRelaying;
  // The client may have sent its first bytes already; a backend that speaks first is reported by
  // epoll once its side is watched.
  c->down.readable = false;
  on_relay(c);
}

bool RelayLoop::flush_pending(Connection* c) {
  while (c->pending_sent < c->pending.size()) {
    ssize_t n = ::send(c->backend.fd, c->pending.data() + c->pending_sent,
                       c->pending.size() - c->pending_sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno == EAGAIN || errno == EWOULDBLOCK;
    }
    c->pending_sent += static_cast<size_t>(n);
  }
  c->pending.clear();
  c->pending.shrink_to_fit();
  c->pending_sent = 0;
  return true;
}

namespace {

// Gives `d` its pipe (splice from now on); false when none can be made (out of descriptors).
bool make_pipe(Direction* d) {
  int p[2];
  if (::pipe2(p, O_NONBLOCK | O_CLOEXEC) != 0) return false;
  d->pipe_read = p[0];
  d->pipe_write = p[1];
  int got = ::fcntl(p[1], F_SETPIPE_SZ, static_cast<int>(kPipeBytes));
  d->capacity = got > 0 ? static_cast<size_t>(got) : 65536;  // 64 KiB: a pipe's default size
  return true;
}

// Writes what waits in d's pipe to `to`; false on an error (close both).
bool flush_pipe(Direction* d, int to) {
  ssize_t n =
      ::splice(d->pipe_read, nullptr, to, nullptr, d->in_pipe, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
  if (n > 0) {
    d->in_pipe -= static_cast<size_t>(n);
    d->bytes += static_cast<uint64_t>(n);
    d->pipe_stalled = false;
  } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
    d->write_failed = true;
    return false;
  }
  if (d->in_pipe > 0) d->writable = false;  // `to` is full: wait for EPOLLOUT
  return true;
}

// One read of `from` through the scratch buffer, written on at once. What `to` does not take goes
// into a new pipe (it fits: a fresh pipe holds at least 64 KiB), as does the direction after a
// read that filled the buffer. False on an error.
bool copy_once(Direction* d, int from, int to, char* scratch) {
  ssize_t n = ::recv(from, scratch, kCopyBytes, 0);
  if (n == 0) {
    d->eof = true;
    return true;
  }
  if (n < 0) {
    if (errno != EAGAIN && errno != EINTR) return false;
    d->readable = false;
    return true;
  }
  size_t got = static_cast<size_t>(n);
  if (got < kCopyBytes) d->read_came_back_short();  // `from` is drained for now
  size_t sent = 0;
  if (d->writable) {
    ssize_t w = ::send(to, scratch, got, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (w < 0 && errno != EAGAIN && errno != EINTR) {
      d->write_failed = true;
      return false;
    }
    if (w > 0) sent = static_cast<size_t>(w);
  }
  d->bytes += sent;
  if (sent == got && got < kCopyBytes) return true;
  if (!make_pipe(d)) return false;
  if (sent < got) {
    ssize_t w = ::write(d->pipe_write, scratch + sent, got - sent);
    if (w != static_cast<ssize_t>(got - sent)) return false;
    d->in_pipe = got - sent;
    d->writable = false;
  }
  return true;
}

// Moves what it can from `from` to `to`, within kMaxMovesPerEvent reads and writes; false on an
// error (close both). Reads go on while `to` is full, as long as the pipe has room. It does not
// shut `to` down at EOF: settle_touched() does, after the batch.
bool pump(Direction* d, int from, int to, char* scratch) {
  for (int i = 0; i < kMaxMovesPerEvent; ++i) {
    bool moved = false;
    if (d->in_pipe > 0 && d->writable) {
      size_t before = d->in_pipe;
      if (!flush_pipe(d, to)) return false;
      moved = d->in_pipe < before;
    }
    if (d->eof || !d->readable || !d->has_room()) {
      if (!moved) return true;
      continue;
    }
    if (d->pipe_read < 0) {
      uint64_t before = d->bytes;
      if (!copy_once(d, from, to, scratch)) return false;
      moved = moved || d->eof || d->bytes > before || d->in_pipe > 0;
    } else {
      size_t room = d->capacity - d->in_pipe;
      ssize_t n =
          ::splice(from, nullptr, d->pipe_write, nullptr, room, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
      if (n > 0) {
        if (static_cast<size_t>(n) < room) d->read_came_back_short();
        d->in_pipe += static_cast<size_t>(n);
        moved = true;
      } else if (n == 0) {
        d->eof = true;
        moved = true;
      } else if (errno == EAGAIN || errno == EINTR) {
        // Either `from` has nothing, or the pipe is out of buffers; with bytes waiting in it, a
        // write will come (EPOLLOUT is watched) and lift the stall either way.
        d->readable = false;
        if (d->in_pipe > 0) d->pipe_stalled = true;
      } else {
        return false;
      }
    }
    if (!moved) return true;
  }
  return true;
}

}  // namespace

void RelayLoop::on_relay(Connection* c) {
  if (c->salvaging) return salvage(c);
  if (!c->pending.empty()) {
    if (!flush_pending(c)) return salvage(c);
    if (!c->pending.empty()) return touch(c);  // the backend is not taking more yet
  }
  // An error of the backend's side (writing to it, reading from it) ends the connection only
  // after what the backend sent is delivered; one of the client's side ends it at once.
  if (!pump(&c->up, c->client.fd, c->backend.fd, scratch_.get()))
    return c->up.write_failed ? salvage(c) : close_connection(c, false);
  if (!pump(&c->down, c->backend.fd, c->client.fd, scratch_.get()))
    return c->down.write_failed ? close_connection(c, false) : salvage(c);
  touch(c);
}

// The backend reset the connection (an HTTP server answering 413 and closing without reading the
// request does), or a write to it failed. The kernel keeps what it received before the reset
// readable, so the down direction reads on until the error or EOF, and everything is written to
// the client before it gets its close (a FIN: see close_connection). Nothing more goes to the
// backend; the client's input is no longer read. Runs on every later event of the connection
// until the down direction is finished; bounded by ProxyForward::fin_timeout_ms without progress.
// Only error paths come here: the normal relay costs no call more.
void RelayLoop::salvage(Connection* c) {
  if (!c->salvaging) {
    c->salvaging = true;
    c->last_active = Clock::now();
    c->pending.clear();
    c->up.eof = true;  // finished: the pipe's bytes for the backend are dropped
    c->up.in_pipe = 0;
    c->up.shut = true;
    c->down.readable = true;
    c->down.hung_up = true;  // read on until EOF or the error, with the backend unwatched
    c->backend_hup = true;
  }
  if (!c->down.eof && !pump(&c->down, c->backend.fd, c->client.fd, scratch_.get())) {
    if (c->down.write_failed) return close_connection(c, false);  // the client is gone too
    c->down.eof = true;  // the read error (the reset) ends what the backend sent
  }
  // With the backend unwatched, only the client's EPOLLOUT brings the loop back: after a bounded
  // pump with the pipe empty and the backend not at EOF yet, go on reading now.
  while (!c->down.eof && c->down.in_pipe == 0) {
    uint64_t before = c->down.bytes;
    if (!pump(&c->down, c->backend.fd, c->client.fd, scratch_.get())) {
      if (c->down.write_failed) return close_connection(c, false);
      c->down.eof = true;
    }
    if (c->down.bytes == before && !c->down.eof && c->down.in_pipe == 0) c->down.eof = true;
  }
  touch(c);
}

void RelayLoop::touch(Connection* c) {
  if (c->touched) return;
  c->touched = true;
  touched_.push_back(c);
}

// After a batch of events, once both sides' events in it have been seen: a connection whose two
// directions are finished is closed without a shutdown() (close sends the FIN); one finished
// direction gets its SHUT_WR while the other keeps flowing; then the epoll interest is updated.
void RelayLoop::settle_touched() {
  for (Connection* c : touched_) {
    c->touched = false;
    if (!connections_.contains(c)) continue;  // closed since it was touched
    report_bytes(c);
    if (c->state == Connection::State::kRelaying) {
      if (c->up.finished() && c->down.finished()) {
        close_connection(c, false);
        continue;
      }
      for (auto [d, to] : {std::pair{&c->up, c->backend.fd}, std::pair{&c->down, c->client.fd}}) {
        if (!d->finished() || d->shut) continue;
        ::shutdown(to, SHUT_WR);
        d->shut = true;
      }
    }
    update_interest(c);
  }
  touched_.clear();
}

namespace {
// Copying, or with room in the pipe, and no EOF yet.
bool wants_input(const Direction& d) {
  return !d.eof && d.has_room();
}
}  // namespace

// Level-triggered interest: read a side while its direction has pipe room and no EOF; wait for
// writability of a side while bytes wait for it.
void RelayLoop::update_interest(Connection* c) {
  uint32_t client = 0, backend = 0;
  switch (c->state) {
    case Connection::State::kProxyHeader:
    case Connection::State::kHello:
      client = EPOLLIN;
      break;
    case Connection::State::kConnecting:
      backend = EPOLLOUT;
      break;
    case Connection::State::kRelaying:
      if (!c->pending.empty()) {
        backend = EPOLLOUT;
        break;
      }
      if (wants_input(c->up)) client |= EPOLLIN;
      if (wants_input(c->down)) backend |= EPOLLIN;
      if (c->up.in_pipe > 0) backend |= EPOLLOUT;
      if (c->down.in_pipe > 0) client |= EPOLLOUT;
      break;
  }
  auto apply = [&](Source* s, uint32_t want, uint32_t* have, bool hup) {
    if (s->fd < 0) return;
    if (hup) {
      if (*have != kUnwatched && *have != kUnregistered) reactor_.remove(*s);
      *have = kUnwatched;
      return;
    }
    if (want == *have || (want == 0 && *have == kUnregistered)) return;
    if (*have == kUnregistered || *have == kUnwatched)
      reactor_.add(*s, want);
    else
      reactor_.modify(*s, want);
    *have = want;
  };
  // Interest 0 still reports errors and hang-ups, which the relay then sees as a failed splice.
  apply(&c->client, client, &c->client_events, c->client_hup);
  apply(&c->backend, backend, &c->backend_events, c->backend_hup);
}

// Adds what the connection delivered since the last report to its forward's byte counters: once
// per batch in which it moved (and at its close), not once per read or write, so the loops share
// the forward's cache line at most once a batch.
void RelayLoop::report_bytes(Connection* c) {
  ForwardState& state = *c->forward->counters;
  for (auto [d, total] :
       {std::pair{&c->up, &state.bytes_up}, std::pair{&c->down, &state.bytes_down}}) {
    if (d->bytes == d->reported) continue;
    total->fetch_add(d->bytes - d->reported, std::memory_order_relaxed);
    d->reported = d->bytes;
  }
}

void RelayLoop::close_connection(Connection* c, bool failed) {
  report_bytes(c);
  // A client whose backend never answered may already have sent its first bytes (a request, a
  // ClientHello). Closing with them unread would make the kernel answer with a reset; discard
  // what has arrived so the client sees a clean end of stream instead.
  // So does a client whose backend failed (salvage): its reply must not be lost to a reset.
  if ((c->state != Connection::State::kRelaying || c->salvaging) && c->client.fd >= 0) {
    char discard[4096];
    for (int i = 0; i < 16 && ::recv(c->client.fd, discard, sizeof discard, MSG_DONTWAIT) > 0;
         ++i) {
    }
  }
  for (Source* s : {&c->client, &c->backend})
    reactor_.close(*s);  // which also takes it out of the epoll set: no more events
  for (Direction* d : {&c->up, &c->down}) {
    if (d->pipe_read >= 0) ::close(d->pipe_read);
    if (d->pipe_write >= 0) ::close(d->pipe_write);
  }
  if (c->backend_index >= 0)
    c->forward->backends[static_cast<size_t>(c->backend_index)]->active.fetch_sub(
        1, std::memory_order_relaxed);
  ForwardState& state = *c->forward->counters;
  state.active.fetch_sub(1, std::memory_order_relaxed);
  if (failed) state.failed.fetch_add(1, std::memory_order_relaxed);
  connections_.erase(c);
  reactor_.defer_delete(c);  // freed after the current batch of events: see reactor_
}

// After the client has finished sending, or once the backend failed (salvage), the connection may
// stay inactive for ProxyForward::fin_timeout_ms only (HAProxy's `timeout client-fin`), not for
// the whole idle timeout: a backend that never reads nor answers, or a client that never reads the
// salvaged reply, would otherwise hold a max_connections slot for 10 minutes after the client has
// gone. "Finished sending": its EOF was read, or its FIN has arrived behind bytes the proxy could
// not pass on yet (the backend takes nothing, the pipe is full: TCP_INFO says CLOSE_WAIT).
// Inactive: no event, and no fewer bytes waiting for the backend (in the pipe, in the socket's
// send queue, unread from the client) than at the last check. Called from the sweep only, and asks
// the kernel only about a connection already inactive for the bound.
bool RelayLoop::stuck_after_client_eof(Connection* c, Clock::time_point now) {
  if (c->state != Connection::State::kRelaying) return false;
  const auto bound = std::chrono::milliseconds(c->forward->config.fin_timeout_ms);
  if (now - c->last_active < bound) return false;
  if (c->salvaging) return true;  // no byte taken by the client for the whole bound
  int unread = 0;
  if (!c->up.eof) {
    if (c->up.in_pipe == 0) return false;  // an idle connection, or one still being read
    tcp_info info{};
    socklen_t len = sizeof info;
    if (::getsockopt(c->client.fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0 ||
        info.tcpi_state != TCP_CLOSE_WAIT)
      return false;  // the client may still send: the idle timeout applies
    if (::ioctl(c->client.fd, SIOCINQ, &unread) != 0) unread = 0;
  }
  int queued = 0;
  if (::ioctl(c->backend.fd, SIOCOUTQ, &queued) != 0) queued = 0;
  size_t left = c->up.in_pipe + static_cast<size_t>(std::max(queued, 0)) +
                static_cast<size_t>(std::max(unread, 0));
  if (left > 0 && left < c->up_left) {  // the backend took some since the last check (or the
                                        // first check: its baseline)
    c->up_left = left;
    c->last_active = now;
    return false;
  }
  return true;
}

void RelayLoop::sweep_timeouts() {
  auto now = Clock::now();
  std::vector<Connection*> expired;
  std::vector<Connection*> connect_timeouts;
  for (Connection* c : connections_) {
    const ProxyForward& f = c->forward->config;
    bool waiting = c->state != Connection::State::kRelaying;
    if (c->state == Connection::State::kConnecting && now >= c->deadline && !c->draining)
      connect_timeouts.push_back(c);
    else if ((waiting && now >= c->deadline) || (c->draining && now >= c->drain_deadline) ||
             now - c->last_active >= std::chrono::milliseconds(f.idle_timeout_ms) ||
             stuck_after_client_eof(c, now))
      expired.push_back(c);
  }
  for (Connection* c : expired) close_connection(c, c->state != Connection::State::kRelaying);
  // A connect that timed out is a failed connect: the next backend gets a turn.
  for (Connection* c : connect_timeouts)
    if (connections_.contains(c)) on_connect_failed(c);
}

}  // namespace labgate::proxy
