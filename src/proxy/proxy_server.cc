#include "proxy/proxy_server.h"

#include <unistd.h>

#include <fmt/format.h>

#include "proxy/bind_loops.h"
#include "runtime/sockets.h"

namespace labgate::proxy {

ProxyServer::ProxyServer(std::vector<ProxyForward> forwards, uint32_t drain_ms)
    : drain_ms_(drain_ms) {
  for (auto& f : forwards) runtimes_.push_back(make_runtime(std::move(f), nullptr));
}

ProxyServer::~ProxyServer() {
  stop();
  loops_.clear();
}

std::shared_ptr<ForwardRuntime> ProxyServer::make_runtime(ProxyForward config,
                                                          const ForwardRuntime* previous) const {
  auto r = std::make_shared<ForwardRuntime>();
  r->config = std::move(config);
  if (previous) r->counters = previous->counters;
  for (const auto& b : r->config.backends) {
    std::shared_ptr<BackendState> state;
    for (size_t i = 0; previous && !state && i < previous->config.backends.size(); ++i)
      if (previous->config.backends[i] == b) state = previous->backends[i];
    r->backends.push_back(state ? state : std::make_shared<BackendState>());
  }
  return r;
}

std::vector<HealthTarget> ProxyServer::health_targets() const {
  std::vector<HealthTarget> out;
  for (const auto& r : runtimes_) {
    if (!r->health_checked()) continue;
    for (size_t i = 0; i < r->backends.size(); ++i)
      out.push_back({r->config.label, r->config.backends[i], r->backends[i],
                     r->config.health_interval_ms, r->config.health_timeout_ms,
                     r->config.send_proxy_header});
  }
  return out;
}

std::vector<ProxyForward> ProxyServer::forwards() const {
  std::lock_guard lock(mu_);
  std::vector<ProxyForward> out;
  for (const auto& r : runtimes_) out.push_back(r->config);
  return out;
}

std::vector<std::pair<std::string, std::shared_ptr<const ForwardState>>> ProxyServer::counters()
    const {
  std::lock_guard lock(mu_);
  std::vector<std::pair<std::string, std::shared_ptr<const ForwardState>>> out;
  for (const auto& r : runtimes_) out.emplace_back(r->config.label, r->counters);
  return out;
}

std::vector<ProxyServer::BackendReport> ProxyServer::backends() const {
  std::lock_guard lock(mu_);
  std::vector<BackendReport> out;
  for (const auto& r : runtimes_)
    for (size_t i = 0; i < r->config.backends.size() && i < r->backends.size(); ++i) {
      const Backend& b = r->config.backends[i];
      const BackendState& s = *r->backends[i];
      out.push_back({r->config.label, fmt::format("{}:{}", b.address.str(), b.port),
                     r->health_checked(), s.up.load(std::memory_order_relaxed),
                     s.active.load(std::memory_order_relaxed)});
    }
  return out;
}

Status ProxyServer::bind(int threads) {
  if (Status s = bind_loops(loops_, threads, runtimes_, runtime::open_tcp_listener); !s.ok())
    return s;
  checker_.set_targets(health_targets());
  return Status::ok_status();
}

void ProxyServer::start() {
  loops_.start();
  checker_.start();
}

void ProxyServer::stop() {
  loops_.stop();
  checker_.stop();
}

Result<ForwardDiff> ProxyServer::reload(std::vector<ProxyForward> next) {
  std::vector<ProxyForward> current = forwards();
  ForwardDiff d = diff_forwards(current, next);

  // Open the new listeners first: if one cannot be, nothing has changed yet.
  std::vector<std::vector<int>> opened(next.size());  // [forward][loop]
  auto close_opened = [&] {
    for (auto& fds : opened)
      for (int fd : fds) ::close(fd);
  };
  for (size_t j = 0; j < next.size(); ++j) {
    if (d.kept_from[j]) continue;
    for (size_t t = 0; t < loops_.size(); ++t) {
      Result<runtime::BoundSocket> socket = runtime::open_tcp_listener(next[j].listen);
      if (!socket) {
        close_opened();
        return Status::error(fmt::format("proxy {}: {}", next[j].label, socket.error()));
      }
      next[j].listen = socket->bound;
      opened[j].push_back(socket->fd);
    }
  }

  std::vector<std::shared_ptr<ForwardRuntime>> runtimes;
  std::vector<LoopUpdate> updates(loops_.size());
  for (size_t j = 0; j < next.size(); ++j) {
    if (!d.kept_from[j]) {
      auto r = make_runtime(std::move(next[j]), nullptr);
      for (size_t t = 0; t < loops_.size(); ++t) updates[t].added.emplace_back(r, opened[j][t]);
      runtimes.push_back(std::move(r));
      continue;
    }
    const std::shared_ptr<ForwardRuntime>& old = runtimes_[*d.kept_from[j]];
    next[j].listen = old->config.listen;
    if (old->config == next[j]) {
      runtimes.push_back(old);
      continue;
    }
    auto r = make_runtime(std::move(next[j]), old.get());
    for (auto& u : updates) u.replaced.emplace_back(old.get(), r);
    runtimes.push_back(std::move(r));
  }
  for (size_t i : d.removed)
    for (auto& u : updates) u.removed.push_back(runtimes_[i].get());
  for (auto& u : updates) u.drain_ms = drain_ms_;

  // The old runtimes stay alive until the loops let go of them (their connections hold them).
  {
    std::lock_guard lock(mu_);
    runtimes_.swap(runtimes);
  }
  for (size_t t = 0; t < loops_.size(); ++t) loops_[t]->post(std::move(updates[t]));
  checker_.set_targets(health_targets());
  return d;
}

}  // namespace labgate::proxy
