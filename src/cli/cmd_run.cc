// `labgate run`: the daemon. It hosts the DNS service (split-horizon answers for the local zone,
// the caching forwarder for other names) and the userspace proxy (`via: proxy` forwards, TCP and
// UDP) as the components of daemon/daemon.h; docs/architecture.md lists its threads. This file
// keeps only the command's options, the loading of the Plan and the signal loop.
//
// Exit status: 2 if the file has errors or nothing to serve (no `dns:` section and no proxy
// forward), 1 if the sockets cannot be opened, 0 after a clean stop (SIGTERM or SIGINT). SIGHUP
// re-reads and re-validates the file: a good file replaces the answers and the proxy's forwards, a
// bad one is reported and everything stays as it was. The DNS listen addresses and the thread
// count are fixed at start.
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/config_source.h"
#include "cli/kernel_metrics.h"
#include "cli/version.h"
#include "daemon/daemon.h"
#include "kernel/state_dir.h"
#include "runtime/listen_address.h"
#include "runtime/log.h"
#include "runtime/notify.h"
#include "runtime/open_files.h"
#include "runtime/signals.h"
#include "status/status_site.h"

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
  std::string state_dir = kDefaultStateDir;  // where the status page finds `verify --save`'s file
};

// The plan the daemon can run from, or nullopt after reporting why not.
std::optional<Plan> load(const RunOptions& o, int* exit_status) {
  LoadedTopology loaded = load_for_command(o.config);
  *exit_status = loaded.exit_status;
  if (!loaded.plan) return std::nullopt;
  const ForwardingPlan& forwarding = loaded.plan->forwarding;
  if (!loaded.plan->dns.enabled && forwarding.proxy_forwards(Protocol::kTcp).empty() &&
      forwarding.proxy_forwards(Protocol::kUdp).empty()) {
    runtime::log_error(fmt::format(
        "{}: there is no 'dns:' section and no 'via: proxy' forward, so there is nothing to serve",
        loaded.source.name));
    *exit_status = kExitConfigError;
    return std::nullopt;
  }
  return std::move(loaded.plan);
}

// The daemon's options from the command's; false after reporting a bad --listen.
bool daemon_options(const RunOptions& o, daemon::DaemonOptions* out) {
  for (const auto& text : o.listen) {
    auto a = runtime::ListenAddress::parse(text);
    if (!a) {
      runtime::log_error(fmt::format("--listen {}", a.error()));
      return false;
    }
    out->dns.listen.push_back(*a);
  }
  out->threads = o.threads > 0 ? o.threads : static_cast<int>(std::thread::hardware_concurrency());
  out->dns.loopback_view = o.loopback_view;
  out->dns.rate_limit = o.rate_limit;
  out->dns.upstream_port = o.upstream_port;
  out->proxy_drain_ms = o.proxy_drain_seconds * 1000;
  out->udp_idle_timeout_ms = o.udp_idle_timeout_ms;
  out->version = LABGATE_VERSION;
  return true;
}

int run(const RunOptions& o) {
  int status = kExitOk;
  std::optional<Plan> plan = load(o, &status);
  if (!plan) return status;
  daemon::DaemonOptions options;
  if (!daemon_options(o, &options)) return kExitConfigError;

  KernelForwardMetrics kernel_metrics(*plan);  // outlives the daemon, whose registry reads it
  daemon::Daemon d(*plan, options);
  kernel_metrics.register_with(d.metrics());
  if (Status s = d.configure(); !s.ok()) {
    runtime::log_error(s.message());
    return kExitConfigError;
  }
  // The status page and the query log on the HTTP endpoint (when the file keeps it on).
  std::optional<status::StatusSite> site;
  if (daemon::HttpComponent* http = d.http()) {
    site.emplace(*plan, d.metrics(), d.dns().query_log(), status::StatusSiteOptions{o.state_dir});
    site->add_routes(*http);
  }
  if (Result<rlim_t> files = runtime::raise_open_files_limit(); !files)
    runtime::log_warning(fmt::format("{}; the proxy may run out of sockets", files.error()));
  if (Status s = d.bind(); !s.ok()) {
    runtime::log_error(s.message());
    return kExitFailure;
  }
  runtime::block_daemon_signals();  // before the loops start, so their threads inherit the mask
  d.start();
  const std::string status_line = d.status();
  runtime::log_info(status_line);
  runtime::notify_ready(status_line);

  int sig = runtime::wait_for_stop([&] {
    runtime::notify_reloading();
    runtime::log_info("SIGHUP: reloading the topology");
    int reload_status = kExitOk;
    std::optional<Plan> next = load(o, &reload_status);
    Result<std::vector<std::string>> log =
        next ? d.reload(*next) : Result<std::vector<std::string>>::failure("");
    if (log) {
      kernel_metrics.set_plan(*next);
      if (site) site->update(*next);
      for (const auto& line : *log) runtime::log_info(line);
    } else {
      // The file's own errors were printed by load(); a component says why it refused.
      runtime::log_error(fmt::format("reload failed{}; still serving the previous answers",
                                     log.error().empty() ? "" : ": " + log.error()));
    }
    runtime::notify_ready(d.status());
  });
  runtime::notify_stopping();
  runtime::log_info(fmt::format("signal {}: stopping", sig));
  d.stop();
  runtime::Server::Stats stats = d.dns().stats();
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
  cmd->add_option("--state-dir", o->state_dir,
                  "where `labgate verify --save` leaves its result, which the status page shows "
                  "(default /var/lib/labgate)");
  // For tests: a UDP proxy session's idle timeout in milliseconds (default 60 s).
  cmd->add_option("--udp-idle-timeout-ms", o->udp_idle_timeout_ms)->group("");
  cmd->callback([o, &exit_status] { exit_status = run(*o); });
}

}  // namespace

LABGATE_REGISTER_COMMAND(100, add_run_command);

}  // namespace labgate
