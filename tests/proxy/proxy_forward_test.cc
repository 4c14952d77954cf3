// From the file to the proxy's forwards: `via: proxy` forwards with their proxy options, kernel
// forwards left out, UDP targets left to the UDP relay, and proxy options refused on a kernel
// forward.
#include "proxy/proxy_forward.h"

#include <string>

#include <gtest/gtest.h>

#include "diag/diagnostic.h"
#include "proxy/udp_forward.h"
#include "topology/loader.h"

namespace labgate::proxy {
namespace {

const char* kBase = R"(networks:
  lan:     { interface: vmbr0, subnet: 192.168.1.0/24, address: 192.168.1.55, router: 192.168.1.1, uplink: true }
  cluster: { interface: vmbr1, subnet: 192.168.100.0/24, address: 192.168.100.1, masquerade: true }
services:
  ingress: { address: 192.168.100.80, ports: { http: 80, https: 443 } }
  resolver: { address: 192.168.100.53, ports: { dns: "53/udp" } }
forwards:
)";

Topology load(const std::string& forwards, Diagnostics& d) {
  return check_topology(std::string(kBase) + forwards, d);
}

TEST(ProxyForwardsTest, ProxyForwardsWithOptions) {
  Diagnostics d;
  Topology t = load(
      "  - { listen: lan:80, to: ingress:http }\n"
      "  - { listen: lan:8443, to: ingress:https, via: proxy, proxy_protocol: v2, "
      "max_connections: 7 }\n"
      "  - { listen: lan:8080, to: ingress:http, via: proxy, proxy_protocol: v1 }\n"
      "  - { listen: lan:53, to: resolver:dns, via: proxy }\n",
      d);
  ASSERT_FALSE(d.has_errors());
  ForwardingPlan plan = compile_forwarding_plan(t);
  std::vector<ProxyForward> f = proxy_forwards(plan);
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f[0].label, "lan:8443 -> ingress:https");
  EXPECT_EQ(f[0].listen.str(), "192.168.1.55:8443");
  EXPECT_EQ(f[0].backends, (std::vector<Backend>{{IpAddress::v4(0xC0A86450), 443}}));
  EXPECT_EQ(f[0].health_interval_ms, 0u);  // one backend, no health_check: not checked
  EXPECT_EQ(f[0].send_proxy_header, ProxyVersion::kV2);
  EXPECT_EQ(f[0].max_connections, 7u);
  EXPECT_EQ(f[1].send_proxy_header, ProxyVersion::kV1);
  EXPECT_EQ(f[1].max_connections, 4096u);
  EXPECT_FALSE(f[1].routes_by_name());
  // The UDP target is the UDP relay's.
  std::vector<UdpForward> udp = udp_proxy_forwards(plan);
  ASSERT_EQ(udp.size(), 1u);
  EXPECT_EQ(udp[0].label, "lan:53 -> resolver:dns");
}

TEST(ProxyForwardsTest, ProxyOptionsAreRefusedWhereTheyCannotWork) {
  struct Case {
    const char* forward;
    const char* message;
  } cases[] = {
      {"  - { listen: lan:443, to: ingress:https, proxy_protocol: v1 }\n",
       "'proxy_protocol' needs 'via: proxy'"},
      {"  - { listen: lan:443, to: ingress:https, via: kernel, max_connections: 5 }\n",
       "'max_connections' needs 'via: proxy'"},
      {"  - { listen: lan:443, to: ingress:https, via: proxy, proxy_protocol: v3 }\n",
       "'proxy_protocol' must be v1 or v2, not 'v3'"},
      {"  - { listen: lan:443, to: ingress:https, via: proxy, max_connections: 0 }\n",
       "max_connections"},
      {"  - { listen: lan:443, to: ingress:https, sni: true }\n", "'sni' needs 'via: proxy'"},
  };
  for (const auto& c : cases) {
    Diagnostics d;
    load(c.forward, d);
    ASSERT_EQ(d.error_count(), 1) << c.forward;
    EXPECT_NE(d.all()[0].message.find(c.message), std::string::npos) << d.all()[0].message;
    EXPECT_EQ(d.all()[0].pos.line, 8) << c.forward;
  }
}

TEST(ProxyForwardsTest, SniRoutesComeFromTheDnsNames) {
  Diagnostics d;
  std::string text = std::string(kBase) +
                     "  - { listen: lan:443, to: ingress:https, via: proxy, sni: true }\n"
                     "dns:\n  zone: cluster\n  names: { argocd: pve, '*.apps': ingress, "
                     "dnsonly: resolver }\n";
  text.replace(text.find("services:\n"), 10,
               "services:\n  pve: { address: 192.168.100.90, ports: { https: 8006 } }\n");
  Topology t = check_topology(text, d);
  ASSERT_FALSE(d.has_errors()) << (d.all().empty() ? "" : d.all()[0].message);
  std::vector<ProxyForward> f = proxy_forwards(compile_forwarding_plan(t));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_TRUE(f[0].routes_by_name());
  ASSERT_EQ(f[0].sni_routes.size(), 2u);  // the resolver has no https port
  EXPECT_EQ(f[0].named_route("argocd.cluster"), (Backend{IpAddress::v4(0xC0A8645A), 8006}));
  EXPECT_EQ(f[0].named_route("x.apps.cluster"), (Backend{IpAddress::v4(0xC0A86450), 443}));
  EXPECT_FALSE(f[0].named_route("pve.lan"));  // goes to the default: `to`
  EXPECT_TRUE(f[0].has_default);
}

TEST(ProxyForwardsTest, SeveralTargetsAreOnePoolWithHealthChecks) {
  Diagnostics d;
  std::string text = std::string(kBase) +
                     "  - { listen: lan:443, to: [ingress:https, ingress2:https], via: proxy, "
                     "balance: least-connections, accept_proxy: [192.168.1.10] }\n"
                     "  - { listen: lan:444, to: ingress:https, via: proxy, "
                     "health_check: { interval: 300ms, timeout: 50ms } }\n";
  text.replace(text.find("services:\n"), 10,
               "services:\n  ingress2: { address: 192.168.100.81, ports: { https: 8443 } }\n");
  Topology t = check_topology(text, d);
  ASSERT_FALSE(d.has_errors()) << (d.all().empty() ? "" : d.all()[0].message);
  std::vector<ProxyForward> f = proxy_forwards(compile_forwarding_plan(t));
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f[0].backends, (std::vector<Backend>{{IpAddress::v4(0xC0A86450), 443},
                                                 {IpAddress::v4(0xC0A86451), 8443}}));
  EXPECT_EQ(f[0].balance, Balance::kLeastConnections);
  EXPECT_EQ(f[0].health_interval_ms, 2000u);  // several targets: checked by default
  EXPECT_EQ(f[0].health_timeout_ms, 1000u);
  EXPECT_TRUE(f[0].trusts(IpAddress::v4(0xC0A8010A)));
  EXPECT_FALSE(f[0].trusts(IpAddress::v4(0xC0A8010B)));
  EXPECT_EQ(f[1].backends.size(), 1u);
  EXPECT_EQ(f[1].health_interval_ms, 300u);  // one target, checked because asked
  EXPECT_EQ(f[1].health_timeout_ms, 50u);
  EXPECT_TRUE(f[1].accept_proxy.empty());
}

}  // namespace
}  // namespace labgate::proxy
