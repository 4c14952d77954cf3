// `labgate import k8s`: manifests into apps and services. The round trip (export of the seed,
// imported, gives the seed's apps), the seed document's manifests as written (the seed's
// navidrome app, with a note that the issuer annotation had no spec.tls), LoadBalancer Services,
// what is not expressed, and FILE:LINE:COL for malformed input.
#include "importers/k8s_manifests.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "k8s/manifests.h"
#include "plan/plan.h"
#include "support/golden.h"
#include "support/valid_topology.h"
#include "topology/seed.h"

namespace labgate::importers {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// What of an app the file says, as one comparable line.
std::string describe(const App& a) {
  return a.name + " " + a.backend.namespace_ + "/" + a.backend.name + ":" +
         std::to_string(a.backend.port) + " " + to_string(a.backend.protocol) +
         " host=" + a.host() + " via=" + a.ingress_service() +
         " ts=" + (a.tailscale ? a.device() + (a.tailscale->funnel ? "+funnel" : "") : "-") +
         " tls=" + (a.tls ? a.tls->issuer + "/" + a.tls_secret() : "-") +
         " ca=" + (a.backend.ca.empty() ? "-" : a.backend.ca);
}

// The seed without its apps, plus the imported fragment's apps: the topology a user gets by
// pasting the fragment in.
Topology seed_with_imported_apps(const std::string& fragment) {
  std::string seed(seed_topology_text());
  size_t apps = seed.find("\napps:\n");
  EXPECT_NE(apps, std::string::npos);
  std::string text = seed.substr(0, apps + 1);
  size_t at = fragment.find("\napps:\n");
  EXPECT_NE(at, std::string::npos) << fragment;
  text += fragment.substr(at + 1);
  return test_support::load_valid(text, test_support::Allow::kNoDiagnostics);
}

Topology seed() {
  return test_support::load_valid(seed_topology_text(), test_support::Allow::kNoDiagnostics);
}

TEST(ImportK8s, ExportOfTheSeedGivesBackTheSeedsApps) {
  std::vector<ManifestFile> files;
  for (const auto& m : k8s::render_manifests(compile(seed()).apps))
    files.push_back({m.file, m.text});
  K8sImport result = import_k8s(files);
  ASSERT_FALSE(result.error) << result.error->str();
  std::string fragment = write_fragment(result.fragment);
  Topology imported = seed_with_imported_apps(fragment);
  Topology original = seed();
  ASSERT_EQ(imported.apps.size(), original.apps.size()) << fragment;
  for (size_t i = 0; i < original.apps.size(); ++i)
    EXPECT_EQ(describe(imported.apps[i]), describe(original.apps[i])) << fragment;
  // Nothing of what labgate writes is left unexpressed.
  EXPECT_TRUE(result.fragment.unexpressed.empty()) << fragment;
  for (const auto& a : result.fragment.apps) EXPECT_TRUE(a.notes.empty()) << fragment;
}

TEST(ImportK8s, TheSeedDocumentsManifestsGiveTheSeedsNavidrome) {
  fs::path path = fs::path(LABGATE_SOURCE_DIR) / "tests/importers/golden/k8s/seed-document.yaml";
  K8sImport result = import_k8s({{"seed-document.yaml", slurp(path)}});
  ASSERT_FALSE(result.error) << result.error->str();
  std::string fragment = write_fragment(result.fragment);
  ASSERT_EQ(result.fragment.apps.size(), 1u) << fragment;
  Topology imported = seed_with_imported_apps(fragment);
  const Topology original = seed();
  const App* navidrome = nullptr;
  for (const auto& a : original.apps)
    if (a.name == "navidrome") navidrome = &a;
  ASSERT_NE(navidrome, nullptr);
  ASSERT_EQ(imported.apps.size(), 1u);
  EXPECT_EQ(describe(imported.apps[0]), describe(*navidrome));
  // The annotation without spec.tls is what kept cert-manager from issuing: said, not dropped.
  EXPECT_THAT(fragment, HasSubstr("seed-document.yaml:19: the issuer annotation had no spec.tls"));
  EXPECT_THAT(fragment, HasSubstr("# from seed-document.yaml:3 Ingress media/navidrome-tailscale"));
}

TEST(ImportK8s, LoadBalancerServiceRouteAndWhatIsNotExpressed) {
  const std::string text = R"(apiVersion: v1
kind: Service
metadata: { name: ingress-nginx-controller, namespace: ingress-nginx }
spec:
  type: LoadBalancer
  loadBalancerIP: 192.168.100.80
  ports:
    - { name: http, port: 80, protocol: TCP }
    - { name: https, port: 443, protocol: TCP }
---
apiVersion: v1
kind: Service
metadata: { name: sftp, namespace: files, annotations: { metallb.universe.tf/loadBalancerIPs: 192.168.100.81 } }
spec: { type: LoadBalancer, ports: [ { port: 22 } ] }
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: grafana, namespace: monitoring }
spec:
  parentRefs: [ { name: eg, namespace: envoy-gateway-system, sectionName: https } ]
  hostnames: [ grafana.cluster ]
  rules: [ { backendRefs: [ { name: grafana, port: 3000 } ] } ]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: whoami
  namespace: web
  annotations: { nginx.ingress.kubernetes.io/rewrite-target: / }
spec:
  ingressClassName: nginx
  tls: [ { hosts: [ whoami.cluster ], secretName: whoami-cert } ]
  rules:
    - host: whoami.cluster
      http: { paths: [ { path: /api, pathType: Exact, backend: { service: { name: whoami, port: { number: 80 } } } } ] }
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: old, namespace: web }
spec: { ingressClassName: traefik, defaultBackend: { service: { name: old, port: { number: 80 } } } }
---
apiVersion: v1
kind: ConfigMap
metadata: { name: settings }
)";
  K8sImport result = import_k8s({{"all.yaml", text}});
  ASSERT_FALSE(result.error) << result.error->str();
  std::string f = write_fragment(result.fragment);
  EXPECT_THAT(f,
              HasSubstr("  ingress: { address: 192.168.100.80, ports: { http: 80, https: 443 } }"));
  EXPECT_THAT(f, HasSubstr("  sftp: { address: 192.168.100.81, ports: { port-22: 22 } }"));
  EXPECT_THAT(f, HasSubstr("    gateway: { name: eg, namespace: envoy-gateway-system, section: "
                           "https, host: grafana.cluster }\n"));
  EXPECT_THAT(f, HasSubstr("    ingress: { class: nginx, host: whoami.cluster }\n"));
  EXPECT_THAT(f, HasSubstr("all.yaml:24: path /api (Exact) is written as / (Prefix)"));
  EXPECT_THAT(f, HasSubstr("annotation nginx.ingress.kubernetes.io/rewrite-target"));
  EXPECT_THAT(f, HasSubstr("spec.tls (secret whoami-cert) without a cert-manager issuer"));
  EXPECT_THAT(f, HasSubstr("# all.yaml:37: Ingress web/old\n#   ingress class 'traefik'"));
  EXPECT_THAT(f, HasSubstr("# all.yaml:42: ConfigMap default/settings\n"));
}

TEST(ImportK8s, MalformedInputIsFileLineColumn) {
  struct Case {
    std::string text;
    std::string error;
  };
  const Case cases[] = {
      // A YAML error in the second document is at its line in the file.
      {"apiVersion: v1\nkind: ConfigMap\nmetadata: { name: a }\n---\nkind: [\n",
       "x.yaml:6:1: error: "},
      {"apiVersion: v1\nmetadata: { name: a }\n", "x.yaml:1:1: error: not a Kubernetes object"},
      {"---\n- just\n- a list\n", "x.yaml:2:1: error: not a Kubernetes object"},
      // A List's items are objects at their own lines; a List is no item.
      {"apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: ConfigMap\n"
       "    metadata: {}\n",
       "x.yaml:4:5: error: not a Kubernetes object"},
      {"---\nkind: List\napiVersion: v1\nitems:\n- kind: List\n  items: []\n",
       "x.yaml:5:3: error: a List inside a List"},
      {"apiVersion: v1\nkind: IngressList\nitems: 3\n",
       "x.yaml:3:8: error: a IngressList needs 'items'"},
  };
  for (const auto& c : cases) {
    K8sImport r = import_k8s({{"x.yaml", c.text}});
    ASSERT_TRUE(r.error) << c.text;
    EXPECT_THAT(r.error->str(), HasSubstr(c.error)) << c.text;
  }
  // Empty documents (leading, trailing, doubled markers) are not objects and not errors.
  K8sImport empty = import_k8s({{"x.yaml", "---\n---\n...\n"}});
  EXPECT_FALSE(empty.error);
}

// `kubectl get ingress -A -o yaml` prints a List; the API returns typed lists (HTTPRoute List)
// whose items omit kind and apiVersion. Each item is imported as its own document, and every
// comment names the item's line.
TEST(ImportK8s, ListsAreImportedItemByItem) {
  fs::path dir = fs::path(LABGATE_SOURCE_DIR) / "tests/importers/golden/k8s";
  K8sImport result = import_k8s({{"ingress-list.yaml", slurp(dir / "ingress-list.yaml")}});
  ASSERT_FALSE(result.error) << result.error->str();
  std::string fragment = write_fragment(result.fragment);
  test_support::expect_golden("tests/importers/golden/k8s/ingress-list.fragment.yaml", fragment);
  EXPECT_THAT(fragment, HasSubstr("ingress-list.yaml:3: the issuer annotation had no spec.tls"));
  EXPECT_THAT(fragment, HasSubstr("# ingress-list.yaml:50: Ingress web/legacy\n"));
  EXPECT_THAT(fragment, HasSubstr("# from ingress-list.yaml:72 HTTPRoute monitoring/grafana"));
}

// An HTTPS backend on a Gateway: export writes a BackendTLSPolicy, import reads it back as
// `protocol: https` (and `ca`), whichever file comes first.
TEST(ImportK8s, BackendTlsPolicyGivesBackHttpsAndTheCa) {
  std::string seed_text(seed_topology_text());
  std::string text = seed_text.substr(0, seed_text.find("\napps:\n") + 1) + R"(apps:
  vault:
    service: { namespace: vault, name: vault-ui, port: 8200, protocol: https }
    gateway: { name: eg, namespace: envoy-gateway-system, host: vault.cluster }
  minio:
    service: { namespace: minio, name: minio, port: 9443, protocol: https, ca: minio-ca }
    gateway: { name: eg, namespace: envoy-gateway-system, host: minio.cluster }
)";
  Topology original = test_support::load_valid(text, test_support::Allow::kNoDiagnostics);
  std::vector<ManifestFile> files;
  for (const auto& m : k8s::render_manifests(compile(original).apps))
    files.push_back({m.file, m.text});
  K8sImport result = import_k8s(files);
  ASSERT_FALSE(result.error) << result.error->str();
  std::string fragment = write_fragment(result.fragment);
  EXPECT_THAT(fragment, HasSubstr("# from minio.backendtlspolicy.yaml:2 BackendTLSPolicy "
                                  "minio/minio\n"));
  EXPECT_THAT(fragment, HasSubstr("port: 9443, protocol: https, ca: minio-ca }"));
  EXPECT_TRUE(result.fragment.unexpressed.empty()) << fragment;
  for (const auto& a : result.fragment.apps) EXPECT_TRUE(a.notes.empty()) << fragment;
  Topology imported = seed_with_imported_apps(fragment);
  ASSERT_EQ(imported.apps.size(), original.apps.size()) << fragment;
  for (size_t i = 0; i < original.apps.size(); ++i)
    EXPECT_EQ(describe(imported.apps[i]), describe(original.apps[i])) << fragment;
}

// A policy labgate would not write is commented on, never dropped silently.
TEST(ImportK8s, ForeignBackendTlsPolicyIsCommentedOn) {
  const std::string text = R"(apiVersion: gateway.networking.k8s.io/v1
kind: BackendTLSPolicy
metadata: { name: sts, namespace: minio }
spec:
  targetRefs: [ { group: "", kind: Service, name: sts, sectionName: https } ]
  validation:
    hostname: sts.example.org
    caCertificateRefs: [ { group: trust.cert-manager.io, kind: Bundle, name: local } ]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: sts, namespace: minio }
spec:
  parentRefs: [ { name: eg, namespace: gw } ]
  hostnames: [ sts.cluster ]
  rules: [ { backendRefs: [ { name: sts, port: 443 } ] } ]
---
apiVersion: gateway.networking.k8s.io/v1
kind: BackendTLSPolicy
metadata: { name: orphan, namespace: minio }
spec:
  targetRefs: [ { group: "", kind: Service, name: nobody } ]
  validation: { hostname: nobody.minio.svc.cluster.local, wellKnownCACertificates: System }
)";
  K8sImport result = import_k8s({{"p.yaml", text}});
  ASSERT_FALSE(result.error) << result.error->str();
  std::string f = write_fragment(result.fragment);
  EXPECT_THAT(f, HasSubstr("service: { namespace: minio, name: sts, port: 443, protocol: https }"));
  EXPECT_THAT(f, HasSubstr("p.yaml:1: sectionName https is written as every port"));
  EXPECT_THAT(f, HasSubstr("p.yaml:1: validation.hostname sts.example.org is written as "
                           "sts.minio.svc.cluster.local"));
  EXPECT_THAT(f, HasSubstr("p.yaml:1: CA Bundle local is not expressed"));
  EXPECT_THAT(f, HasSubstr("# p.yaml:18: BackendTLSPolicy minio/orphan\n#   a BackendTLSPolicy for "
                           "a Service no imported Ingress or HTTPRoute routes to"));
}

TEST(ImportK8s, ManyObjectsOfOneNameGetDistinctNames) {
  // 3,000 Ingresses named "web" with different backends: linear, names web, web-2, web-3, ...
  std::string text;
  for (int i = 0; i < 3000; ++i)
    text += fmt::format(
        "---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {{ name: web }}\n"
        "spec: {{ ingressClassName: tailscale, defaultBackend: {{ service: {{ name: s{}, port: "
        "{{ number: 80 }} }} }} }}\n",
        i);
  K8sImport r = import_k8s({{"many.yaml", text}});
  ASSERT_FALSE(r.error) << r.error->str();
  ASSERT_EQ(r.fragment.apps.size(), 3000u);
  EXPECT_EQ(r.fragment.apps[0].name, "web");
  EXPECT_EQ(r.fragment.apps[1].name, "web-2");
  EXPECT_EQ(r.fragment.apps[2999].name, "web-3000");
}

TEST(ImportK8s, KustomizationResources) {
  auto r = kustomization_resources(
      {"k.yaml", "apiVersion: kustomize.config.k8s.io/v1beta1\nresources:\n  - a.yaml\n  - sub\n"});
  ASSERT_FALSE(r.error);
  EXPECT_EQ(r.resources, (std::vector<std::string>{"a.yaml", "sub"}));
  auto bad = kustomization_resources({"k.yaml", "resources: a.yaml\n"});
  ASSERT_TRUE(bad.error);
  EXPECT_EQ(bad.error->str(), "k.yaml:1:12: error: 'resources' must be a list of paths");
}

}  // namespace
}  // namespace labgate::importers
