#include "k8s/manifests.h"

#include <algorithm>

#include <fmt/format.h>

#include "plan/nft_diff.h"

namespace labgate::k8s {
namespace {

std::string header(const AppPlan& app) {
  return fmt::format(
      "# Written by `labgate export k8s` from app '{}'; edit labgate.yaml, not this file.\n",
      app.name);
}

std::string metadata(const std::string& name, const std::string& ns,
                     const std::vector<std::pair<std::string, std::string>>& annotations) {
  std::string out = fmt::format("metadata:\n  name: {}\n  namespace: {}\n", name, ns);
  if (!annotations.empty()) {
    out += "  annotations:\n";
    for (const auto& [k, v] : annotations) out += fmt::format("    {}: \"{}\"\n", k, v);
  }
  return out;
}

// An Ingress backend: `indent` spaces before "service:".
std::string ingress_backend(const AppBackend& b, int indent) {
  std::string pad(static_cast<size_t>(indent), ' ');
  return fmt::format("{0}service:\n{0}  name: {1}\n{0}  port:\n{0}    number: {2}\n", pad, b.name,
                     b.port);
}

std::string nginx_ingress(const AppPlan& app) {
  std::vector<std::pair<std::string, std::string>> annotations;
  if (app.tls) annotations.emplace_back("cert-manager.io/cluster-issuer", app.tls->issuer);
  if (app.backend.protocol == BackendProtocol::kHttps)
    annotations.emplace_back("nginx.ingress.kubernetes.io/backend-protocol", "HTTPS");
  std::string out = header(app) + "apiVersion: networking.k8s.io/v1\nkind: Ingress\n" +
                    metadata(app.route_object(), app.backend.namespace_, annotations);
  out += fmt::format("spec:\n  ingressClassName: {}\n", app.ingress->ingress_class);
  if (app.tls)
    out += fmt::format("  tls:\n    - hosts:\n        - {}\n      secretName: {}\n", app.host,
                       app.tls->secret);
  out += fmt::format(
      "  rules:\n    - host: {}\n      http:\n        paths:\n          - path: /\n"
      "            pathType: Prefix\n            backend:\n",
      app.host);
  return out + ingress_backend(app.backend, 14);
}

std::string http_route(const AppPlan& app) {
  const AppGateway& g = *app.gateway;
  std::string out = header(app) + "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\n" +
                    metadata(app.route_object(), app.backend.namespace_, {});
  out += fmt::format("spec:\n  parentRefs:\n    - name: {}\n      namespace: {}\n", g.name,
                     g.namespace_);
  if (!g.section.empty()) out += fmt::format("      sectionName: {}\n", g.section);
  out += fmt::format(
      "  hostnames:\n    - {}\n  rules:\n    - matches:\n        - path:\n"
      "            type: PathPrefix\n            value: /\n      backendRefs:\n"
      "        - name: {}\n          port: {}\n",
      app.host, app.backend.name, app.backend.port);
  return out;
}

// cert-manager's Certificate for an HTTPRoute's host, in the Gateway's namespace, where the
// Gateway's listener references its Secret (an HTTPRoute has no TLS of its own).
std::string certificate(const AppPlan& app) {
  return header(app) + "apiVersion: cert-manager.io/v1\nkind: Certificate\n" +
         metadata(app.certificate_object(), app.certificate_namespace(), {}) +
         fmt::format(
             "spec:\n  secretName: {}\n  dnsNames:\n    - {}\n  issuerRef:\n"
             "    name: {}\n    kind: ClusterIssuer\n    group: cert-manager.io\n",
             app.tls->secret, app.host, app.tls->issuer);
}

// Gateway API's BackendTLSPolicy (gateway.networking.k8s.io/v1, Standard channel since v1.4): the
// Gateway originates TLS to the Service and verifies its certificate for the Service's cluster
// DNS name, against the ConfigMap `ca` names (key ca.crt) or the system's well-known CAs.
std::string backend_tls_policy(const AppPlan& app) {
  std::string out = header(app) +
                    "apiVersion: gateway.networking.k8s.io/v1\nkind: BackendTLSPolicy\n" +
                    metadata(app.name, app.backend.namespace_, {});
  out += fmt::format(
      "spec:\n  targetRefs:\n    - group: \"\"\n      kind: Service\n      name: {}\n"
      "  validation:\n    hostname: {}\n",
      app.backend.name, app.backend_dns_name());
  if (app.backend.ca.empty())
    out += "    wellKnownCACertificates: System\n";
  else
    out += fmt::format(
        "    caCertificateRefs:\n      - group: \"\"\n        kind: ConfigMap\n        name: {}\n",
        app.backend.ca);
  return out;
}

std::string tailscale_ingress(const AppPlan& app) {
  const AppTailscale& ts = *app.tailscale;
  std::vector<std::pair<std::string, std::string>> annotations;
  if (ts.funnel) annotations.emplace_back("tailscale.com/funnel", "true");
  if (!ts.proxy_group.empty())
    annotations.emplace_back("tailscale.com/proxy-group", ts.proxy_group);
  if (!ts.tags.empty())
    annotations.emplace_back("tailscale.com/tags", fmt::format("{}", fmt::join(ts.tags, ",")));
  std::string out = header(app) + "apiVersion: networking.k8s.io/v1\nkind: Ingress\n" +
                    metadata(app.tailscale_object(), app.backend.namespace_, annotations);
  out += "spec:\n  ingressClassName: tailscale\n  defaultBackend:\n";
  out += ingress_backend(app.backend, 4);
  out += fmt::format("  tls:\n    - hosts:\n        - {}\n", ts.device);
  return out;
}

std::string kustomization(std::vector<std::string> files) {
  std::sort(files.begin(), files.end());
  std::string out =
      "# Written by `labgate export k8s`; edit labgate.yaml, not this file.\n"
      "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
      "labels:\n  - pairs:\n      " +
      std::string(kManagedByLabel) + ": labgate\nresources:\n";
  for (const auto& f : files) out += "  - " + f + "\n";
  return out;
}

}  // namespace

std::vector<Manifest> render_manifests(const std::vector<AppPlan>& apps) {
  std::vector<Manifest> out;
  for (const auto& app : apps) {
    if (app.ingress) out.push_back({app.route_object() + ".ingress.yaml", nginx_ingress(app)});
    if (app.gateway) {
      out.push_back({app.route_object() + ".httproute.yaml", http_route(app)});
      if (app.tls) out.push_back({app.name + ".certificate.yaml", certificate(app)});
      if (app.backend_tls_policy())
        out.push_back({app.name + ".backendtlspolicy.yaml", backend_tls_policy(app)});
    }
    if (app.tailscale)
      out.push_back({app.tailscale_object() + ".ingress.yaml", tailscale_ingress(app)});
  }
  std::vector<std::string> files;
  for (const auto& m : out) files.push_back(m.file);
  out.push_back({"kustomization.yaml", kustomization(std::move(files))});
  return out;
}

std::string drift(const std::vector<Manifest>& want, const std::map<std::string, std::string>& have,
                  const std::string& dir_label) {
  std::string out;
  std::map<std::string, const Manifest*> wanted;
  for (const auto& m : want) wanted[m.file] = &m;
  for (const auto& [file, m] : wanted) {
    const std::string path = dir_label + "/" + file;
    auto it = have.find(file);
    std::string_view old_text = it == have.end() ? std::string_view() : it->second;
    out +=
        unified_diff(old_text, m->text, it == have.end() ? "/dev/null" : path, path + " (labgate)");
  }
  for (const auto& [file, text] : have)
    if (!wanted.count(file))
      out +=
          unified_diff(text, "", dir_label + "/" + file, "/dev/null (labgate writes no such file)");
  return out;
}

}  // namespace labgate::k8s
