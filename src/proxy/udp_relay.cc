#include "proxy/udp_relay.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

#include "net/socket_address.h"

namespace labgate::proxy {
namespace {

using Clock = std::chrono::steady_clock;
constexpr unsigned kBatch = 32;           // datagrams per recvmmsg/sendmmsg
constexpr size_t kDatagramBytes = 65536;  // the largest UDP payload over IPv4 fits
constexpr int kReadsPerEvent = 4;         // batches per readable socket, then others' turn
constexpr auto kSweepEvery = std::chrono::milliseconds(100);

// A session's identity within its listener: the client's IPv4 address and port. An IPv6 client
// has no key (nullopt: its datagram is dropped and counted): no listener is IPv6 while the loader
// refuses IPv6 addresses, and the dual-stack issue keys sessions by the whole IpEndpoint.
std::optional<uint64_t> session_key(const SocketAddress& client, socklen_t length) {
  std::optional<IpEndpoint> e = from_sockaddr(client, length);
  if (!e || !e->address.is_v4()) return std::nullopt;
  return (uint64_t{e->address.v4_value()} << 16) | e->port;
}

}  // namespace

struct UdpRelayLoop::Session {
  Listener* listener = nullptr;  // replies go back to the client from its socket
  // The settings the session was opened with (a reload may give the listener new ones).
  std::shared_ptr<const UdpForwardRuntime> forward;
  SocketAddress client{};
  socklen_t client_length = 0;
  uint64_t key = 0;
  Source backend;
  Clock::time_point last_active;
};

struct UdpRelayLoop::Listener {
  Source source;
  std::shared_ptr<const UdpForwardRuntime> forward;  // for new sessions
  std::unordered_map<uint64_t, std::unique_ptr<Session>> sessions;
};

// One set of buffers for recvmmsg (in) and sendmmsg (out). Received datagrams are sent on from
// the same buffers, so a whole batch moves without a copy.
struct UdpRelayLoop::Batch {
  // Left uninitialised: a page is touched only when a datagram that long arrives in its slot.
  std::unique_ptr<char[]> data{new char[kBatch * kDatagramBytes]};
  mmsghdr messages[kBatch];
  iovec iov[kBatch];
  SocketAddress addresses[kBatch];  // either family: 28 bytes each, not sockaddr_storage's 128

  // Ready for a recvmmsg of up to kBatch datagrams, with their source addresses.
  mmsghdr* for_receive() {
    for (unsigned i = 0; i < kBatch; ++i) {
      iov[i] = {data.get() + i * kDatagramBytes, kDatagramBytes};
      messages[i] = {};
      messages[i].msg_hdr.msg_iov = &iov[i];
      messages[i].msg_hdr.msg_iovlen = 1;
      messages[i].msg_hdr.msg_name = &addresses[i];
      messages[i].msg_hdr.msg_namelen = sizeof addresses[i];
    }
    return messages;
  }
};

UdpLoopUpdate::~UdpLoopUpdate() {
  for (auto& [forward, fd] : added)
    if (fd >= 0) ::close(fd);
}

UdpRelayLoop::UdpRelayLoop() : reactor_("udp proxy", 128), batch_(std::make_unique<Batch>()) {
  reactor_.every(kSweepEvery, [this](Clock::time_point) { sweep_idle(); });
}

UdpRelayLoop::~UdpRelayLoop() {
  while (!listeners_.empty()) close_listener(listeners_.back().get());
}

void UdpRelayLoop::add_listener(std::shared_ptr<const UdpForwardRuntime> forward, int fd) {
  auto l = std::make_unique<Listener>();
  l->source.fd = fd;
  l->source.kind = kListener;
  l->source.listener = l.get();
  l->forward = std::move(forward);
  reactor_.add(l->source, EPOLLIN);
  listeners_.push_back(std::move(l));
}

void UdpRelayLoop::close_listener(Listener* l) {
  while (!l->sessions.empty()) close_session(l->sessions.begin()->second.get());
  reactor_.close(l->source);
  std::erase_if(listeners_, [l](const auto& p) { return p.get() == l; });  // frees l
}

void UdpRelayLoop::stop() {
  reactor_.stop();
}

void UdpRelayLoop::post(UdpLoopUpdate update) {
  // A task must be copyable (std::function); the update owns sockets, so it is shared instead.
  reactor_.post([this, u = std::make_shared<UdpLoopUpdate>(std::move(update))] { apply(*u); });
}

// A reactor task: runs between batches of events, so no event of the batch points at a socket it
// closes.
void UdpRelayLoop::apply(UdpLoopUpdate& u) {
  for (auto& l : listeners_)
    for (auto& [old, next] : u.replaced)
      if (l->forward.get() == old) l->forward = next;
  for (const UdpForwardRuntime* gone : u.removed) {
    std::vector<Listener*> closing;
    for (auto& l : listeners_)
      if (l->forward.get() == gone) closing.push_back(l.get());
    for (Listener* l : closing) close_listener(l);
  }
  for (auto& [forward, fd] : u.added) {
    add_listener(forward, fd);
    fd = -1;
  }
}

void UdpRelayLoop::run() {
  // Sessions and listeners are closed only by sweep_idle() and apply(), after the batch, so every
  // Source an event points at is alive while the batch is handled.
  reactor_.run([this](runtime::Reactor::Source& source, uint32_t) {
    auto& s = static_cast<Source&>(source);
    if (s.kind == kListener)
      on_client_datagrams(s.listener);
    else
      on_backend_datagrams(s.session);
  });
}

void UdpRelayLoop::on_client_datagrams(Listener* l) {
  // Counters are shared by every runtime of the forward, so this one stays valid across reloads.
  UdpForwardState& state = *l->forward->state;
  for (int round = 0; round < kReadsPerEvent; ++round) {
    mmsghdr* m = batch_->for_receive();
    int got = ::recvmmsg(l->source.fd, m, kBatch, MSG_DONTWAIT, nullptr);
    if (got <= 0) return;  // EAGAIN, or an error the next datagram will not have
    auto now = Clock::now();
    for (int i = 0; i < got; ++i) {
      const SocketAddress& from = batch_->addresses[i];
      const socklen_t from_length = m[i].msg_hdr.msg_namelen;
      std::optional<uint64_t> key = session_key(from, from_length);
      if (!key) {
        state.dropped.fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      auto it = l->sessions.find(*key);
      Session* s =
          it != l->sessions.end() ? it->second.get() : open_session(l, *key, from, from_length);
      if (!s) continue;
      s->last_active = now;
      // A full socket buffer or an ICMP error from an earlier datagram: this datagram is lost,
      // as it could be on the wire; the session stays.
      if (::send(s->backend.fd, batch_->iov[i].iov_base, m[i].msg_len, MSG_DONTWAIT) >= 0)
        state.datagrams_up.fetch_add(1, std::memory_order_relaxed);
    }
    if (static_cast<unsigned>(got) < kBatch) return;
  }
}

void UdpRelayLoop::on_backend_datagrams(Session* s) {
  UdpForwardState& state = *s->forward->state;
  for (int round = 0; round < kReadsPerEvent; ++round) {
    mmsghdr* m = batch_->for_receive();
    int got = ::recvmmsg(s->backend.fd, m, kBatch, MSG_DONTWAIT, nullptr);
    if (got <= 0) return;  // EAGAIN, or ECONNREFUSED from an ICMP error: the session stays
    s->last_active = Clock::now();
    // The same messages go out to the client: payload length as received, client as address.
    for (int i = 0; i < got; ++i) {
      batch_->iov[i].iov_len = m[i].msg_len;
      m[i].msg_hdr.msg_name = &s->client;
      m[i].msg_hdr.msg_namelen = s->client_length;
    }
    int sent = ::sendmmsg(s->listener->source.fd, m, static_cast<unsigned>(got), MSG_DONTWAIT);
    if (sent > 0)
      state.datagrams_down.fetch_add(static_cast<uint64_t>(sent), std::memory_order_relaxed);
    if (static_cast<unsigned>(got) < kBatch) return;
  }
}

UdpRelayLoop::Session* UdpRelayLoop::open_session(Listener* l, uint64_t key,
                                                  const SocketAddress& client,
                                                  socklen_t client_length) {
  const UdpForward& f = l->forward->config;
  UdpForwardState& state = *l->forward->state;
  uint32_t open = state.sessions.load(std::memory_order_relaxed);
  do {
    if (open >= f.max_sessions) {
      state.dropped.fetch_add(1, std::memory_order_relaxed);
      return nullptr;
    }
  } while (!state.sessions.compare_exchange_weak(open, open + 1, std::memory_order_relaxed));

  const IpEndpoint backend{f.backend.address, f.backend.port};
  int fd = ::socket(socket_family(backend.address.family()),
                    SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  SocketAddress to;
  socklen_t to_length = to_sockaddr(backend, &to);
  if (fd < 0 || ::connect(fd, to.sockaddr(), to_length) != 0) {
    if (fd >= 0) ::close(fd);
    state.sessions.fetch_sub(1, std::memory_order_relaxed);
    state.dropped.fetch_add(1, std::memory_order_relaxed);  // EMFILE, or no route to the backend
    return nullptr;
  }
  auto session = std::make_unique<Session>();
  Session* s = session.get();
  s->listener = l;
  s->forward = l->forward;
  s->client = client;
  s->client_length = client_length;
  s->key = key;
  s->backend.fd = fd;
  s->backend.kind = kSession;
  s->backend.session = s;
  reactor_.add(s->backend, EPOLLIN);
  l->sessions.emplace(key, std::move(session));
  state.opened.fetch_add(1, std::memory_order_relaxed);
  return s;
}

void UdpRelayLoop::close_session(Session* s) {
  reactor_.close(s->backend);
  s->forward->state->sessions.fetch_sub(1, std::memory_order_relaxed);
  s->listener->sessions.erase(s->key);  // frees s
}

void UdpRelayLoop::sweep_idle() {
  auto now = Clock::now();
  std::vector<Session*> idle;
  for (auto& l : listeners_)
    for (auto& [key, s] : l->sessions)
      if (now - s->last_active >= std::chrono::milliseconds(s->forward->config.idle_timeout_ms))
        idle.push_back(s.get());
  for (Session* s : idle) {
    s->forward->state->expired.fetch_add(1, std::memory_order_relaxed);
    close_session(s);
  }
}

}  // namespace labgate::proxy
