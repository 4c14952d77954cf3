// The `apps` section: name -> { service, ingress, gateway, tailscale, tls } (docs/config.md,
// "apps"; the model is topology/app.h). This file reads values and reports what is wrong with
// each one; what depends on other entries (hosts used twice, device names, the ingress service)
// is checked by validate_apps.cc.
#include <array>
#include <cctype>

#include <fmt/format.h>

#include "net/names.h"
#include "topology/load_context.h"

namespace labgate {
namespace {

// A Kubernetes object name or namespace: an RFC 1123 label in lower case (Kubernetes refuses
// upper case where DNS would fold it).
bool is_k8s_label(std::string_view s) {
  if (!is_dns_label(s)) return false;
  for (char c : s)
    if (std::isupper(static_cast<unsigned char>(c))) return false;
  return true;
}

std::optional<std::string> k8s_label(LoadContext& cx, YamlNode v, const std::string& path,
                                     std::string_view what) {
  auto text = cx.scalar(v, path);
  if (!text) return std::nullopt;
  if (!is_k8s_label(*text)) {
    cx.bad_value(path, fmt::format("'{}' is not a valid Kubernetes {}", shown(*text), what),
                 "use 1-63 lower-case letters, digits and '-', not starting or ending with '-' "
                 "(RFC 1123)");
    return std::nullopt;
  }
  return text;
}

// A key whose value is a Kubernetes name (`What` names it in the message), stored into `Member`.
template <auto Member, const char* What>
bool read_k8s_label(LoadContext& cx, YamlNode v, const std::string& path, EntityOf<Member>& e) {
  auto s = k8s_label(cx, v, path, What);
  if (s) e.*Member = std::move(*s);
  return s.has_value();
}

inline constexpr char kNamespaceNoun[] = "namespace";
inline constexpr char kServiceNameNoun[] = "Service name";
inline constexpr char kGatewayNameNoun[] = "Gateway name";
inline constexpr char kListenerNoun[] = "listener name";
inline constexpr char kDeviceNoun[] = "tailnet device name";
inline constexpr char kProxyGroupNoun[] = "ProxyGroup name";
inline constexpr char kIssuerNoun[] = "ClusterIssuer name";
inline constexpr char kSecretNoun[] = "Secret name";
inline constexpr char kConfigMapNoun[] = "ConfigMap name";

// A host name: a dotted DNS name (no wildcard; an Ingress rule's host may have one, but a
// wildcard app would have no single device or certificate name).
std::optional<std::string> host_name(LoadContext& cx, YamlNode v, const std::string& path) {
  auto text = cx.scalar(v, path, "'host'");
  if (!text) return std::nullopt;
  if (!is_dns_name(*text) || text->find('.') == std::string::npos) {
    cx.bad_value(path, fmt::format("'{}' is not a valid host name", shown(*text)),
                 "use a dotted DNS name, e.g. argocd.cluster");
    return std::nullopt;
  }
  std::string lower = *text;
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower;
}

// --- service: { namespace, name, port, protocol, ca }
// ---------------------------------------------

constexpr std::array<std::string_view, 2> kProtocols = {"http", "https"};

bool read_backend_protocol(LoadContext& cx, YamlNode v, const std::string& path, AppBackend& b) {
  auto c = cx.choice(v, path, "protocol", kProtocols);
  if (c) b.protocol = *c == "https" ? BackendProtocol::kHttps : BackendProtocol::kHttp;
  return c.has_value();
}

constexpr std::array<KeyRule<AppBackend>, 5> kBackendKeys = {{
    {"namespace", true, read_k8s_label<&AppBackend::namespace_, kNamespaceNoun>},
    {"name", true, read_k8s_label<&AppBackend::name, kServiceNameNoun>},
    {"port", true, read_port<&AppBackend::port>},
    {"protocol", false, read_backend_protocol},
    {"ca", false, read_k8s_label<&AppBackend::ca, kConfigMapNoun>},
}};

bool read_service(LoadContext& cx, YamlNode v, const std::string& path, App& a) {
  return cx.read_object<AppBackend>(v, path, "'service'", kBackendKeys, a.backend);
}

// --- ingress: { class, host, service } ---------------------------------------------------------

constexpr std::array<std::string_view, 1> kIngressClasses = {"nginx"};

bool read_ingress_class(LoadContext& cx, YamlNode v, const std::string& path, AppIngress& i) {
  auto c = cx.choice(v, path, "class", kIngressClasses);
  if (c) i.ingress_class = *c;
  return c.has_value();
}

template <class T>
bool read_host(LoadContext& cx, YamlNode v, const std::string& path, T& e) {
  auto h = host_name(cx, v, path);
  if (h) e.host = *h;
  return h.has_value();
}

constexpr std::array<KeyRule<AppIngress>, 3> kIngressKeys = {{
    {"class", false, read_ingress_class},
    {"host", true, read_host<AppIngress>},
    {"service", false, read_reference<&AppIngress::service, kServiceNoun>},
}};

bool read_ingress(LoadContext& cx, YamlNode v, const std::string& path, App& a) {
  AppIngress ingress;
  bool ok = cx.read_object<AppIngress>(v, path, "'ingress'", kIngressKeys, ingress);
  a.ingress = std::move(ingress);
  return ok;
}

// --- gateway: { name, namespace, section, host, service } ------------------------------------

constexpr std::array<KeyRule<AppGateway>, 5> kGatewayKeys = {{
    {"name", true, read_k8s_label<&AppGateway::name, kGatewayNameNoun>},
    {"namespace", true, read_k8s_label<&AppGateway::namespace_, kNamespaceNoun>},
    {"section", false, read_k8s_label<&AppGateway::section, kListenerNoun>},
    {"host", true, read_host<AppGateway>},
    {"service", false, read_reference<&AppGateway::service, kServiceNoun>},
}};

bool read_gateway(LoadContext& cx, YamlNode v, const std::string& path, App& a) {
  AppGateway gateway;
  bool ok = cx.read_object<AppGateway>(v, path, "'gateway'", kGatewayKeys, gateway);
  a.gateway = std::move(gateway);
  return ok;
}

// --- tailscale: { device, funnel, tags, proxy_group } ----------------------------------------

// A Tailscale ACL tag: "tag:" and a name of letters, digits and '-'.
bool is_tailscale_tag(std::string_view s) {
  if (!s.starts_with("tag:") || s.size() == 4) return false;
  for (char c : s.substr(4))
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
  return true;
}

bool read_tags(LoadContext& cx, YamlNode v, const std::string& path, AppTailscale& ts) {
  if (!v.is_list()) {
    cx.wrong_type(path, fmt::format("'tags' must be a list of tags, not {}", kind_name(v)),
                  "write e.g. 'tags: [tag:k8s]'");
    return false;
  }
  bool ok = true;
  for (size_t i = 0; i < v.size(); ++i) {
    std::string item = fmt::format("{}.{}", path, i);
    cx.where().set_value(item, v.item(i).pos());
    auto text = cx.scalar(v.item(i), item, "a tag");
    if (text && is_tailscale_tag(*text)) {
      ts.tags.push_back(*text);
    } else {
      if (text)
        cx.bad_value(item, fmt::format("'{}' is not a Tailscale tag", shown(*text)),
                     "write 'tag:' and a name of letters, digits and '-', e.g. tag:k8s");
      ok = false;
    }
  }
  return ok;
}

constexpr std::array<KeyRule<AppTailscale>, 4> kTailscaleKeys = {{
    {"device", false, read_k8s_label<&AppTailscale::device, kDeviceNoun>},
    {"funnel", false, read_boolean<&AppTailscale::funnel>},
    {"tags", false, read_tags},
    {"proxy_group", false, read_k8s_label<&AppTailscale::proxy_group, kProxyGroupNoun>},
}};

bool read_tailscale(LoadContext& cx, YamlNode v, const std::string& path, App& a) {
  AppTailscale ts;
  bool ok = v.is_null() ||  // `tailscale:` alone: every option at its default
            cx.read_object<AppTailscale>(v, path, "'tailscale'", kTailscaleKeys, ts);
  a.tailscale = std::move(ts);
  return ok;
}

// --- tls: { issuer, secret } -------------------------------------------------------------------

constexpr std::array<KeyRule<AppTls>, 2> kTlsKeys = {{
    {"issuer", true, read_k8s_label<&AppTls::issuer, kIssuerNoun>},
    {"secret", false, read_k8s_label<&AppTls::secret, kSecretNoun>},
}};

bool read_tls(LoadContext& cx, YamlNode v, const std::string& path, App& a) {
  AppTls tls;
  bool ok = cx.read_object<AppTls>(v, path, "'tls'", kTlsKeys, tls);
  a.tls = std::move(tls);
  return ok;
}

constexpr std::array<KeyRule<App>, 5> kAppKeys = {{
    {"service", true, read_service},
    {"ingress", false, read_ingress},
    {"gateway", false, read_gateway},
    {"tailscale", false, read_tailscale},
    {"tls", false, read_tls},
}};

}  // namespace

void load_apps(LoadContext& cx, YamlNode section) {
  for (const auto& [name, n] : cx.named_entries(section, "apps", "app")) {
    App app;
    app.name = name;
    std::string path = "apps." + name;
    app.ok = cx.read_object<App>(n, path, Noun("app", name), kAppKeys, app);
    if (!is_k8s_label(name)) {
      cx.diagnostics().error(cx.where().key(path), "invalid-name",
                             fmt::format("app name '{}' has upper-case letters", name),
                             "an app's name names Kubernetes objects: use lower case");
      app.ok = false;
    }
    cx.topology().apps.push_back(std::move(app));
  }
}

}  // namespace labgate
