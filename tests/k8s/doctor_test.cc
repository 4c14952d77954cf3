// `labgate doctor`'s checks against recorded API answers (tests/k8s/recordings/): the healthy
// cluster passes every check of the seed's apps; each fault directory (only the files that differ
// from healthy/) fails exactly the check it names; likewise a Gateway app's Gateway and route
// status (gateway-not-programmed, route-not-accepted) and cert-manager Certificates
// (certificate-missing, certificate-not-ready). Also the table, --json and api reachable.
#include "k8s/doctor.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "plan/plan.h"
#include "support/valid_topology.h"
#include "topology/seed.h"

namespace labgate::k8s {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// The recordings' file name of a request: the path and query, '/' as '_', '?' as '@'.
// tests/integration/k8s_doctor_test.sh's server maps requests the same way.
std::string recording_name(std::string path) {
  if (path.starts_with("/")) path.erase(0, 1);
  for (char& c : path) {
    if (c == '/') c = '_';
    if (c == '?') c = '@';
  }
  return path + ".json";
}

// Answers from recordings/FAULT/, else recordings/healthy/; 404 when neither has the file.
class RecordedApi : public KubeApi {
 public:
  explicit RecordedApi(std::string fault) : fault_(std::move(fault)) {}
  Result<std::string> get(const std::string& path) override {
    ++requests;
    fs::path root = fs::path(LABGATE_SOURCE_DIR) / "tests/k8s/recordings";
    for (const std::string& dir : {fault_, std::string("healthy")}) {
      std::ifstream in(root / dir / recording_name(path), std::ios::binary);
      if (!in) continue;
      std::stringstream text;
      text << in.rdbuf();
      return text.str();
    }
    return Result<std::string>::failure("GET " + path + ": HTTP 404");
  }
  int requests = 0;

 private:
  std::string fault_;
};

std::vector<AppPlan> seed_apps() {
  Topology t = test_support::load_valid(seed_topology_text(), test_support::Allow::kNoDiagnostics);
  return compile(t).apps;
}

std::vector<std::string> failing(const std::vector<DoctorCheck>& checks) {
  std::vector<std::string> out;
  for (const auto& c : checks)
    if (!c.pass) out.push_back(c.name + " | " + c.observed);
  return out;
}

TEST(K8sDoctor, HealthyClusterPassesEveryCheck) {
  RecordedApi api("healthy");
  auto checks = run_doctor(seed_apps(), api);
  EXPECT_THAT(failing(checks), ::testing::IsEmpty());
  // 2 classes; per app (3): ingress, certificate, endpoints, tailscale ingress, hostname, proxy;
  // 4 warnings.
  EXPECT_EQ(checks.size(), 2u + 3 * 6 + 4);
  EXPECT_TRUE(all_pass(checks));
  EXPECT_EQ(api.requests, 15);  // one request per path
  std::string table = doctor_table(checks);
  EXPECT_THAT(table, HasSubstr("ingress argocd/argocd"));
  EXPECT_THAT(table, HasSubstr("class=nginx host=argocd.cluster tls=argocd-tls "
                               "backend=argocd-server:443"));
  EXPECT_THAT(table, HasSubstr("argocd.tail1234.ts.net"));
  EXPECT_THAT(table, HasSubstr("certificate longhorn-system/longhorn-tls"));
  EXPECT_THAT(table, HasSubstr("24 checks: 24 passed, 0 failed"));
}

struct Fault {
  const char* dir;
  const char* check;
  const char* observed;
};

class K8sDoctorFault : public ::testing::TestWithParam<Fault> {};

TEST_P(K8sDoctorFault, NamesExactlyTheFailingCheck) {
  RecordedApi api(GetParam().dir);
  auto checks = run_doctor(seed_apps(), api);
  auto failed = failing(checks);
  ASSERT_EQ(failed.size(), 1u) << ::testing::PrintToString(failed);
  EXPECT_THAT(failed[0], HasSubstr(std::string(GetParam().check) + " | "));
  EXPECT_THAT(failed[0], HasSubstr(GetParam().observed));
  EXPECT_FALSE(all_pass(checks));
  std::string table = doctor_table(checks);
  EXPECT_THAT(table, HasSubstr("FAIL"));
  EXPECT_THAT(table, HasSubstr("  hint: "));
}

INSTANTIATE_TEST_SUITE_P(
    Recordings, K8sDoctorFault,
    ::testing::Values(
        Fault{"missing-ingressclass", "ingressclass tailscale", "missing"},
        Fault{"ingress-missing", "ingress media/navidrome", "missing"},
        Fault{"no-ready-endpoints", "endpoints longhorn-system/longhorn-frontend", "0 ready"},
        Fault{"tailscale-hostname-unset", "tailscale hostname argocd/argocd-tailscale", "unset"},
        Fault{"warning-event", "warnings tailscale",
              "HTTPSNotEnabled Ingress/navidrome-tailscale: HTTPS is not enabled on the tailnet"},
        // ingress-shim's Certificate, named after the Ingress's secretName.
        Fault{"certificate-missing", "certificate longhorn-system/longhorn-tls", "missing"},
        Fault{"certificate-not-ready", "certificate media/navidrome-tls",
              "Ready=False (DoesNotExist: Issuing certificate as Secret does not exist)"}),
    [](const auto& info) {
      std::string name = info.param.dir;
      std::erase(name, '-');
      return name;
    });

TEST(K8sDoctor, CertificateHintNamesTheObjectAndTheIssuer) {
  RecordedApi api("certificate-not-ready");
  auto checks = run_doctor(seed_apps(), api);
  auto it = std::find_if(checks.begin(), checks.end(), [](const DoctorCheck& c) {
    return c.name == "certificate media/navidrome-tls";
  });
  ASSERT_NE(it, checks.end());
  EXPECT_FALSE(it->pass);
  EXPECT_EQ(it->expected, "Ready=True");
  EXPECT_THAT(it->hint, HasSubstr("kubectl -n media describe certificate navidrome-tls"));
  EXPECT_THAT(it->hint, HasSubstr("kubectl describe clusterissuer ingress"));
}

// Apps on a Gateway (grafana in monitoring with tls, vault in vault with an HTTPS backend, both on
// envoy-gateway-system/eg): the Gateway's Programmed condition, the routes' status from it,
// grafana's Certificate (the one export writes, in the Gateway's namespace) and vault's
// BackendTLSPolicy, healthy and each fault.
std::vector<AppPlan> gateway_apps() {
  std::string seed(seed_topology_text());
  std::string text = seed.substr(0, seed.find("\napps:\n") + 1) + R"(apps:
  grafana:
    service: { namespace: monitoring, name: grafana, port: 3000 }
    gateway: { name: eg, namespace: envoy-gateway-system, section: https, host: grafana.cluster }
    tls: { issuer: ingress }
  vault:
    service: { namespace: vault, name: vault-ui, port: 8200, protocol: https, ca: vault-ca }
    gateway: { name: eg, namespace: envoy-gateway-system, section: https, host: vault.cluster }
)";
  Topology t = test_support::load_valid(text, test_support::Allow::kNoDiagnostics);
  return compile(t).apps;
}

TEST(K8sDoctor, HealthyGatewayAndRoutePass) {
  RecordedApi api("healthy");
  auto checks = run_doctor(gateway_apps(), api);
  EXPECT_THAT(failing(checks), ::testing::IsEmpty());
  std::vector<std::string> names;
  for (const auto& c : checks) names.push_back(c.name + " | " + c.observed);
  EXPECT_THAT(names,
              ::testing::ElementsAre(
                  "gateway envoy-gateway-system/eg | Programmed=True",
                  "httproute monitoring/grafana | parent=envoy-gateway-system/eg "
                  "host=grafana.cluster backend=grafana:3000",
                  "httproute status monitoring/grafana | Accepted=True ResolvedRefs=True",
                  "certificate envoy-gateway-system/grafana | Ready=True",
                  "endpoints monitoring/grafana | 1 ready",
                  "httproute vault/vault | parent=envoy-gateway-system/eg host=vault.cluster "
                  "backend=vault-ui:8200",
                  "httproute status vault/vault | Accepted=True ResolvedRefs=True",
                  "backendtlspolicy vault/vault | target=vault-ui "
                  "hostname=vault-ui.vault.svc.cluster.local ca=ConfigMap/vault-ca",
                  "endpoints vault/vault-ui | 1 ready", "warnings monitoring | none",
                  "warnings vault | none"));
}

TEST(K8sDoctor, GatewayFaultsNameTheCondition) {
  struct Case {
    const char* dir;
    const char* failed;
  };
  for (const Case& c :
       {Case{"gateway-not-programmed",
             "gateway envoy-gateway-system/eg | Programmed=False (AddressNotAssigned: No addresses "
             "have been assigned to the Gateway)"},
        Case{"backendtlspolicy-missing", "backendtlspolicy vault/vault | missing"},
        Case{"route-not-accepted",
             "httproute status monitoring/grafana | Accepted=False (NotAllowedByListeners: No "
             "listeners included by this parent ref allowed this attachment.) ResolvedRefs=True"},
        // A fault of the seed's Ingresses leaves the Gateway app's checks passing.
        Case{"ingress-missing", ""}}) {
    SCOPED_TRACE(c.dir);
    RecordedApi api(c.dir);
    auto failed = failing(run_doctor(gateway_apps(), api));
    if (*c.failed == 0) {
      EXPECT_THAT(failed, ::testing::IsEmpty());
      continue;
    }
    EXPECT_THAT(failed, ::testing::ElementsAre(c.failed));
  }
}

// A route without status from its Gateway (no controller took it) and a Gateway that is absent.
class NoGatewayApi : public KubeApi {
 public:
  Result<std::string> get(const std::string& path) override {
    if (path.ends_with("/gateways")) return std::string(R"({"kind":"GatewayList","items":[]})");
    if (path.ends_with("/httproutes")) {
      RecordedApi healthy("healthy");
      auto body = healthy.get(path);
      auto j = nlohmann::json::parse(*body);
      j["items"][0].erase("status");
      return j.dump();
    }
    return RecordedApi("healthy").get(path);
  }
};

TEST(K8sDoctor, MissingGatewayAndRouteWithoutStatusFail) {
  NoGatewayApi api;
  EXPECT_THAT(failing(run_doctor(gateway_apps(), api)),
              ::testing::ElementsAre("gateway envoy-gateway-system/eg | missing",
                                     "httproute status monitoring/grafana | no status from gateway "
                                     "envoy-gateway-system/eg",
                                     "httproute status vault/vault | no status from gateway "
                                     "envoy-gateway-system/eg"));
}

// An API that fails every request: each check fails with the reason, none is skipped.
class DownApi : public KubeApi {
 public:
  Result<std::string> get(const std::string&) override {
    return Result<std::string>::failure("Connection timed out after 3001 milliseconds");
  }
};

TEST(K8sDoctor, AnUnreachableApiFailsEveryCheckWithTheReason) {
  DownApi api;
  auto checks = run_doctor(seed_apps(), api);
  ASSERT_FALSE(checks.empty());
  for (const auto& c : checks) {
    EXPECT_FALSE(c.pass) << c.name;
    EXPECT_THAT(c.observed, HasSubstr("timed out")) << c.name;
  }
  auto reach = check_api_reachable(api, "(kubeconfig)");
  EXPECT_FALSE(reach.pass);
  EXPECT_EQ(reach.name, "api reachable (kubeconfig)");
  EXPECT_THAT(reach.observed, HasSubstr("timed out"));
}

TEST(K8sDoctor, ApiReachableReadsTheVersion) {
  RecordedApi api("healthy");
  auto reach = check_api_reachable(api, "(kubeconfig)");
  EXPECT_TRUE(reach.pass);
  EXPECT_EQ(reach.observed, "v1.34.1");
  EXPECT_EQ(reach.hint, "");
}

TEST(K8sDoctor, JsonListsEveryCheckAndTheVerdict) {
  RecordedApi api("warning-event");
  std::string json = doctor_json(run_doctor(seed_apps(), api));
  EXPECT_THAT(json, HasSubstr("\"check\": \"warnings tailscale\""));
  EXPECT_THAT(json, HasSubstr("\"pass\": false\n}"));
}

TEST(K8sDoctor, NoAppsNoChecks) {
  DownApi api;
  EXPECT_TRUE(run_doctor({}, api).empty());
}

}  // namespace
}  // namespace labgate::k8s
