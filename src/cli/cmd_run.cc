// `labgate run`: the daemon. It hosts the DNS service (split-horizon answers for the local zone,
// the caching forwarder for other names) and the userspace proxy (`via: proxy` forwards, TCP and
// UDP); docs/architecture.md lists its threads.
//
// Exit status: 2 if the file has errors or nothing to serve (no `dns:` section and no proxy
// forward), 1 if the sockets cannot be opened, 0 after a clean stop (SIGTERM or SIGINT). SIGHUP
// re-reads and re-validates the file: a good file replaces the answers and the proxy's forwards, a
// bad one is reported and everything stays as it was. The DNS listen addresses and the thread
// count are fixed at start.
#include <ctime>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/config_source.h"
#include "dns/authority.h"
#include "dns/forwarder.h"
#include "dns/service.h"
#include "proxy/proxy_forward.h"
#include "proxy/proxy_server.h"
#include "proxy/udp_server.h"
#include "runtime/listen_address.h"
#include "runtime/log.h"
#include "runtime/notify.h"
#include "runtime/server.h"
#include "runtime/signals.h"

namespace labgate {
namespace {

struct RunOptions {
  std::string config;
  std::vector<std::string> listen;
  int threads = 0;
  std::string loopback_view;
  // The DNS forwarder (docs/dns.md): UDP answers per second per /24 (0: off), and the port of
  // every upstream (for tests and benchmarks; the file's upstreams are addresses).
  uint32_t rate_limit = 200;
  uint16_t upstream_port = 53;
  uint32_t proxy_drain_seconds = 30;  // a proxy forward removed by a reload: its connections' bound
  uint32_t udp_idle_timeout_ms = 0;   // 0: UdpForward's default
};

// Port 53 on the gateway's address of each network in dns.listen (every network if unset).
std::vector<runtime::ListenAddress> default_listen(const Topology& t) {
  std::vector<runtime::ListenAddress> out;
  for (const auto& n : t.networks) {
    if (!n.ok) continue;
    bool wanted = t.dns.listen.empty();
    for (const auto& name : t.dns.listen) wanted |= name == n.name;
    if (wanted) out.push_back({n.address, 53});
  }
  return out;
}

std::shared_ptr<const dns::Authority> build_authority(const Topology& t, const RunOptions& o,
                                                      std::string* error) {
  dns::AuthorityOptions options;
  options.serial = static_cast<uint32_t>(std::time(nullptr));
  options.loopback_view = o.loopback_view;
  return dns::Authority::build(t, options, error);
}

// Where names outside the zone go, and who may ask for them (docs/dns.md, "Forwarding").
std::shared_ptr<const dns::ForwardingConfig> forwarding_config(const Topology& t,
                                                               const RunOptions& o) {
  auto config = std::make_shared<dns::ForwardingConfig>();
  for (IpAddress a : t.dns.upstreams) config->upstreams.push_back({a, o.upstream_port});
  for (const auto& n : t.networks) {
    if (!n.ok) continue;
    if (t.dns.may_recurse(n.name)) config->recursion.push_back(n.subnet);
  }
  return config;
}

// The UDP forwards of `t`, with the test override of their idle timeout.
std::vector<proxy::UdpForward> udp_forwards(const Topology& t, const RunOptions& o,
                                            std::vector<std::string>* ignored) {
  std::vector<proxy::UdpForward> out = proxy::udp_proxy_forwards(t, ignored);
  for (auto& f : out)
    if (o.udp_idle_timeout_ms > 0) f.idle_timeout_ms = o.udp_idle_timeout_ms;
  return out;
}

// A topology the DNS service can run from, or nullptr after reporting why not.
std::optional<Topology> load(const RunOptions& o, int* exit_status) {
  LoadedTopology loaded = load_for_command(o.config);
  *exit_status = loaded.exit_status;
  if (!loaded.topology) return std::nullopt;
  if (!loaded.topology->dns.enabled && proxy::proxy_forwards(*loaded.topology, nullptr).empty() &&
      proxy::udp_proxy_forwards(*loaded.topology).empty()) {
    runtime::log_error(fmt::format(
        "{}: there is no 'dns:' section and no 'via: proxy' forward, so there is nothing to serve",
        loaded.source.name));
    *exit_status = kExitConfigError;
    return std::nullopt;
  }
  return loaded.topology;
}

int run(const RunOptions& o) {
  int status = kExitOk;
  std::optional<Topology> topology = load(o, &status);
  if (!topology) return status;

  std::vector<runtime::ListenAddress> listen;
  for (const auto& text : o.listen) {
    std::string error;
    auto a = runtime::ListenAddress::parse(text, &error);
    if (!a) {
      runtime::log_error(fmt::format("--listen {}", error));
      return kExitConfigError;
    }
    listen.push_back(*a);
  }
  if (listen.empty()) listen = default_listen(*topology);

  std::string error;
  const bool serve_dns = topology->dns.enabled;  // else only the proxy runs
  std::shared_ptr<const dns::Authority> authority;
  if (serve_dns) authority = build_authority(*topology, o, &error);
  if (serve_dns && !authority) {
    runtime::log_error(error);
    return kExitConfigError;
  }
  dns::DnsServiceOptions dns_options;
  dns_options.rate_limit = o.rate_limit;
  dns::DnsService service(authority, forwarding_config(*topology, o), dns_options);
  runtime::Server server;
  int threads = o.threads > 0 ? o.threads : static_cast<int>(std::thread::hardware_concurrency());
  if (threads < 1) threads = 1;
  if (serve_dns && !server.bind(service, listen, threads, &error)) {
    runtime::log_error(error);
    return kExitFailure;
  }
  // The userspace proxy serves the `via: proxy` forwards; SIGHUP re-computes them. Its loops run
  // even without forwards, so that a reload can bring some.
  proxy::ProxyServer proxy_server(proxy::proxy_forwards(*topology, nullptr),  // TCP
                                  o.proxy_drain_seconds * 1000);
  if (!proxy_server.bind(threads, &error)) {
    runtime::log_error(error);
    return kExitFailure;
  }
  std::vector<std::string> ignored;
  proxy::UdpProxyServer udp_proxy(udp_forwards(*topology, o, &ignored));
  for (const auto& line : ignored) runtime::log_warning(line);
  if (!udp_proxy.bind(threads, &error)) {
    runtime::log_error(error);
    return kExitFailure;
  }

  runtime::block_daemon_signals();  // before the loops start, so their threads inherit the mask
  server.start();
  proxy_server.start();
  udp_proxy.start();
  std::vector<std::string> where;
  for (const auto& a : server.bound()) where.push_back(a.str());
  // The readiness and status line: what is served now, so it is built again after a reload.
  std::string zone = serve_dns ? topology->dns.zone : "";
  auto describe = [&] {
    std::string line =
        serve_dns ? fmt::format("serving DNS for zone '{}' on udp+tcp {} with {} thread{}", zone,
                                fmt::join(where, ", "), threads, threads == 1 ? "" : "s")
                  : fmt::format("{} thread{}", threads, threads == 1 ? "" : "s");
    for (const auto& f : proxy_server.forwards())
      line += fmt::format("; proxying {} on {}", f.label, f.listen.str());
    for (const auto& f : udp_proxy.forwards())
      line += fmt::format("; proxying {} on udp {}", f.label, f.listen.str());
    return line;
  };
  const std::string status_line = describe();
  runtime::log_info(status_line);
  runtime::notify_ready(status_line);

  int sig = runtime::wait_for_stop([&] {
    runtime::notify_reloading();
    runtime::log_info("SIGHUP: reloading the topology");
    int reload_status = kExitOk;
    std::string why;
    std::optional<Topology> next = load(o, &reload_status);
    std::shared_ptr<const dns::Authority> next_authority;
    if (next && serve_dns) next_authority = build_authority(*next, o, &why);
    // The proxy's forwards next (docs/proxy.md, "Reload"); a listener that cannot be opened fails
    // the whole reload, before the DNS answers change. The UDP sockets are opened first and
    // handed over only if the TCP reload succeeds too (else `udp` closes them).
    proxy::ForwardDiff diff, udp_diff;
    proxy::UdpReload udp;
    bool proxy_ok = next && (!serve_dns || next_authority) &&
                    udp_proxy.prepare_reload(udp_forwards(*next, o, nullptr), &udp, &why) &&
                    proxy_server.reload(proxy::proxy_forwards(*next, nullptr), &diff, &why);
    if (proxy_ok) {
      udp_proxy.apply_reload(std::move(udp), &udp_diff);
      runtime::log_info(fmt::format(
          "reloaded the proxy: {} forwards kept as they were, {} changed, {} added, {} removed "
          "(draining for up to {} s); UDP: {} kept as they were, {} changed, {} added, {} removed",
          diff.unchanged, diff.changed, diff.added, diff.removed.size(), o.proxy_drain_seconds,
          udp_diff.unchanged, udp_diff.changed, udp_diff.added, udp_diff.removed.size()));
    }
    if (proxy_ok && !serve_dns) {
      // Only the proxy runs: done.
    } else if (!proxy_ok || !next_authority) {
      runtime::log_error(fmt::format("reload failed{}; still serving the previous answers",
                                     why.empty() ? "" : ": " + why));
    } else {
      service.replace(next_authority, forwarding_config(*next, o));
      zone = next->dns.zone;
      if (o.listen.empty() && default_listen(*next) != listen)
        runtime::log_warning("the listen addresses changed; restart labgate to use them");
      runtime::log_info(
          fmt::format("reloaded: zone '{}', {} names", next->dns.zone, next->dns.names.size()));
    }
    runtime::notify_ready(describe());
  });
  runtime::notify_stopping();
  runtime::log_info(fmt::format("signal {}: stopping", sig));
  server.stop();
  proxy_server.stop();
  udp_proxy.stop();
  runtime::Server::Stats stats = server.stats();
  runtime::log_info(fmt::format("stopped after {} answers ({} over UDP in {} batches, {} over TCP)",
                                stats.udp_answers + stats.tcp_answers, stats.udp_answers,
                                stats.udp_batches, stats.tcp_answers));
  return kExitOk;
}

void add_run_command(CLI::App& app, int& exit_status) {
  auto* cmd =
      app.add_subcommand("run", "Run the gateway's services (DNS, userspace proxy) until SIGTERM");
  auto o = std::make_shared<RunOptions>();
  add_config_option(cmd, o->config);
  cmd->add_option("--listen", o->listen,
                  "ADDRESS:PORT to serve DNS on, UDP and TCP (repeatable; default: port 53 of "
                  "the gateway's address on each network of dns.listen, or on every network)");
  cmd->add_option("--threads", o->threads, "event loops (default: one per CPU)")
      ->check(CLI::Range(1, 256));
  // For tests on loopback: clients in 127.0.0.0/8 get this network's view.
  cmd->add_option("--view-for-loopback", o->loopback_view)->group("");
  cmd->add_option("--rate-limit", o->rate_limit,
                  "UDP DNS answers per second per client /24, bursts of twice that; beyond it "
                  "queries are dropped, every second one answered TC (default 200, 0: off; "
                  "loopback and TCP are not limited)");
  // For tests and benchmarks: the port of every upstream (default 53).
  cmd->add_option("--upstream-port", o->upstream_port)->group("")->check(CLI::Range(1, 65535));
  cmd->add_option("--proxy-drain", o->proxy_drain_seconds,
                  "seconds the connections of a proxy forward removed by a reload may go on "
                  "(default 30)")
      ->check(CLI::Range(0, 86400));
  // For tests: a UDP proxy session's idle timeout in milliseconds (default 60 s).
  cmd->add_option("--udp-idle-timeout-ms", o->udp_idle_timeout_ms)->group("");
  cmd->callback([o, &exit_status] { exit_status = run(*o); });
}

}  // namespace

LABGATE_REGISTER_COMMAND(100, add_run_command);

}  // namespace labgate
