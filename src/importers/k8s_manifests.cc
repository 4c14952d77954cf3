#include "importers/k8s_manifests.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include <fmt/format.h>

#include "topology/yaml_tree.h"

namespace labgate::importers {
namespace {

// One YAML document of a file, with the line its text starts on.
struct Document {
  std::string text;
  int first_line = 1;
};

// Splits a multi-document stream at its `---` and `...` marker lines. The marker's three bytes
// become spaces, so what follows it on the line stays at its column, and each document keeps
// its lines: an error's position plus first_line - 1 is its position in the file.
std::vector<Document> split_documents(const std::string& text) {
  std::vector<Document> docs(1);
  int line = 1;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string_view l(text.data() + start, end - start);
    bool marker = (l.starts_with("---") || l.starts_with("...")) &&
                  (l.size() == 3 || l[3] == ' ' || l[3] == '\t' || l[3] == '\r');
    if (marker) {
      docs.push_back({std::string(l.size() > 3 ? "   " + std::string(l.substr(3)) : ""), line});
      docs.back().text += "\n";
    } else {
      docs.back().text.append(l);
      docs.back().text += "\n";
    }
    ++line;
    start = end + 1;
  }
  return docs;
}

std::optional<YamlNode> get(YamlNode map, std::string_view key) {
  if (!map.is_map()) return std::nullopt;
  for (size_t i = 0; i < map.size(); ++i)
    if (map.key(i).is_scalar() && map.key(i).text() == key) return map.value(i);
  return std::nullopt;
}

// The scalar at a path of keys, or "".
std::string text_at(YamlNode n, std::initializer_list<std::string_view> path) {
  std::optional<YamlNode> cur = n;
  for (auto key : path) {
    cur = get(*cur, key);
    if (!cur) return "";
  }
  return cur->is_scalar() ? cur->text() : "";
}

std::optional<YamlNode> node_at(YamlNode n, std::initializer_list<std::string_view> path) {
  std::optional<YamlNode> cur = n;
  for (auto key : path) {
    cur = get(*cur, key);
    if (!cur) return std::nullopt;
  }
  return cur;
}

std::optional<YamlNode> first_item(std::optional<YamlNode> list) {
  if (!list || !list->is_list() || list->size() == 0) return std::nullopt;
  return list->item(0);
}

int number(const std::string& s) {
  if (s.empty() || s.size() > 5 ||
      !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return 0;
  int n = std::stoi(s);
  return n >= 1 && n <= 65535 ? n : 0;
}

// An object being read: where it is, for comments.
struct Object {
  const ManifestFile* file;
  YamlNode root;
  int line;  // in the file
  std::string kind, name, ns;
  std::string where() const { return fmt::format("{}:{}", file->name, line); }
  std::string what() const { return fmt::format("{} {}/{}", kind, ns, name); }
};

class Importer {
 public:
  void object(const Object& o) {
    if (o.kind == "Ingress") {
      ingress(o);
    } else if (o.kind == "HTTPRoute") {
      route(o);
    } else if (o.kind == "BackendTLSPolicy") {
      backend_tls_policy(o);
    } else if (o.kind == "Service" && text_at(o.root, {"spec", "type"}) == "LoadBalancer") {
      load_balancer(o);
    } else if (o.kind == "Service") {
      // Another Service is an app's backend, named by the Ingress or route that uses it.
    } else {
      unexpressed(o, "labgate describes Ingresses, HTTPRoutes and LoadBalancer Services only");
    }
  }

  Fragment finish() {
    apply_backend_tls_policies();
    name_ingress_service();
    Fragment f;
    f.header = {
        "Imported by `labgate import k8s`: the apps and LoadBalancer Services of the "
        "manifests. Review, then paste into labgate.yaml (docs/k8s.md)."};
    f.services = std::move(services_);
    for (auto& a : apps_) f.apps.push_back(std::move(a));
    f.unexpressed = std::move(unexpressed_);
    return f;
  }

 private:
  void unexpressed(const Object& o, std::string reason) {
    unexpressed_.push_back({o.line, o.what(), std::move(reason), o.file->name});
  }

  // The app of a backend Service, created on first use with `name`.
  FragmentApp& app_for(const std::string& ns, const std::string& service, int port,
                       const std::string& name) {
    std::string key = fmt::format("{}/{}:{}", ns, service, port);
    auto it = by_backend_.find(key);
    if (it != by_backend_.end()) return apps_[it->second];
    // A name taken by another backend gets the next free "-N" (a set and a counter per base:
    // thousands of objects of one name stay linear, which the fuzzer found they were not).
    std::string base = is_label(name) ? name : derived_name("", name);
    std::string unique = base;
    for (int& i = next_suffix_.try_emplace(base, 1).first->second;
         !used_names_.insert(unique).second;)
      unique = fmt::format("{}-{}", base, ++i);
    FragmentApp a;
    a.name = unique;
    a.namespace_ = ns;
    a.service = service;
    a.port = port;
    by_backend_[key] = apps_.size();
    apps_.push_back(std::move(a));
    return apps_.back();
  }

  // The annotations of an object, as (key, value) in file order.
  static std::vector<std::pair<std::string, std::string>> annotations(const Object& o) {
    std::vector<std::pair<std::string, std::string>> out;
    auto a = node_at(o.root, {"metadata", "annotations"});
    if (!a || !a->is_map()) return out;
    for (size_t i = 0; i < a->size(); ++i)
      out.emplace_back(a->key(i).text(), a->value(i).is_scalar() ? a->value(i).text() : "");
    return out;
  }

  void ingress(const Object& o) {
    std::string cls = text_at(o.root, {"spec", "ingressClassName"});
    for (const auto& [k, v] : annotations(o))
      if (cls.empty() && k == "kubernetes.io/ingress.class") cls = v;
    if (cls == "tailscale")
      tailscale_ingress(o);
    else if (cls == "nginx")
      nginx_ingress(o);
    else
      unexpressed(o, cls.empty() ? "an Ingress without ingressClassName: labgate writes nginx "
                                   "and tailscale Ingresses"
                                 : fmt::format("ingress class '{}': labgate writes nginx and "
                                               "tailscale Ingresses (or HTTPRoutes)",
                                               cls));
  }

  // spec.rules[0].http.paths[0]'s backend, or spec.defaultBackend; notes what else is there.
  void nginx_ingress(const Object& o) {
    auto rules = node_at(o.root, {"spec", "rules"});
    auto rule = first_item(rules);
    auto path = rule ? first_item(node_at(*rule, {"http", "paths"})) : std::nullopt;
    std::string host = rule ? text_at(*rule, {"host"}) : "";
    if (!path || host.empty()) {
      unexpressed(o, "no rule with a host and a path: an app is one host");
      return;
    }
    std::string svc = text_at(*path, {"backend", "service", "name"});
    int port = number(text_at(*path, {"backend", "service", "port", "number"}));
    if (svc.empty() || port == 0) {
      unexpressed(o, "the backend is not a Service with a port number");
      return;
    }
    FragmentApp& a = app_for(o.ns, svc, port, o.name);
    a.from.push_back(o.where() + " " + o.what());
    if (!a.ingress_host.empty()) {
      a.notes.push_back(
          fmt::format("{}: a second nginx Ingress for this Service (host {}); an app "
                      "has one host",
                      o.where(), host));
      return;
    }
    a.ingress_host = host;
    std::string p = text_at(*path, {"path"});
    std::string type = text_at(*path, {"pathType"});
    if ((!p.empty() && p != "/") || (type != "Prefix" && type != "ImplementationSpecific"))
      a.notes.push_back(fmt::format("{}: path {} ({}) is written as / (Prefix)", o.where(),
                                    p.empty() ? "(none)" : p, type.empty() ? "no pathType" : type));
    if (rules->size() > 1 || node_at(*rule, {"http", "paths"})->size() > 1)
      a.notes.push_back(o.where() + ": more rules or paths than the first are not expressed");
    bool has_tls = false;
    if (auto tls = first_item(node_at(o.root, {"spec", "tls"}))) {
      has_tls = true;
      a.secret = text_at(*tls, {"secretName"});
    }
    for (const auto& [k, v] : annotations(o)) {
      if (k == "cert-manager.io/cluster-issuer") {
        a.issuer = v;
      } else if (k == "nginx.ingress.kubernetes.io/backend-protocol") {
        if (v == "HTTPS")
          a.https = true;
        else if (v != "HTTP")
          a.notes.push_back(fmt::format("{}: backend protocol {} is not expressed", o.where(), v));
      } else if (k != "kubernetes.io/ingress.class") {
        a.notes.push_back(
            fmt::format("{}: annotation {}: \"{}\" is not expressed", o.where(), k, v));
      }
    }
    if (!a.issuer.empty() && !has_tls)
      a.notes.push_back(fmt::format(
          "{}: the issuer annotation had no spec.tls, so cert-manager issued no certificate; "
          "`labgate export k8s` writes spec.tls (secret {}-tls)",
          o.where(), a.name));
    if (a.issuer.empty() && has_tls)
      a.notes.push_back(
          fmt::format("{}: spec.tls (secret {}) without a cert-manager issuer is "
                      "not expressed",
                      o.where(), a.secret));
  }

  void tailscale_ingress(const Object& o) {
    std::optional<YamlNode> backend = node_at(o.root, {"spec", "defaultBackend"});
    if (!backend) {
      auto rule = first_item(node_at(o.root, {"spec", "rules"}));
      auto path = rule ? first_item(node_at(*rule, {"http", "paths"})) : std::nullopt;
      if (path) backend = node_at(*path, {"backend"});
    }
    std::string svc = backend ? text_at(*backend, {"service", "name"}) : "";
    int port = backend ? number(text_at(*backend, {"service", "port", "number"})) : 0;
    if (svc.empty() || port == 0) {
      unexpressed(o, "the backend is not a Service with a port number");
      return;
    }
    std::string base = o.name;
    if (base.ends_with("-tailscale")) base.resize(base.size() - std::string("-tailscale").size());
    FragmentApp& a = app_for(o.ns, svc, port, base);
    a.from.push_back(o.where() + " " + o.what());
    a.tailscale = true;
    auto tls = first_item(node_at(o.root, {"spec", "tls"}));
    auto host = tls ? first_item(node_at(*tls, {"hosts"})) : std::nullopt;
    if (host && host->is_scalar())
      a.device = host->text();
    else
      a.notes.push_back(
          fmt::format("{}: no tls.hosts: the operator named the device "
                      "{}-{}-ingress; labgate names it {}",
                      o.where(), o.ns, o.name, a.name));
    for (const auto& [k, v] : annotations(o)) {
      if (k == "tailscale.com/funnel") {
        a.funnel = v == "true";
      } else if (k == "tailscale.com/tags") {
        size_t start = 0;
        while (start <= v.size()) {
          size_t comma = v.find(',', start);
          if (comma == std::string::npos) comma = v.size();
          std::string tag = v.substr(start, comma - start);
          if (!tag.empty()) a.tags.push_back(tag);
          start = comma + 1;
        }
      } else if (k == "tailscale.com/proxy-group") {
        a.proxy_group = v;
      } else {
        a.notes.push_back(
            fmt::format("{}: annotation {}: \"{}\" is not expressed", o.where(), k, v));
      }
    }
  }

  void route(const Object& o) {
    auto parent = first_item(node_at(o.root, {"spec", "parentRefs"}));
    auto rule = first_item(node_at(o.root, {"spec", "rules"}));
    auto backend = rule ? first_item(node_at(*rule, {"backendRefs"})) : std::nullopt;
    auto hostname = first_item(node_at(o.root, {"spec", "hostnames"}));
    std::string svc = backend ? text_at(*backend, {"name"}) : "";
    int port = backend ? number(text_at(*backend, {"port"})) : 0;
    if (!parent || !hostname || svc.empty() || port == 0) {
      unexpressed(o, "an HTTPRoute needs a parentRef, a hostname and a backendRef with a port");
      return;
    }
    FragmentApp& a = app_for(o.ns, svc, port, o.name);
    a.from.push_back(o.where() + " " + o.what());
    if (!a.gateway_host.empty() || !a.ingress_host.empty()) {
      a.notes.push_back(o.where() + ": a second route for this Service is not expressed");
      return;
    }
    a.gateway_name = text_at(*parent, {"name"});
    a.gateway_namespace = text_at(*parent, {"namespace"});
    if (a.gateway_namespace.empty()) a.gateway_namespace = o.ns;
    a.gateway_section = text_at(*parent, {"sectionName"});
    a.gateway_host = hostname->text();
    if (node_at(o.root, {"spec", "rules"})->size() > 1 || rule->size() > 2 ||
        node_at(*rule, {"backendRefs"})->size() > 1)
      a.notes.push_back(o.where() +
                        ": matches, filters and more rules or backends than the first "
                        "are written as one PathPrefix / rule");
  }

  // A BackendTLSPolicy says the Gateway speaks HTTPS to its Services; read now (the tree is
  // gone after the document), applied to the apps in finish() since the policy's file may come
  // before the route's (kustomization.yaml lists files in name order).
  void backend_tls_policy(const Object& o) {
    Policy p{o.file->name,
             o.line,
             o.where(),
             o.what(),
             o.ns,
             {},
             text_at(o.root, {"spec", "validation", "hostname"}),
             "",
             {}};
    auto refs = node_at(o.root, {"spec", "targetRefs"});
    for (size_t i = 0; refs && refs->is_list() && i < refs->size(); ++i) {
      YamlNode r = refs->item(i);
      std::string kind = text_at(r, {"kind"});
      std::string name = text_at(r, {"name"});
      if (kind == "Service" && text_at(r, {"group"}).empty() && !name.empty())
        p.services.push_back(name);
      else
        p.notes.push_back(fmt::format("{}: target {} {} is not expressed", o.where(),
                                      kind.empty() ? "(no kind)" : kind, name));
      if (!text_at(r, {"sectionName"}).empty())
        p.notes.push_back(fmt::format("{}: sectionName {} is written as every port of the Service",
                                      o.where(), text_at(r, {"sectionName"})));
    }
    if (auto ca = first_item(node_at(o.root, {"spec", "validation", "caCertificateRefs"}))) {
      std::string kind = text_at(*ca, {"kind"});
      if (kind == "ConfigMap" && is_label(text_at(*ca, {"name"})))
        p.ca = text_at(*ca, {"name"});
      else
        p.notes.push_back(fmt::format(
            "{}: CA {} {} is not expressed (labgate names a ConfigMap); the system CAs are "
            "written instead",
            o.where(), kind.empty() ? "(no kind)" : kind, text_at(*ca, {"name"})));
      if (node_at(o.root, {"spec", "validation", "caCertificateRefs"})->size() > 1)
        p.notes.push_back(o.where() + ": CA references after the first are not expressed");
    }
    if (node_at(o.root, {"spec", "validation", "subjectAltNames"}) ||
        node_at(o.root, {"spec", "options"}))
      p.notes.push_back(o.where() + ": subjectAltNames and options are not expressed");
    if (p.services.empty()) {
      unexpressed(o, "a BackendTLSPolicy without a Service among its targetRefs");
      return;
    }
    policies_.push_back(std::move(p));
  }

  void apply_backend_tls_policies() {
    for (const auto& p : policies_) {
      bool used = false;
      for (const auto& svc : p.services)
        for (auto& a : apps_) {
          if (a.namespace_ != p.ns || a.service != svc) continue;
          used = true;
          a.from.push_back(p.where + " " + p.what);
          a.https = true;
          a.ca = p.ca;
          std::string want = fmt::format("{}.{}.svc.cluster.local", svc, p.ns);
          if (p.hostname != want)
            a.notes.push_back(fmt::format("{}: validation.hostname {} is written as {}", p.where,
                                          p.hostname.empty() ? "(none)" : p.hostname, want));
          a.notes.insert(a.notes.end(), p.notes.begin(), p.notes.end());
        }
      if (!used)
        unexpressed_.push_back({p.line, p.what,
                                "a BackendTLSPolicy for a Service no imported Ingress or "
                                "HTTPRoute routes to",
                                p.file});
    }
  }

  void load_balancer(const Object& o) {
    FragmentService s;
    s.name = derived_name("", o.name);
    s.address = text_at(o.root, {"spec", "loadBalancerIP"});
    for (const auto& [k, v] : annotations(o))
      if (s.address.empty() &&
          (k == "metallb.universe.tf/loadBalancerIPs" || k == "metallb.io/loadBalancerIPs"))
        s.address = v.substr(0, v.find(','));
    if (s.address.empty())
      if (auto ing = first_item(node_at(o.root, {"status", "loadBalancer", "ingress"})))
        s.address = text_at(*ing, {"ip"});
    if (!parse_ipv4(s.address)) {
      unexpressed(o,
                  "no IPv4 address: set spec.loadBalancerIP, MetalLB's loadBalancerIPs "
                  "annotation, or import the live object with its status");
      return;
    }
    auto ports = node_at(o.root, {"spec", "ports"});
    for (size_t i = 0; ports && ports->is_list() && i < ports->size(); ++i) {
      YamlNode p = ports->item(i);
      FragmentPort fp;
      fp.number = number(text_at(p, {"port"}));
      std::string name = text_at(p, {"name"});
      fp.name = is_label(name) ? name : fmt::format("port-{}", fp.number);
      std::string proto = text_at(p, {"protocol"});
      fp.protocol = proto == "UDP" ? "udp" : "tcp";
      if (fp.number == 0 || (proto != "" && proto != "TCP" && proto != "UDP")) {
        unexpressed(o, fmt::format("port #{} has no number or an unknown protocol", i + 1));
        continue;
      }
      s.ports.push_back(fp);
    }
    if (s.ports.empty()) {
      unexpressed(o, "a LoadBalancer Service without ports");
      return;
    }
    services_.push_back(std::move(s));
  }

  // Apps reach the ingress controller through the service `ingress` (their default): the one
  // LoadBalancer Service with port 80 or 443 takes that name, so the fragment loads as it is.
  void name_ingress_service() {
    std::vector<size_t> web;
    for (size_t i = 0; i < services_.size(); ++i)
      for (const auto& p : services_[i].ports)
        if ((p.number == 80 || p.number == 443) && p.protocol == "tcp") {
          web.push_back(i);
          break;
        }
    if (web.size() != 1) return;
    bool taken = std::any_of(services_.begin(), services_.end(),
                             [](const FragmentService& s) { return s.name == "ingress"; });
    if (!taken) services_[web[0]].name = "ingress";
  }

  struct Policy {
    std::string file;
    int line;
    std::string where, what, ns;
    std::vector<std::string> services;  // the Services it targets (same namespace)
    std::string hostname, ca;           // ca: a ConfigMap; "": the system CAs
    std::vector<std::string> notes;
  };

  std::vector<FragmentApp> apps_;
  std::vector<Policy> policies_;
  std::map<std::string, size_t> by_backend_;
  std::set<std::string> used_names_;
  std::map<std::string, int> next_suffix_;
  std::vector<FragmentService> services_;
  std::vector<Unexpressed> unexpressed_;
};

ManifestError error_at(const ManifestFile& f, SourcePos pos, int first_line, std::string message) {
  return {f.name, {pos.line + first_line - 1, pos.column, std::move(message)}};
}

// The List an item is in: items of a typed list (IngressList, as the API returns it) may omit
// their kind and apiVersion, which are then the list's item kind and its apiVersion.
struct ListContext {
  std::string item_kind;  // "" for a plain List, whose items name their own kind
  std::string api_version;
};

// `kind: List` (what `kubectl get KIND -o yaml` prints) or a typed `*List`.
bool is_list_kind(const std::string& kind) {
  return kind.ends_with("List") && kind.size() >= 4;
}

// One object (the root of a document, or an item of a List) to the importer; a List's items
// each as if they were their own document, at their own lines. An error stops the import.
std::optional<ManifestError> read_object(Importer& importer, const ManifestFile& file,
                                         YamlNode root, int first_line, const ListContext* list) {
  std::string kind = text_at(root, {"kind"});
  std::string api_version = text_at(root, {"apiVersion"});
  if (list && kind.empty()) kind = list->item_kind;
  if (list && api_version.empty()) api_version = list->api_version;
  if (root.is_map() && is_list_kind(kind)) {
    if (list) return error_at(file, root.pos(), first_line, "a List inside a List");
    auto items = get(root, "items");
    if (!items || !(items->is_list() || items->is_null()))
      return error_at(file, items ? items->pos() : root.pos(), first_line,
                      "a " + kind + " needs 'items', a list of objects");
    ListContext inner{kind == "List" ? "" : kind.substr(0, kind.size() - 4), api_version};
    for (size_t i = 0; items->is_list() && i < items->size(); ++i)
      if (auto e = read_object(importer, file, items->item(i), first_line, &inner)) return e;
    return std::nullopt;
  }
  Object o{&file,
           root,
           root.pos().line + first_line - 1,
           kind,
           text_at(root, {"metadata", "name"}),
           text_at(root, {"metadata", "namespace"})};
  if (!root.is_map() || api_version.empty() || o.kind.empty() || o.name.empty())
    return error_at(file, root.pos(), first_line,
                    "not a Kubernetes object: apiVersion, kind and metadata.name are required");
  if (o.ns.empty()) o.ns = "default";
  importer.object(o);
  return std::nullopt;
}

}  // namespace

K8sImport import_k8s(const std::vector<ManifestFile>& files) {
  K8sImport out;
  Importer importer;
  for (const auto& file : files) {
    for (const auto& doc : split_documents(file.text)) {
      YamlTree tree;
      YamlTree::Error e;
      if (!tree.parse(doc.text, &e)) {
        out.error = error_at(file, e.pos, doc.first_line, e.message);
        return out;
      }
      YamlNode root = tree.root();
      if (root.is_null()) continue;  // an empty document (a leading or trailing ---)
      // kustomize's own file is no object of the cluster (a directory's is followed instead).
      if (text_at(root, {"kind"}) == "Kustomization") continue;
      if (auto stop = read_object(importer, file, root, doc.first_line, nullptr)) {
        out.error = std::move(stop);
        return out;
      }
    }
  }
  out.fragment = importer.finish();
  return out;
}

KustomizationResources kustomization_resources(const ManifestFile& file) {
  KustomizationResources out;
  YamlTree tree;
  YamlTree::Error e;
  if (!tree.parse(file.text, &e)) {
    out.error = error_at(file, e.pos, 1, e.message);
    return out;
  }
  auto resources = get(tree.root(), "resources");
  if (!resources || resources->is_null()) return out;
  if (!resources->is_list()) {
    out.error = error_at(file, resources->pos(), 1, "'resources' must be a list of paths");
    return out;
  }
  for (size_t i = 0; i < resources->size(); ++i) {
    YamlNode r = resources->item(i);
    if (!r.is_scalar()) {
      out.error = error_at(file, r.pos(), 1, "a resource must be a path");
      return out;
    }
    out.resources.push_back(r.text());
  }
  return out;
}

}  // namespace labgate::importers
