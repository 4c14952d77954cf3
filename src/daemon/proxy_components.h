// The userspace proxy as daemon components: the TCP relay (proxy/proxy_server.h) and the UDP relay
// (proxy/udp_server.h), each serving the Plan's `via: proxy` forwards of its protocol. Their loops
// run even without forwards, so that a reload can bring some.
//
// The TCP proxy's reload opens the new listeners and switches in one step (its listeners that
// stay are handed over, never re-bound), so it commits in prepare_reload(): the daemon prepares
// it last. The UDP proxy's reload opens the new sockets first and hands them over on commit.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "daemon/component.h"
#include "proxy/proxy_server.h"
#include "proxy/udp_server.h"

namespace labgate::daemon {

class TcpProxyComponent : public Component {
 public:
  // `drain_ms`: how long connections of a forward removed by a reload may go on.
  TcpProxyComponent(const Plan& plan, int threads, uint32_t drain_ms);

  const char* name() const override { return "tcp-proxy"; }
  Status bind() override;
  void start() override;
  void stop() override;
  Result<std::unique_ptr<PendingReload>> prepare_reload(const Plan& next) override;
  bool commits_in_prepare() const override { return true; }
  void register_metrics(MetricsRegistry& registry) override;
  std::string describe() const override;

 private:
  int threads_;
  uint32_t drain_ms_;
  proxy::ProxyServer server_;
};

class UdpProxyComponent : public Component {
 public:
  // `idle_timeout_ms` > 0 replaces every forward's session idle timeout (tests).
  UdpProxyComponent(const Plan& plan, int threads, uint32_t idle_timeout_ms);

  const char* name() const override { return "udp-proxy"; }
  Status bind() override;
  void start() override;
  void stop() override;
  Result<std::unique_ptr<PendingReload>> prepare_reload(const Plan& next) override;
  void register_metrics(MetricsRegistry& registry) override;
  std::string describe() const override;

 private:
  std::vector<proxy::UdpForward> forwards_of(const Plan& plan, bool log_ignored) const;

  int threads_;
  uint32_t idle_timeout_ms_;
  proxy::UdpProxyServer server_;
};

}  // namespace labgate::daemon
