#include "proxy/udp_server.h"

#include <unistd.h>

#include <fmt/format.h>

#include "proxy/bind_loops.h"
#include "runtime/sockets.h"

namespace labgate::proxy {

UdpProxyServer::UdpProxyServer(std::vector<UdpForward> forwards) {
  for (auto& f : forwards) {
    auto r = std::make_shared<UdpForwardRuntime>();
    r->config = std::move(f);
    runtimes_.push_back(std::move(r));
  }
}

UdpProxyServer::~UdpProxyServer() {
  stop();
  loops_.clear();
}

std::vector<UdpForward> UdpProxyServer::forwards() const {
  std::lock_guard lock(mu_);
  std::vector<UdpForward> out;
  for (const auto& r : runtimes_) out.push_back(r->config);
  return out;
}

std::vector<std::pair<std::string, std::shared_ptr<const UdpForwardState>>>
UdpProxyServer::counters() const {
  std::lock_guard lock(mu_);
  std::vector<std::pair<std::string, std::shared_ptr<const UdpForwardState>>> out;
  for (const auto& r : runtimes_) out.emplace_back(r->config.label, r->state);
  return out;
}

const UdpForwardState& UdpProxyServer::state(size_t i) const {
  std::lock_guard lock(mu_);
  return *runtimes_[i]->state;  // shared by every runtime of the forward, kept across reloads
}

Status UdpProxyServer::bind(int threads) {
  return bind_loops(loops_, threads, runtimes_, runtime::open_udp_socket);
}

void UdpProxyServer::start() {
  loops_.start();
}

void UdpProxyServer::stop() {
  loops_.stop();
}

Result<UdpReload> UdpProxyServer::prepare_reload(std::vector<UdpForward> next) const {
  UdpReload r;
  r.diff = diff_forwards(forwards(), next);
  r.updates.resize(loops_.size());
  for (size_t j = 0; j < next.size(); ++j) {
    if (r.diff.kept_from[j]) {
      const auto& old = runtimes_[*r.diff.kept_from[j]];
      next[j].listen = old->config.listen;
      if (old->config == next[j]) {
        r.runtimes.push_back(old);
        continue;
      }
      auto changed = std::make_shared<UdpForwardRuntime>();
      changed->config = next[j];
      changed->state = old->state;  // counters and the session count carry over
      for (auto& u : r.updates) u.replaced.emplace_back(old.get(), changed);
      r.runtimes.push_back(std::move(changed));
      continue;
    }
    auto added = std::make_shared<UdpForwardRuntime>();
    for (auto& u : r.updates) {
      Result<runtime::BoundSocket> socket = runtime::open_udp_socket(next[j].listen);
      if (!socket)  // r's updates close the sockets opened so far
        return Status::error(fmt::format("proxy {}: {}", next[j].label, socket.error()));
      next[j].listen = socket->bound;  // a kernel-chosen port is reused by the next loops
      u.added.emplace_back(added, socket->fd);
    }
    added->config = next[j];
    r.runtimes.push_back(std::move(added));
  }
  for (size_t i : r.diff.removed)
    for (auto& u : r.updates) u.removed.push_back(runtimes_[i].get());
  return r;
}

ForwardDiff UdpProxyServer::apply_reload(UdpReload reload) {
  // The old runtimes stay alive until the loops let go of them (their sessions hold them).
  {
    std::lock_guard lock(mu_);
    runtimes_.swap(reload.runtimes);
  }
  for (size_t t = 0; t < loops_.size(); ++t) loops_[t]->post(std::move(reload.updates[t]));
  return std::move(reload.diff);
}

Result<ForwardDiff> UdpProxyServer::reload(std::vector<UdpForward> next) {
  Result<UdpReload> prepared = prepare_reload(std::move(next));
  if (!prepared) return prepared.status();
  return apply_reload(std::move(*prepared));
}

}  // namespace labgate::proxy
