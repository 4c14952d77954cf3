// `export k8s`'s renderer: the seed's six Ingress objects and kustomization, and a file with
// every option (HTTPRoute, Certificate, BackendTLSPolicy with the system CAs and with a CA
// ConfigMap, Tailscale annotations), against golden directories
// (LABGATE_UPDATE_GOLDEN=1 rewrites them); and the drift report of --check.
#include "k8s/manifests.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "plan/plan.h"
#include "support/valid_topology.h"
#include "topology/seed.h"

namespace labgate::k8s {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::map<std::string, std::string> read_dir(const fs::path& dir) {
  std::map<std::string, std::string> out;
  if (!fs::is_directory(dir)) return out;
  for (const auto& e : fs::directory_iterator(dir)) {
    std::ifstream in(e.path(), std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    out[e.path().filename().string()] = text.str();
  }
  return out;
}

// The manifests equal tests/k8s/golden/NAME/, file for file.
void expect_golden_dir(const std::string& name, const std::vector<Manifest>& manifests) {
  fs::path dir = fs::path(LABGATE_SOURCE_DIR) / "tests/k8s/golden" / name;
  if (const char* update = std::getenv("LABGATE_UPDATE_GOLDEN"); update && *update == '1') {
    fs::remove_all(dir);
    fs::create_directories(dir);
    for (const auto& m : manifests) std::ofstream(dir / m.file, std::ios::binary) << m.text;
    return;
  }
  std::map<std::string, std::string> want;
  for (const auto& m : manifests) want[m.file] = m.text;
  std::map<std::string, std::string> have = read_dir(dir);
  ASSERT_FALSE(have.empty()) << "missing golden " << dir << " (run with LABGATE_UPDATE_GOLDEN=1)";
  EXPECT_EQ(want, have) << "golden " << dir << " differs; if intended, LABGATE_UPDATE_GOLDEN=1";
  EXPECT_EQ(drift(manifests, have, dir.string()), "");
}

std::vector<Manifest> render(std::string_view yaml) {
  Topology t = test_support::load_valid(yaml, test_support::Allow::kNoDiagnostics);
  return render_manifests(compile(t).apps);
}

TEST(K8sManifests, SeedGivesSixIngressesAndTheKustomization) {
  auto manifests = render(seed_topology_text());
  std::vector<std::string> files;
  for (const auto& m : manifests) files.push_back(m.file);
  EXPECT_THAT(files, ElementsAre("argocd.ingress.yaml", "argocd-tailscale.ingress.yaml",
                                 "longhorn.ingress.yaml", "longhorn-tailscale.ingress.yaml",
                                 "navidrome.ingress.yaml", "navidrome-tailscale.ingress.yaml",
                                 "kustomization.yaml"));
  // The seed's nginx Ingress had the issuer annotation but no spec.tls, so cert-manager never
  // issued a certificate; the exported one has both.
  EXPECT_THAT(manifests[4].text, HasSubstr("cert-manager.io/cluster-issuer: \"ingress\""));
  EXPECT_THAT(manifests[4].text, HasSubstr("  tls:\n    - hosts:\n        - navidrome.cluster\n"
                                           "      secretName: navidrome-tls\n"));
  EXPECT_THAT(manifests[5].text, HasSubstr("ingressClassName: tailscale"));
  // argocd-server speaks HTTPS: nginx must too (the Gateway's equivalent is a BackendTLSPolicy).
  EXPECT_THAT(manifests[0].text,
              HasSubstr("nginx.ingress.kubernetes.io/backend-protocol: \"HTTPS\""));
  EXPECT_THAT(manifests[6].text, HasSubstr("labels:\n"));
  EXPECT_THAT(manifests[6].text, ::testing::Not(HasSubstr("commonLabels")));
  expect_golden_dir("seed", manifests);
}

constexpr const char* kEveryOption = R"(version: 1
networks:
  lan: { interface: eth0, subnet: 10.0.0.0/24, address: 10.0.0.1 }
services:
  gw: { address: 10.0.0.80, ports: { https: 443 } }
dns:
  zone: home.arpa
apps:
  grafana:
    service: { namespace: monitoring, name: grafana, port: 3000 }
    gateway: { name: eg, namespace: envoy-gateway-system, section: https, host: grafana.home.arpa, service: gw }
    tailscale: { device: dashboards, funnel: true, tags: [tag:k8s, tag:web], proxy_group: ingress-proxies }
    tls: { issuer: letsencrypt, secret: grafana-cert }
  vault:
    service: { namespace: vault, name: vault-ui, port: 8200, protocol: https }
    gateway: { name: eg, namespace: envoy-gateway-system, host: vault.home.arpa, service: gw }
  minio:
    service: { namespace: minio, name: minio, port: 9443, protocol: https, ca: minio-ca }
    gateway: { name: eg, namespace: envoy-gateway-system, host: minio.home.arpa, service: gw }
  notes:
    service: { namespace: notes, name: notes, port: 80 }
    tailscale:
)";

TEST(K8sManifests, EveryOptionMatchesGolden) {
  expect_golden_dir("gateway", render(kEveryOption));
}

TEST(K8sManifests, NoAppsGivesAnEmptyKustomization) {
  auto manifests = render(R"(networks:
  lan: { interface: eth0, subnet: 10.0.0.0/24, address: 10.0.0.1 }
)");
  ASSERT_EQ(manifests.size(), 1u);
  EXPECT_EQ(manifests[0].file, "kustomization.yaml");
  EXPECT_THAT(manifests[0].text, HasSubstr("resources:\n"));
}

TEST(K8sDrift, NamesChangedMissingAndExtraFiles) {
  auto manifests = render(seed_topology_text());
  std::map<std::string, std::string> have;
  for (const auto& m : manifests) have[m.file] = m.text;
  EXPECT_EQ(drift(manifests, have, "deploy"), "");

  have["argocd.ingress.yaml"].replace(have["argocd.ingress.yaml"].find("number: 443"), 11,
                                      "number: 8080");
  have.erase("navidrome-tailscale.ingress.yaml");
  have["old.ingress.yaml"] = "kind: Ingress\n";
  std::string d = drift(manifests, have, "deploy");
  EXPECT_THAT(
      d, HasSubstr("--- deploy/argocd.ingress.yaml\n+++ deploy/argocd.ingress.yaml (labgate)\n"));
  EXPECT_THAT(d, HasSubstr("-                  number: 8080\n+                  number: 443\n"));
  EXPECT_THAT(d,
              HasSubstr("--- /dev/null\n+++ deploy/navidrome-tailscale.ingress.yaml (labgate)\n"));
  EXPECT_THAT(d, HasSubstr("--- deploy/old.ingress.yaml\n"));
  EXPECT_THAT(d, HasSubstr("-kind: Ingress\n"));
}

}  // namespace
}  // namespace labgate::k8s
