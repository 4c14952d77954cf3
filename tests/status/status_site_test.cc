// StatusSite reads the Plan only: the picture is show's SVG of the Plan, the status JSON names the
// gateway the Plan names (dns.gateway_name), and update() replaces both.
#include "status/status_site.h"

#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "show/svg.h"
#include "support/valid_topology.h"

namespace labgate::status {
namespace {

Plan plan_named(const std::string& gateway) {
  return compile(test_support::load_valid("gateway: { name: " + gateway + R"( }
networks:
  lan: { interface: eth0, subnet: 10.0.0.0/24, address: 10.0.0.2, router: 10.0.0.1, uplink: true }
dns:
  zone: home.arpa
)"));
}

TEST(StatusSite, ServesThePlansPictureAndNameAndReplacesThemOnUpdate) {
  daemon::MetricsRegistry metrics;
  const Plan first = plan_named("alpha");
  StatusSite site(first, metrics, nullptr, StatusSiteOptions{});
  daemon::HttpResponse svg = site.topology_svg();
  EXPECT_EQ(svg.status, 200);
  EXPECT_EQ(svg.body, show::render_svg(first));
  EXPECT_NE(svg.body.find("<title>alpha (labgate): topology</title>"), std::string::npos);
  EXPECT_EQ(nlohmann::json::parse(site.status().body)["gateway"], "alpha");

  const Plan second = plan_named("beta");
  site.update(second);
  EXPECT_EQ(site.topology_svg().body, show::render_svg(second));
  EXPECT_EQ(nlohmann::json::parse(site.status().body)["gateway"], "beta");
}

}  // namespace
}  // namespace labgate::status
