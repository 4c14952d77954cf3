#include "daemon/http_component.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <vector>

#include <fmt/format.h>
#include <httplib.h>

namespace labgate::daemon {
namespace {

// cpp-httplib's task queue with a bound: `workers` threads, at most `max_queued` accepted
// connections waiting for one. enqueue() runs on the accept thread; when the queue is full it
// waits (a task owns a socket, so it cannot be dropped), which leaves further clients in the
// kernel's accept queue.
class BoundedPool : public httplib::TaskQueue {
 public:
  BoundedPool(size_t workers, size_t max_queued) : max_queued_(max_queued) {
    for (size_t i = 0; i < workers; ++i) threads_.emplace_back([this] { work(); });
  }
  ~BoundedPool() override { shutdown(); }

  void enqueue(std::function<void()> fn) override {
    std::unique_lock lock(mu_);
    // After shutdown the tasks run on (the server is stopping, so they end at once).
    space_.wait(lock, [&] { return jobs_.size() < max_queued_ || shutdown_; });
    jobs_.push_back(std::move(fn));
    ready_.notify_one();
  }

  void shutdown() override {
    {
      std::lock_guard lock(mu_);
      if (shutdown_ && threads_.empty()) return;
      shutdown_ = true;
    }
    ready_.notify_all();
    space_.notify_all();
    for (auto& t : threads_) t.join();
    threads_.clear();
  }

 private:
  void work() {
    for (;;) {
      std::function<void()> fn;
      {
        std::unique_lock lock(mu_);
        ready_.wait(lock, [&] { return !jobs_.empty() || shutdown_; });
        if (jobs_.empty()) return;  // shut down and drained
        fn = std::move(jobs_.front());
        jobs_.pop_front();
      }
      space_.notify_one();
      fn();
    }
  }

  const size_t max_queued_;
  std::mutex mu_;
  std::condition_variable ready_, space_;
  std::deque<std::function<void()>> jobs_;
  bool shutdown_ = false;
  std::vector<std::thread> threads_;
};

using SteadyClock = std::chrono::steady_clock;

// One connection as cpp-httplib reads it, with the limits its own socket stream lacks (0.11 grows
// a header line without bound and times each read, not the request): at most `max_bytes` read in
// all, the first byte within `idle`, the whole request within `deadline`. A read past either is
// an error, which ends the request: cpp-httplib then answers 400 or just closes.
class BoundedStream : public httplib::Stream {
 public:
  BoundedStream(int fd, const HttpOptions& o)
      : fd_(fd),
        max_bytes_(o.max_request_bytes),
        write_timeout_ms_(static_cast<int>(o.write_timeout_s * 1000)),
        first_byte_by_(SteadyClock::now() + std::chrono::seconds(o.keep_alive_timeout_s)),
        done_by_(SteadyClock::now() + std::chrono::seconds(o.read_timeout_s)) {}

  bool is_readable() const override { return wait(POLLIN, read_deadline()); }
  bool is_writable() const override {
    return wait(POLLOUT, SteadyClock::now() + std::chrono::milliseconds(write_timeout_ms_));
  }

  ssize_t read(char* ptr, size_t size) override {
    if (read_ >= max_bytes_ || !is_readable()) return -1;
    ssize_t n = ::recv(fd_, ptr, std::min(size, max_bytes_ - read_), 0);
    if (n > 0) read_ += static_cast<size_t>(n);
    return n;
  }
  ssize_t write(const char* ptr, size_t size) override {
    if (!is_writable()) return -1;
    return ::send(fd_, ptr, size, MSG_NOSIGNAL);
  }
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    address_of(::getpeername, ip, port);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    address_of(::getsockname, ip, port);
  }
  int socket() const override { return fd_; }

 private:
  SteadyClock::time_point read_deadline() const {
    return read_ == 0 ? std::min(first_byte_by_, done_by_) : done_by_;
  }
  bool wait(short events, SteadyClock::time_point by) const {
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(by - SteadyClock::now());
      if (left.count() <= 0) return false;
      pollfd p{fd_, events, 0};
      int r = ::poll(&p, 1, static_cast<int>(left.count()));
      if (r > 0) return true;
      if (r == 0 || errno != EINTR) return false;
    }
  }
  void address_of(int (*get)(int, sockaddr*, socklen_t*), std::string& ip, int& port) const {
    sockaddr_storage sa{};
    socklen_t len = sizeof sa;
    ip.clear();
    port = 0;
    if (get(fd_, reinterpret_cast<sockaddr*>(&sa), &len) != 0 || sa.ss_family != AF_INET) return;
    const auto& in = reinterpret_cast<const sockaddr_in&>(sa);
    char text[INET_ADDRSTRLEN] = {};
    inet_ntop(AF_INET, &in.sin_addr, text, sizeof text);
    ip = text;
    port = ntohs(in.sin_port);
  }

  int fd_;
  size_t max_bytes_;
  size_t read_ = 0;
  int write_timeout_ms_;
  SteadyClock::time_point first_byte_by_, done_by_;
};

// cpp-httplib's server with each connection read through a BoundedStream: one request per
// connection (no keep-alive: a worker is never held between requests), then closed.
class BoundedServer : public httplib::Server {
 public:
  explicit BoundedServer(const HttpOptions& options) : options_(options) {}

 private:
  bool process_and_close_socket(int sock) override {
    bool ok = false;
    {
      BoundedStream stream(sock, options_);
      bool closed = false;
      ok = process_request(stream, /*close_connection=*/true, closed, [](httplib::Request&) {});
    }
    ::shutdown(sock, SHUT_RDWR);
    ::close(sock);
    return ok;
  }

  const HttpOptions options_;
};

class NothingToCommit : public PendingReload {
 public:
  explicit NothingToCommit(std::string line) : line_(std::move(line)) {}
  std::string commit() override { return line_; }

 private:
  std::string line_;
};

}  // namespace

HttpComponent::HttpComponent(HttpOptions options) : options_(std::move(options)) {}

HttpComponent::~HttpComponent() {
  stop();
}

void HttpComponent::add_route(std::string path, HttpHandler handler) {
  routes_[std::move(path)] = std::move(handler);
}

void HttpComponent::add_route(std::string path, std::string content_type,
                              std::function<std::string()> body) {
  add_route(std::move(path),
            [content_type = std::move(content_type), body = std::move(body)](const HttpRequest&) {
              return HttpResponse{200, content_type, body()};
            });
}

HttpResponse HttpComponent::respond(std::string_view method, std::string_view target) const {
  RequestTarget t = split_target(target);
  auto route = routes_.find(t.path);
  if (route == routes_.end()) return {404, "text/plain; charset=utf-8", "not found\n"};
  if (method != "GET" && method != "HEAD")
    return {405, "text/plain; charset=utf-8", "only GET and HEAD: this endpoint is read-only\n"};
  Result<QueryParams> params = parse_query(t.query);
  if (!params) return {400, "text/plain; charset=utf-8", params.error() + "\n"};
  return route->second(HttpRequest{t.path, *params});
}

void HttpComponent::count(int status) {
  size_t i = 0;
  while (i < std::size(kCountedCodes) && kCountedCodes[i] != status) ++i;
  responses_[i].fetch_add(1, std::memory_order_relaxed);
}

Status HttpComponent::bind() {
  auto server = std::make_unique<BoundedServer>(options_);
  const size_t threads = std::max<size_t>(1, options_.threads);
  const size_t queued = std::max<size_t>(1, options_.max_queued);
  server->new_task_queue = [threads, queued] { return new BoundedPool(threads, queued); };
  // Timeouts and sizes are BoundedStream's; the payload limit refuses a body by its length.
  server->set_payload_max_length(options_.max_body_bytes);
  // Every request is answered here, before cpp-httplib's own routing (which would read a body).
  server->set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    HttpResponse r = respond(req.method, req.target);
    res.status = r.status;
    if (r.status == 405) res.set_header("Allow", "GET, HEAD");
    res.set_header("Cache-Control", "no-store");
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_content(std::move(r.body), r.content_type.c_str());
    return httplib::Server::HandlerResponse::Handled;
  });
  server->set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        res.status = 500;
        res.set_content("internal error\n", "text/plain; charset=utf-8");
      });
  server->set_logger(
      [this](const httplib::Request&, const httplib::Response& res) { count(res.status); });
  const std::string host = options_.address.str();
  if (options_.port == 0) {
    int port = server->bind_to_any_port(host);
    if (port <= 0)
      return Status::error(fmt::format("http: cannot listen on {}:0", host),
                           "check that the address is one of this machine's");
    bound_port_ = static_cast<uint16_t>(port);
  } else {
    if (!server->bind_to_port(host, options_.port))
      return Status::error(
          fmt::format("http: cannot listen on {}:{}", host, options_.port),
          "another program may use the port, or the address is not one of this machine's; "
          "set http.listen in the file, or http.enabled: false");
    bound_port_ = options_.port;
  }
  server_ = std::move(server);
  return Status::ok_status();
}

void HttpComponent::start() {
  if (!server_ || listener_.joinable()) return;
  listener_ = std::thread([s = server_.get()] { s->listen_after_bind(); });
}

void HttpComponent::stop() {
  if (!server_) return;
  server_->stop();
  if (listener_.joinable()) listener_.join();
  server_.reset();
}

Result<std::unique_ptr<PendingReload>> HttpComponent::prepare_reload(const Plan& next) {
  std::string line;
  if (!next.http.enabled || next.http.address != options_.address ||
      (options_.port != 0 && next.http.port != options_.port))
    line = fmt::format(
        "http: the endpoint stays on {}:{}; a change of the 'http' section applies at restart",
        options_.address.str(), bound_port_);
  return std::unique_ptr<PendingReload>(std::make_unique<NothingToCommit>(std::move(line)));
}

void HttpComponent::register_metrics(MetricsRegistry& registry) {
  registry.add_collector([this](MetricsSink& sink) {
    for (size_t i = 0; i <= std::size(kCountedCodes); ++i)
      sink.counter("labgate_http_responses_total",
                   "responses of the HTTP endpoint (/metrics and the status pages), by status code",
                   {{"code", i < std::size(kCountedCodes) ? std::to_string(kCountedCodes[i])
                                                          : std::string("other")}},
                   static_cast<double>(responses_[i].load(std::memory_order_relaxed)));
  });
}

std::string HttpComponent::describe() const {
  if (!server_) return "";
  return fmt::format("http on {}:{}", options_.address.str(), bound_port_);
}

}  // namespace labgate::daemon
