// The lab server and the probes against each other over loopback (no root, no namespaces).
#include "verify/probe.h"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

#include <gtest/gtest.h>

#include "lab/serve.h"
#include "verify/runner.h"

namespace labgate {
namespace {

IpAddress loopback() {
  return *IpAddress::parse("127.0.0.1");
}

// A port the kernel just handed out for `type`, now free again (the usual port-0 dance: the
// server below needs a fixed number because its listener specs name one).
uint16_t free_port(int type) {
  int fd = socket(AF_INET, type, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  socklen_t len = sizeof sa;
  getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  close(fd);
  return ntohs(sa.sin_port);
}

// Runs `labgate lab serve`'s loop in a child process for the life of the fixture.
class ServeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tcp_port_ = free_port(SOCK_STREAM);
    udp_port_ = free_port(SOCK_DGRAM);
    std::vector<LabListener> listeners = {
        {Protocol::kTcp, loopback(), tcp_port_, "ingress"},
        {Protocol::kUdp, loopback(), udp_port_, "dns"},
    };
    int ready[2];
    ASSERT_EQ(pipe(ready), 0);
    child_ = fork();
    if (child_ == 0) {
      close(ready[0]);
      _exit(serve(listeners, ready[1]));
    }
    close(ready[1]);
    char line[16] = {};
    ASSERT_GT(read(ready[0], line, sizeof line - 1), 0) << "server did not start";
    close(ready[0]);
    ASSERT_STREQ(line, "ready\n");
  }

  void TearDown() override {
    if (child_ > 0) {
      kill(child_, SIGKILL);
      waitpid(child_, nullptr, 0);
    }
  }

  pid_t child_ = -1;
  uint16_t tcp_port_ = 0;
  uint16_t udp_port_ = 0;
};

TEST_F(ServeTest, TcpReplyNamesTheServiceAndThePeer) {
  ProbeResult r = run_probe(Probe{ProbeKind::kTcp, loopback(), tcp_port_, {}}, 2000);
  EXPECT_EQ(r.outcome, ProbeOutcome::kReply) << r.detail;
  EXPECT_EQ(r.label, "ingress");
  EXPECT_EQ(r.peer, loopback());
}

TEST_F(ServeTest, UdpReplyNamesTheServiceAndThePeer) {
  ProbeResult r = run_probe(Probe{ProbeKind::kUdp, loopback(), udp_port_, {}}, 2000);
  EXPECT_EQ(r.outcome, ProbeOutcome::kReply) << r.detail;
  EXPECT_EQ(r.label, "dns");
  EXPECT_EQ(r.peer, loopback());
}

TEST_F(ServeTest, ManyConcurrentProbesFromThreads) {
  // What verify does: one thread per probe (here without a namespace to enter).
  std::vector<ProbeResult> results(16);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < results.size(); ++i)
    threads.emplace_back([&, i] {
      results[i] = run_probe_in_netns("",
                                      Probe{i % 2 ? ProbeKind::kUdp : ProbeKind::kTcp,
                                            loopback(),
                                            i % 2 ? udp_port_ : tcp_port_,
                                            {}},
                                      2000);
    });
  for (auto& t : threads) t.join();
  for (size_t i = 0; i < results.size(); ++i) {
    EXPECT_EQ(results[i].outcome, ProbeOutcome::kReply) << i << ": " << results[i].detail;
    EXPECT_EQ(results[i].label, i % 2 ? "dns" : "ingress");
  }
}

// The runner, in waves smaller than the number of checks: every result lands in its check's slot.
TEST_F(ServeTest, RunnerKeepsOrderAcrossWaves) {
  std::vector<Check> checks;
  for (int i = 0; i < 7; ++i) {
    Check c;
    c.name = "check-" + std::to_string(i);
    c.probe = Probe{
        i % 2 ? ProbeKind::kUdp : ProbeKind::kTcp, loopback(), i % 2 ? udp_port_ : tcp_port_, {}};
    c.expect = Expect::kReply;
    c.expected_label = i % 2 ? "dns" : "ingress";
    c.expected_peer = loopback();
    checks.push_back(c);
  }
  checks[3].expected_label = "wrong";
  RunOptions options;
  options.max_threads = 2;
  auto results = run_checks(checks, options);
  ASSERT_EQ(results.size(), checks.size());
  for (size_t i = 0; i < results.size(); ++i) {
    EXPECT_EQ(results[i].check.name, checks[i].name);
    EXPECT_EQ(results[i].judgement.verdict, i == 3 ? Verdict::kFail : Verdict::kPass) << i;
  }
  EXPECT_FALSE(all_passed(results));
}

TEST_F(ServeTest, ClosedPortsAreRefused) {
  // The server was killed: nothing listens on its ports any more.
  kill(child_, SIGKILL);
  waitpid(child_, nullptr, 0);
  child_ = -1;
  ProbeResult tcp = run_probe(Probe{ProbeKind::kTcp, loopback(), tcp_port_, {}}, 2000);
  EXPECT_EQ(tcp.outcome, ProbeOutcome::kRefused) << tcp.detail;
  ProbeResult udp = run_probe(Probe{ProbeKind::kUdp, loopback(), udp_port_, {}}, 2000);
  EXPECT_EQ(udp.outcome, ProbeOutcome::kRefused) << udp.detail;
  EXPECT_LT(tcp.ms, 1000);
}

TEST(Probe, MissingNamespaceIsAnError) {
  ProbeResult r = run_probe_in_netns("lg-no-such-namespace-here",
                                     Probe{ProbeKind::kTcp, loopback(), 9, {}}, 100);
  EXPECT_EQ(r.outcome, ProbeOutcome::kError);
  EXPECT_NE(r.detail.find("lg-no-such-namespace-here"), std::string::npos) << r.detail;
}

TEST(Probe, Strings) {
  EXPECT_EQ((Probe{ProbeKind::kTcp, *IpAddress::parse("192.168.1.55"), 80, {}}).str(),
            "192.168.1.55:80/tcp");
  EXPECT_EQ((Probe{ProbeKind::kUdp, *IpAddress::parse("10.0.0.1"), 53, {}}).str(),
            "10.0.0.1:53/udp");
  EXPECT_EQ((Probe{ProbeKind::kIcmp, *IpAddress::parse("10.0.0.1"), 0, {}}).str(), "10.0.0.1 icmp");
  EXPECT_EQ((Probe{ProbeKind::kDns, *IpAddress::parse("10.0.0.1"), 53, "argocd.cluster"}).str(),
            "argocd.cluster A @10.0.0.1");
}

}  // namespace
}  // namespace labgate
