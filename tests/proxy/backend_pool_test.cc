// Choosing a backend (round-robin, least-connections, skipping down and tried backends, all down),
// the health state machine, the header a health check sends, and the reload diff.
#include "proxy/backend_pool.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "proxy/health.h"
#include "proxy/health_checker.h"
#include "proxy/proxy_header.h"
#include "proxy/proxy_server.h"

namespace labgate::proxy {
namespace {

BackendStates pool(size_t n) {
  BackendStates out;
  for (size_t i = 0; i < n; ++i) out.push_back(std::make_shared<BackendState>());
  return out;
}

std::vector<size_t> picks(Balance b, const BackendStates& backends, int count) {
  std::vector<size_t> out;
  for (int t = 0; t < count; ++t)
    out.push_back(*choose_backend(b, backends, static_cast<uint64_t>(t), 0));
  return out;
}

TEST(BackendPoolTest, RoundRobinTakesTurnsAmongHealthyBackends) {
  BackendStates b = pool(3);
  EXPECT_EQ(picks(Balance::kRoundRobin, b, 6), (std::vector<size_t>{0, 1, 2, 0, 1, 2}));
  b[1]->up = false;  // never chosen while another is up; the others share its turns evenly
  EXPECT_EQ(picks(Balance::kRoundRobin, b, 6), (std::vector<size_t>{0, 2, 0, 2, 0, 2}));
  b[1]->up = true;
  EXPECT_EQ(picks(Balance::kRoundRobin, b, 3), (std::vector<size_t>{0, 1, 2}));
}

TEST(BackendPoolTest, LeastConnectionsTakesTheLeastBusyHealthyBackend) {
  BackendStates b = pool(3);
  b[0]->active = 5;
  b[1]->active = 2;
  b[2]->active = 7;
  EXPECT_EQ(choose_backend(Balance::kLeastConnections, b, 0, 0), 1u);
  b[1]->up = false;
  EXPECT_EQ(choose_backend(Balance::kLeastConnections, b, 0, 0), 0u);
  // Ties are broken in turn, starting at the ticket.
  b[0]->active = 7;
  EXPECT_EQ(choose_backend(Balance::kLeastConnections, b, 0, 0), 0u);
  EXPECT_EQ(choose_backend(Balance::kLeastConnections, b, 2, 0), 2u);
}

TEST(BackendPoolTest, TriedBackendsAreSkippedAndAllDownIsTriedAnyway) {
  BackendStates b = pool(3);
  EXPECT_EQ(choose_backend(Balance::kRoundRobin, b, 0, 0b001), 1u);
  EXPECT_EQ(choose_backend(Balance::kRoundRobin, b, 1, 0b001), 2u);
  EXPECT_EQ(choose_backend(Balance::kRoundRobin, b, 0, 0b011), 2u);
  EXPECT_EQ(choose_backend(Balance::kRoundRobin, b, 0, 0b111), std::nullopt);
  for (auto& s : b) s->up = false;
  // Every backend down: the same order, regardless of health.
  EXPECT_EQ(picks(Balance::kRoundRobin, b, 3), (std::vector<size_t>{0, 1, 2}));
  b[2]->up = true;  // a healthy one comes first
  EXPECT_EQ(choose_backend(Balance::kRoundRobin, b, 0, 0), 2u);
  EXPECT_EQ(choose_backend(Balance::kRoundRobin, b, 0, 0b100), 0u);  // then the down ones
  EXPECT_EQ(choose_backend(Balance::kRoundRobin, BackendStates{}, 0, 0), std::nullopt);
}

TEST(HealthMachineTest, DownAfterTwoFailuresUpAfterTwoSuccesses) {
  using C = HealthMachine::Change;
  HealthMachine m;
  EXPECT_TRUE(m.up());
  EXPECT_EQ(m.on_check(false), C::kNone);
  EXPECT_EQ(m.on_check(true), C::kNone);  // a good check resets the count
  EXPECT_EQ(m.on_check(false), C::kNone);
  EXPECT_EQ(m.on_check(false), C::kWentDown);
  EXPECT_FALSE(m.up());
  EXPECT_EQ(m.on_check(false), C::kNone);
  EXPECT_EQ(m.on_check(true), C::kNone);
  EXPECT_EQ(m.on_check(false), C::kNone);  // a failure resets the good count
  EXPECT_EQ(m.on_check(true), C::kNone);
  EXPECT_EQ(m.on_check(true), C::kWentUp);
  EXPECT_TRUE(m.up());
  EXPECT_EQ(m.on_check(true), C::kNone);
}

TEST(HealthMachineTest, PassiveFailureIsDownAtOnce) {
  using C = HealthMachine::Change;
  HealthMachine m;
  EXPECT_EQ(m.on_passive_failure(), C::kWentDown);
  EXPECT_EQ(m.on_passive_failure(), C::kNone);
  EXPECT_EQ(m.on_check(true), C::kNone);
  EXPECT_EQ(m.on_passive_failure(), C::kNone);  // and the good checks start over
  EXPECT_EQ(m.on_check(true), C::kNone);
  EXPECT_EQ(m.on_check(true), C::kWentUp);
}

TEST(HealthCheckHeaderTest, LocalHeadersParseAsSuch) {
  EXPECT_EQ(health_check_header(std::nullopt), "");
  for (ProxyVersion v : {ProxyVersion::kV1, ProxyVersion::kV2}) {
    std::string h = health_check_header(v);
    ProxyParseResult r = parse_proxy_header(reinterpret_cast<const uint8_t*>(h.data()), h.size());
    ASSERT_EQ(r.status, ProxyParseStatus::kDone) << r.reason;
    EXPECT_EQ(r.consumed, h.size());
    EXPECT_EQ(r.header.version, v);
    EXPECT_EQ(r.header.family,
              v == ProxyVersion::kV1 ? ProxyFamily::kUnknown : ProxyFamily::kLocal);
  }
}

ProxyForward fwd(uint16_t port, uint16_t backend_port) {
  ProxyForward f;
  f.label = std::to_string(port);
  f.listen = {IpAddress::v4(0x7F000001), port};
  f.backends = {{IpAddress::v4(0x7F000001), backend_port}};
  return f;
}

TEST(ForwardDiffTest, KeptAddedRemovedByListenAddress) {
  std::vector<ProxyForward> current = {fwd(1000, 1), fwd(1001, 1), fwd(1002, 1)};
  ProxyForward changed = fwd(1001, 2);  // same address, another backend
  std::vector<ProxyForward> next = {fwd(1003, 1), changed, fwd(1000, 1)};
  ForwardDiff d = diff_forwards(current, next);
  ASSERT_EQ(d.kept_from.size(), 3u);
  EXPECT_EQ(d.kept_from[0], std::nullopt);  // 1003 is new
  EXPECT_EQ(d.kept_from[1], 1u);            // 1001 kept, changed
  EXPECT_EQ(d.kept_from[2], 0u);            // 1000 kept as it was
  EXPECT_EQ(d.removed, (std::vector<size_t>{2}));
  EXPECT_EQ(d.added, 1u);
  EXPECT_EQ(d.changed, 1u);
  EXPECT_EQ(d.unchanged, 1u);

  ForwardDiff same = diff_forwards(current, current);
  EXPECT_EQ(same.unchanged, 3u);
  EXPECT_TRUE(same.removed.empty());
  ForwardDiff none = diff_forwards(current, {});
  EXPECT_EQ(none.removed, (std::vector<size_t>{0, 1, 2}));
}

}  // namespace
}  // namespace labgate::proxy
