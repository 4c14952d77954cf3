// The `apps` section: loader and validation rows (each change to a valid document and every
// diagnostic it must give, at FILE:LINE:COL), and what the model keeps of a valid app.
#include <string>

#include <gtest/gtest.h>

#include "topology/loader.h"
#include "topology/topology_test_util.h"

namespace labgate {
namespace {

using testing::error_at;
using testing::Row;
using testing::warning_at;

// kValidBase (which names argocd.cluster under dns.names) with two valid apps after line 45.
const std::string kAppsBase =
    std::string(testing::kValidBase) +
    "apps:\n"                                                         // 46
    "  web:\n"                                                        // 47
    "    service: { namespace: media, name: web, port: 8080 }\n"      // 48
    "    ingress: { class: nginx, host: web.cluster }\n"              // 49
    "    tailscale: { device: web, tags: [tag:k8s] }\n"               // 50
    "    tls: { issuer: ingress }\n"                                  // 51
    "  shop:\n"                                                       // 52
    "    service: { namespace: shop, name: shop, port: 443 }\n"       // 53
    "    gateway: { name: eg, namespace: gw, host: shop.cluster }\n"  // 54
    "    tailscale:\n";                                               // 55

class AppRows : public ::testing::TestWithParam<Row> {};

TEST_P(AppRows, ReportsExactlyTheseDiagnostics) {
  Row row = GetParam();
  // The rows edit kAppsBase: put it in place of the base document.
  std::vector<testing::Edit> edits = {{std::string(testing::kValidBase), kAppsBase}};
  edits.insert(edits.end(), row.edits.begin(), row.edits.end());
  row.edits = edits;
  testing::expect_row(row);
}

// clang-format off
INSTANTIATE_TEST_SUITE_P(Apps, AppRows, ::testing::Values(
    Row{"valid", {}, {}},
    Row{"namespace_not_a_label", {{"namespace: media", "namespace: Media"}},
        {error_at(48, 27, "invalid-value")}, "lower-case"},
    Row{"service_name_not_a_label", {{"name: web,", "name: web_1,"}},
        {error_at(48, 40, "invalid-value")}},
    Row{"port_out_of_range", {{"port: 8080", "port: 70000"}},
        {error_at(48, 51, "invalid-value")}},
    Row{"port_as_text", {{"port: 8080", "port: http"}},
        {error_at(48, 51, "invalid-value")}},
    Row{"bad_protocol", {{"port: 443 }", "port: 443, protocol: h2c }"}},
        {error_at(53, 66, "invalid-value")}},
    Row{"ca_for_an_https_gateway_backend", {{"port: 443 }", "port: 443, protocol: https, ca: shop-ca }"}},
        {}},
    Row{"ca_without_https", {{"port: 443 }", "port: 443, ca: shop-ca }"}},
        {error_at(53, 60, "ca-without-https")}, "protocol: https"},
    Row{"ca_not_a_name", {{"port: 443 }", "port: 443, protocol: https, ca: Shop_CA }"}},
        {error_at(53, 77, "invalid-value")}},
    Row{"ca_without_gateway", {{"port: 8080 }", "port: 8080, protocol: https, ca: web-ca }"}},
        {warning_at(48, 78, "unused-ca")}, "'gateway'"},
    Row{"missing_service", {{"    service: { namespace: shop, name: shop, port: 443 }\n", ""}},
        {error_at(53, 5, "missing-key")}},  // at the app's map
    Row{"missing_port", {{", port: 8080 }", " }"}},
        {error_at(48, 14, "missing-key")}},
    Row{"unknown_key", {{"    tls: { issuer: ingress }\n", "    tlss: { issuer: ingress }\n"}},
        {error_at(51, 5, "unknown-key")}, "did you mean 'tls'?"},
    Row{"app_name_upper_case", {{"  web:\n", "  Web:\n"}},
        {error_at(47, 3, "invalid-name")}},
    Row{"bad_host", {{"host: web.cluster", "host: web_1.cluster"}},
        {error_at(49, 36, "invalid-value")}},
    Row{"host_without_dot", {{"host: web.cluster", "host: web"}},
        {error_at(49, 36, "invalid-value")}},
    Row{"bad_ingress_class", {{"class: nginx", "class: traefik"}},
        {error_at(49, 23, "invalid-value")}},
    Row{"bad_tag", {{"tags: [tag:k8s]", "tags: [k8s]"}},
        {error_at(50, 38, "invalid-value")}, "tag:k8s"},
    Row{"host_used_twice", {{"host: shop.cluster", "host: web.cluster"}},
        {error_at(54, 47, "duplicate-host")}},
    Row{"host_is_a_dns_name", {{"host: web.cluster", "host: argocd.cluster"}},
        {error_at(49, 36, "duplicate-host")}, "dns.names"},
    Row{"one_device_two_apps", {{"    tailscale:\n", "    tailscale: { device: web }\n"}},
        {error_at(55, 16, "duplicate-device")}},
    Row{"default_device_collides", {{"device: web,", "device: shop,"}},
        {error_at(55, 5, "duplicate-device")}},
    Row{"tls_without_host", {{"    tailscale:\n", "    tailscale:\n    tls: { issuer: ingress }\n"},
                             {"    gateway: { name: eg, namespace: gw, host: shop.cluster }\n", ""}},
        {error_at(55, 5, "tls-without-host")}},
    Row{"unknown_ingress_service", {{"host: web.cluster }", "host: web.cluster, service: ingres }"}},
        {error_at(49, 58, "unknown-service")}, "did you mean 'ingress'?"},
    Row{"default_ingress_service_missing", {{"  ingress:\n    address", "  nginx:\n    address"}},
        // The forward and the DNS name lose their service too; the apps' errors name the key.
        {warning_at(26, 3, "unused-service"), error_at(37, 9, "unknown-service"),
         error_at(43, 13, "unknown-service"), error_at(49, 5, "unknown-service"),
         error_at(54, 5, "unknown-service")}, "name it with 'service:'"},
    Row{"ingress_and_gateway", {{"    tls: { issuer: ingress }\n", "    tls: { issuer: ingress }\n    gateway: { name: eg, namespace: gw, host: w.cluster }\n"}},
        {error_at(52, 5, "conflicting-exposure")}},
    Row{"exposed_nowhere", {{"    gateway: { name: eg, namespace: gw, host: shop.cluster }\n    tailscale:\n", ""}},
        {error_at(52, 3, "unexposed-app")}},
    Row{"apps_use_their_ingress_service", {{"  - listen: lan:80\n    to: ingress:http\n", ""},
                                           {"    argocd: ingress\n", ""}},
        {}}
));
// clang-format on

TEST(Apps, ModelKeepsEveryValueAndDefaults) {
  Diagnostics d;
  Topology t = check_topology(testing::edited({{std::string(testing::kValidBase), kAppsBase}}), d);
  ASSERT_FALSE(d.has_errors()) << testing::dump(d);
  ASSERT_EQ(t.apps.size(), 2u);
  const App& web = t.apps[0];
  EXPECT_EQ(web.backend.namespace_, "media");
  EXPECT_EQ(web.backend.port, 8080);
  EXPECT_EQ(web.backend.protocol, BackendProtocol::kHttp);
  EXPECT_EQ(web.host(), "web.cluster");
  EXPECT_EQ(web.ingress_service(), "ingress");
  EXPECT_EQ(web.tailscale->tags, std::vector<std::string>{"tag:k8s"});
  EXPECT_EQ(web.tls_secret(), "web-tls");
  const App& shop = t.apps[1];
  EXPECT_EQ(shop.gateway->namespace_, "gw");
  EXPECT_EQ(shop.device(), "shop");  // `tailscale:` alone: the app's name
  EXPECT_FALSE(shop.tls);
  // The hosts join the zone after dns.names, in file order.
  auto names = t.zone_names();
  ASSERT_EQ(names.size(), 3u);
  EXPECT_EQ(names[1].name, "web");
  EXPECT_EQ(names[1].service, "ingress");
  EXPECT_EQ(names[2].name, "shop");
}

TEST(Apps, HostOutsideTheZoneIsNoNameOfIt) {
  Diagnostics d;
  Topology t = check_topology(testing::edited({{std::string(testing::kValidBase), kAppsBase},
                                               {"host: web.cluster", "host: web.example.org"}}),
                              d);
  ASSERT_FALSE(d.has_errors()) << testing::dump(d);
  auto names = t.zone_names();
  ASSERT_EQ(names.size(), 2u);
  EXPECT_EQ(names[1].name, "shop");
}

}  // namespace
}  // namespace labgate
