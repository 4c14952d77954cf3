// `labgate log`: the recent DNS queries of a running `labgate run`, read from its /api/queries
// over HTTP (loopback by default), filtered by client, name and rcode. The daemon keeps them only
// when the file turns the query log on (dns.query_log, docs/observability.md).
//
// Exit status: 0 with the list (possibly empty), 1 when the daemon cannot be reached or answers
// with an error, 2 for a filter the daemon refuses (its message is printed).
#include <iostream>
#include <memory>
#include <string>

#include <fmt/format.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/config_source.h"
#include "show/format.h"

namespace labgate {
namespace {

struct LogOptions {
  std::string url = "http://127.0.0.1:9153";
  std::string client, name, rcode;
  size_t limit = 50;
  bool json = false;
};

int run_log(const LogOptions& o) {
  httplib::Client client(o.url);
  client.set_connection_timeout(3);
  client.set_read_timeout(5);
  httplib::Params params = {{"limit", std::to_string(o.limit)}};
  if (!o.client.empty()) params.emplace("client", o.client);
  if (!o.name.empty()) params.emplace("name", o.name);
  if (!o.rcode.empty()) params.emplace("rcode", o.rcode);
  httplib::Result r = client.Get("/api/queries", params, httplib::Headers{});
  if (!r) {
    std::cerr << fmt::format(
        "labgate log: cannot reach {}: {} (is `labgate run` serving HTTP "
        "there? see http.listen in docs/config.md)\n",
        o.url, httplib::to_string(r.error()));
    return kExitFailure;
  }
  if (r->status == 400) {
    std::cerr << "labgate log: " << r->body;
    return kExitConfigError;
  }
  if (r->status == 404) {
    std::cerr << fmt::format(
        "labgate log: {} has no query log: turn it on with "
        "`dns: {{ query_log: {{ entries: 1000 }} }}`\n",
        o.url);
    return kExitFailure;
  }
  if (r->status != 200) {
    std::cerr << fmt::format("labgate log: {} answered HTTP {}\n", o.url, r->status);
    return kExitFailure;
  }
  nlohmann::json j = nlohmann::json::parse(r->body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.contains("queries") || !j["queries"].is_array()) {
    std::cerr << fmt::format("labgate log: {} did not answer with a query list\n", o.url);
    return kExitFailure;
  }
  if (o.json) {
    std::cout << j.dump(2) << "\n";
    return kExitOk;
  }
  show::TextTable table("");
  table.add_row({"TIME", "CLIENT", "NAME", "TYPE", "VIEW", "RCODE", "ANSWERED", "MS"});
  for (const auto& q : j["queries"]) {
    auto text = [&](const char* key) {
      return q.contains(key) && q[key].is_string() ? q[key].get<std::string>() : "";
    };
    const std::string view = text("view");
    table.add_row({text("time"), text("client"), text("name"), text("type"),
                   view.empty() ? "-" : view, text("rcode"), text("answered"),
                   q.contains("latency_ms") && q["latency_ms"].is_number()
                       ? fmt::format("{:.2f}", q["latency_ms"].get<double>())
                       : ""});
  }
  std::cout << table.render();
  return std::cout ? kExitOk : kExitFailure;
}

void add_log_command(CLI::App& app, int& exit_status) {
  auto* cmd = app.add_subcommand(
      "log", "Print the recent DNS queries of the running daemon (needs dns.query_log)");
  auto o = std::make_shared<LogOptions>();
  cmd->add_option("--url", o->url, "the daemon's HTTP endpoint (http.listen)")->default_val(o->url);
  cmd->add_option("--client", o->client, "only this client address, or subnet (10.1.0.0/24)");
  cmd->add_option("--name", o->name, "only names containing this text (case-insensitive)");
  cmd->add_option("--rcode", o->rcode, "only this response code (NOERROR, NXDOMAIN, ...)");
  cmd->add_option("-n,--limit", o->limit, "at most this many of the newest queries")
      ->default_val(o->limit)
      ->check(CLI::Range(1, 100000));
  cmd->add_flag("--json", o->json, "print the daemon's JSON as it is");
  cmd->callback([o, &exit_status] { exit_status = run_log(*o); });
}

}  // namespace

LABGATE_REGISTER_COMMAND(105, add_log_command);

}  // namespace labgate
