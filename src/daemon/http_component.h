// `labgate run`'s read-only HTTP endpoint (docs/observability.md): /metrics, and whatever routes
// other parts of the daemon add (the status page, the query log) before bind().
//
// Contract:
//   - Only GET and HEAD, on the exact paths of the route table; another method on a known path is
//     405 (with Allow), an unknown path 404, a query that does not parse (http_query.h) 400. No
//     route writes anything: the endpoint is read-only.
//   - HTTP parsing is cpp-httplib's (Debian's libcpp-httplib); routing and the query parameters
//     are ours, and so is the stream it reads from, which bounds each connection: one request,
//     at most max_request_bytes read, the first byte within keep_alive_timeout_s and the whole
//     request within read_timeout_s, then closed. Its own thread pool (HttpOptions::threads
//     workers), apart from the DNS and proxy loops: a slow, idle or malformed client holds one
//     worker for a bounded time, and at most `threads + max_queued` connections are open in
//     the process; beyond that the accept thread waits and further clients wait in the kernel's
//     accept queue, costing the process nothing.
//   - Handlers run on the workers, several at once: they must be thread-safe (reading the
//     metrics registry is).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <ctime>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "daemon/component.h"
#include "daemon/http_query.h"
#include "net/ip_address.h"

namespace httplib {
class Server;
}

namespace labgate::daemon {

struct HttpRequest {
  std::string_view path;
  const QueryParams& params;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

struct HttpOptions {
  IpAddress address = IpAddress::v4(0x7f000001);
  uint16_t port = 9153;  // 0: any free port (tests; port() says which)
  size_t threads = 2;    // workers
  size_t max_queued = 16;
  time_t keep_alive_timeout_s = 2;   // a connection that sends nothing is closed after this
  time_t read_timeout_s = 5;         // the whole request must arrive within this (slowloris)
  time_t write_timeout_s = 5;        // each write of the response
  size_t max_request_bytes = 16384;  // request line, headers and body together
  size_t max_body_bytes = 1024;      // GET has no body; a longer Content-Length is refused
};

class HttpComponent : public Component {
 public:
  explicit HttpComponent(HttpOptions options);
  ~HttpComponent() override;

  // Before bind(): serves `path` (exact, e.g. "/metrics") with `handler`.
  void add_route(std::string path, HttpHandler handler);
  // The common case: a body without parameters, always 200.
  void add_route(std::string path, std::string content_type, std::function<std::string()> body);

  const char* name() const override { return "http"; }
  Status bind() override;
  void start() override;
  void stop() override;
  // The listen address is fixed at start: a reload that moves it is served where it was, and
  // says so in the log.
  Result<std::unique_ptr<PendingReload>> prepare_reload(const Plan& next) override;
  void register_metrics(MetricsRegistry& registry) override;
  std::string describe() const override;

  uint16_t port() const { return bound_port_; }  // after bind()

  // What one request gets, without a socket (the routing and parameter parsing; unit tests and
  // the fuzz target call it).
  HttpResponse respond(std::string_view method, std::string_view target) const;

 private:
  void count(int status);

  HttpOptions options_;
  std::map<std::string, HttpHandler, std::less<>> routes_;
  std::unique_ptr<httplib::Server> server_;
  std::thread listener_;
  uint16_t bound_port_ = 0;
  // Responses by status code, in kCountedCodes order, the last "other"; written by the workers.
  static constexpr int kCountedCodes[] = {200, 400, 404, 405, 413, 414, 431, 500};
  std::atomic<uint64_t> responses_[std::size(kCountedCodes) + 1] = {};
};

}  // namespace labgate::daemon
