// The HTTP endpoint: routes, the read-only rule (405), unknown paths (404), bad queries (400), the
// limits (huge headers, bodies, idle clients), and the daemon's /metrics, on loopback.
#include "daemon/http_component.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <httplib.h>

#include "daemon/daemon.h"
#include "diag/diagnostic.h"
#include "support/status.h"
#include "topology/loader.h"
#include "topology/seed.h"

namespace labgate::daemon {
namespace {

using ::labgate::test_support::IsOk;

HttpOptions any_port() {
  HttpOptions o;
  o.port = 0;
  o.keep_alive_timeout_s = 1;
  o.read_timeout_s = 1;
  return o;
}

int connect_to(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// Sends `request` raw and reads until the server closes or `timeout_ms` passes; "" on timeout.
std::string raw_exchange(uint16_t port, const std::string& request, int timeout_ms = 5000) {
  int fd = connect_to(port);
  if (fd < 0) return "";
  size_t sent = 0;
  while (sent < request.size()) {
    ssize_t n = send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may close before reading everything
    sent += static_cast<size_t>(n);
  }
  std::string reply;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  char buf[4096];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    pollfd p{fd, POLLIN, 0};
    if (left <= 0 || poll(&p, 1, static_cast<int>(left)) <= 0) {
      reply.clear();
      break;
    }
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    reply.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return reply;
}

std::string status_line(const std::string& reply) {
  return reply.substr(0, reply.find("\r\n"));
}

class HttpComponentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    http.add_route("/hello", "text/plain", [] { return std::string("hello\n"); });
    http.add_route("/echo", [](const HttpRequest& r) {
      const std::string* who = r.params.get("who");
      return HttpResponse{200, "text/plain", who ? *who : std::string("nobody")};
    });
    ASSERT_TRUE(IsOk(http.bind()));
    http.start();
  }
  void TearDown() override { http.stop(); }

  HttpComponent http{any_port()};
};

TEST_F(HttpComponentTest, ServesItsRoutesWithTheirParameters) {
  httplib::Client c("127.0.0.1", http.port());
  auto r = c.Get("/hello");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hello\n");
  EXPECT_EQ(r->get_header_value("Content-Type"), "text/plain");
  std::string reply =
      raw_exchange(http.port(), "GET /echo?who=a+b%21&other=1 HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(status_line(reply), "HTTP/1.1 200 OK");
  EXPECT_EQ(reply.substr(reply.size() - 4), "a b!") << reply;
  // One request per connection: the server closes after it (raw_exchange read to EOF).
  EXPECT_NE(reply.find("Connection: close\r\n"), std::string::npos) << reply;
  EXPECT_EQ(http.describe(), "http on 127.0.0.1:" + std::to_string(http.port()));
}

TEST_F(HttpComponentTest, UnknownPathsAre404AndOtherMethods405) {
  httplib::Client c("127.0.0.1", http.port());
  auto r = c.Get("/nothing");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  r = c.Get("/hello/");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  for (const char* method : {"POST", "PUT", "DELETE", "PATCH", "OPTIONS"}) {
    std::string reply =
        raw_exchange(http.port(), std::string(method) +
                                      " /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                                      "Content-Length: 0\r\n\r\n");
    EXPECT_EQ(status_line(reply), "HTTP/1.1 405 Method Not Allowed") << method;
    EXPECT_NE(reply.find("Allow: GET, HEAD\r\n"), std::string::npos) << reply;
  }
  r = c.Head("/hello");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "");
}

TEST_F(HttpComponentTest, ABadQueryIs400) {
  httplib::Client c("127.0.0.1", http.port());
  auto r = c.Get("/echo?who=%zz");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  r = c.Get("/echo?who=" + std::string(kMaxQueryParamBytes + 1, 'a'));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
}

TEST_F(HttpComponentTest, RefusesHugeHeadersAndBodiesAndGarbage) {
  std::string huge = "GET /hello HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(64 * 1024, 'a') +
                     "\r\nConnection: close\r\n\r\n";
  std::string reply = raw_exchange(http.port(), huge);
  EXPECT_EQ(reply.find("hello\n"), std::string::npos) << status_line(reply);
  std::string body =
      "GET /hello HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n"
      "Connection: close\r\n\r\n" +
      std::string(100000, 'b');
  // A GET is answered without reading its body; the connection is closed after the reply.
  reply = raw_exchange(http.port(), body);
  EXPECT_EQ(status_line(reply), "HTTP/1.1 200 OK");
  reply =
      raw_exchange(http.port(), std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11));
  EXPECT_EQ(reply.find("200"), std::string::npos) << status_line(reply);
  // And it still serves.
  httplib::Client c("127.0.0.1", http.port());
  auto r = c.Get("/hello");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST_F(HttpComponentTest, IdleClientsAreClosedAndDoNotStopIt) {
  // More idle connections than workers + queue: each is closed after the keep-alive timeout.
  std::vector<int> idle;
  for (int i = 0; i < 16; ++i)
    if (int fd = connect_to(http.port()); fd >= 0) idle.push_back(fd);
  for (int fd : idle) close(fd);
  auto start = std::chrono::steady_clock::now();
  httplib::Client c("127.0.0.1", http.port());
  c.set_read_timeout(10, 0);
  auto r = c.Get("/hello");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  // An idle connection left open is closed by the server within the keep-alive timeout.
  int fd = connect_to(http.port());
  ASSERT_GE(fd, 0);
  pollfd p{fd, POLLIN, 0};
  ASSERT_EQ(poll(&p, 1, 5000), 1);
  char b;
  EXPECT_EQ(recv(fd, &b, 1, 0), 0);
  close(fd);
}

TEST_F(HttpComponentTest, ASlowClientIsClosedAtTheRequestDeadline) {
  int fd = connect_to(http.port());
  ASSERT_GE(fd, 0);
  auto start = std::chrono::steady_clock::now();
  const std::string head = "GET /hello HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaa";
  bool closed = false;
  for (char ch : head) {  // a byte every 100 ms: 6 s in all, over the 1 s deadline
    if (send(fd, &ch, 1, MSG_NOSIGNAL) != 1) {
      closed = true;
      break;
    }
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 100) == 1) {
      char b[512];
      if (recv(fd, b, sizeof b, 0) <= 0) {
        closed = true;
        break;
      }
    }
  }
  close(fd);
  EXPECT_TRUE(closed);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(4));
}

TEST_F(HttpComponentTest, CountsResponsesByCode) {
  MetricsRegistry registry;
  http.register_metrics(registry);
  httplib::Client c("127.0.0.1", http.port());
  ASSERT_TRUE(c.Get("/hello"));
  ASSERT_TRUE(c.Get("/nothing"));
  ASSERT_TRUE(c.Get("/nothing"));
  // Counted after the reply is written: the client may read it first.
  std::string text;
  for (int i = 0; i < 100; ++i) {
    text = render_prometheus_text(registry.collect());
    if (text.find("{code=\"404\"} 2\n") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_NE(text.find("labgate_http_responses_total{code=\"200\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("labgate_http_responses_total{code=\"404\"} 2\n"), std::string::npos) << text;
}

TEST(HttpRespondTest, RoutesWithoutASocket) {
  HttpComponent http(any_port());
  http.add_route("/a", "text/plain", [] { return std::string("A"); });
  EXPECT_EQ(http.respond("GET", "/a").body, "A");
  EXPECT_EQ(http.respond("GET", "/a?x=1#frag").status, 200);
  EXPECT_EQ(http.respond("GET", "/b").status, 404);
  EXPECT_EQ(http.respond("POST", "/a").status, 405);
  EXPECT_EQ(http.respond("POST", "/b").status, 404);
  EXPECT_EQ(http.respond("GET", "/a?%").status, 400);
}

TEST(HttpDaemonTest, TheDaemonServesItsMetrics) {
  Diagnostics diagnostics;
  Topology t = check_topology(seed_topology_text(), diagnostics);
  ASSERT_FALSE(diagnostics.has_errors());
  Plan plan = compile(t);
  EXPECT_TRUE(plan.http.enabled);
  EXPECT_EQ(plan.http.address.str(), "127.0.0.1");
  EXPECT_EQ(plan.http.port, 9153);
  plan.http.port = 0;
  DaemonOptions o;
  o.threads = 1;
  o.dns.listen = {{IpAddress::v4(0x7F000001), 0}};
  o.dns.loopback_view = "lan";
  o.version = "test";
  Daemon d(plan, o);
  ASSERT_TRUE(IsOk(d.configure()));
  ASSERT_TRUE(IsOk(d.bind()));
  d.start();
  ASSERT_NE(d.http(), nullptr);
  EXPECT_NE(d.status().find("; http on 127.0.0.1:"), std::string::npos) << d.status();
  httplib::Client c("127.0.0.1", d.http()->port());
  auto r = c.Get("/metrics");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(r->body.find("labgate_build_info{version=\"test\"} 1\n"), std::string::npos) << r->body;
  d.stop();
}

TEST(HttpDaemonTest, TheFileCanTurnItOff) {
  std::string yaml = std::string(seed_topology_text()) + "http:\n  enabled: false\n";
  Diagnostics diagnostics;
  Topology t = check_topology(yaml, diagnostics);
  ASSERT_FALSE(diagnostics.has_errors());
  Plan plan = compile(t);
  EXPECT_FALSE(plan.http.enabled);
  DaemonOptions o;
  o.threads = 1;
  o.dns.listen = {{IpAddress::v4(0x7F000001), 0}};
  o.dns.loopback_view = "lan";
  Daemon d(plan, o);
  EXPECT_EQ(d.http(), nullptr);
}

}  // namespace
}  // namespace labgate::daemon
