#include "k8s/doctor.h"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace labgate::k8s {
namespace {

using Json = nlohmann::json;

// One run's answers, fetched once per path and parsed; a failure keeps the reason.
class Cache {
 public:
  explicit Cache(KubeApi& api) : api_(api) {}

  // The items of a List at `path`, or the reason there are none.
  const Result<Json>& items(const std::string& path) {
    auto it = cache_.find(path);
    if (it == cache_.end()) it = cache_.emplace(path, fetch(path)).first;
    return it->second;
  }

 private:
  Result<Json> fetch(const std::string& path) {
    auto body = api_.get(path);
    if (!body) return Result<Json>::failure(body.error());
    Json j = Json::parse(*body, nullptr, false);
    if (j.is_discarded() || !j.is_object())
      return Result<Json>::failure(fmt::format("GET {}: the answer is not a JSON object", path));
    auto items = j.find("items");
    if (items == j.end() || !items->is_array())
      return Result<Json>::failure(fmt::format("GET {}: the answer has no items list", path));
    return Json(*items);
  }

  KubeApi& api_;
  std::map<std::string, Result<Json>> cache_;
};

// The scalar at a JSON pointer as text, or "" (a missing step or another type).
std::string str(const Json& j, const char* pointer) {
  Json::json_pointer p(pointer);
  if (!j.contains(p)) return "";
  const Json& v = j.at(p);
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return std::to_string(v.get<long long>());
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  return "";
}

const Json* find_named(const Json& items, const std::string& name) {
  for (const auto& item : items)
    if (item.is_object() && str(item, "/metadata/name") == name) return &item;
  return nullptr;
}

std::string or_dash(const std::string& s) {
  return s.empty() ? "-" : s;
}

std::string ingress_text(const std::string& cls, const std::string& host, const std::string& tls,
                         const std::string& service, const std::string& port) {
  return fmt::format("class={} host={} tls={} backend={}:{}", or_dash(cls), or_dash(host),
                     or_dash(tls), or_dash(service), or_dash(port));
}

std::string route_text(const std::string& parent, const std::string& host,
                       const std::string& service, const std::string& port) {
  return fmt::format("parent={} host={} backend={}:{}", or_dash(parent), or_dash(host),
                     or_dash(service), or_dash(port));
}

std::string ingresses_path(const std::string& ns) {
  return "/apis/networking.k8s.io/v1/namespaces/" + ns + "/ingresses";
}

class Doctor {
 public:
  explicit Doctor(KubeApi& api) : cache_(api) {}

  std::vector<DoctorCheck> run(const std::vector<AppPlan>& apps) {
    ingress_classes(apps);
    gateways(apps);
    for (const auto& app : apps) {
      if (app.ingress) nginx_ingress(app);
      if (app.gateway) http_route(app);
      if (app.tls && (app.ingress || app.gateway)) certificate(app);
      if (app.backend_tls_policy()) backend_tls_policy(app);
      if (app.ingress || app.gateway || app.tailscale) endpoints(app);
      if (app.tailscale) tailscale(app);
    }
    warnings(apps);
    return std::move(checks_);
  }

 private:
  void add(std::string name, std::string expected, std::string observed, bool pass,
           std::string hint) {
    checks_.push_back({std::move(name), std::move(expected), std::move(observed), pass,
                       pass ? std::string() : std::move(hint)});
  }

  // The object `name` of the List at `path`: nullptr and a failed check when absent.
  const Json* object(const std::string& check, const std::string& expected, const std::string& path,
                     const std::string& name, const std::string& hint) {
    const auto& items = cache_.items(path);
    if (!items) {
      add(check, expected, items.error(), false, hint);
      return nullptr;
    }
    const Json* o = find_named(*items, name);
    if (!o) add(check, expected, "missing", false, hint);
    return o;
  }

  void ingress_classes(const std::vector<AppPlan>& apps) {
    std::set<std::string> classes;
    for (const auto& app : apps) {
      if (app.ingress) classes.insert(app.ingress->ingress_class);
      if (app.tailscale) classes.insert("tailscale");
    }
    for (const auto& cls : classes) {
      std::string check = "ingressclass " + cls;
      std::string hint = cls == "tailscale"
                             ? "install the Tailscale operator (it creates IngressClass tailscale)"
                             : "install the " + cls + " ingress controller";
      if (object(check, "present", "/apis/networking.k8s.io/v1/ingressclasses", cls, hint))
        add(check, "present", "present", true, "");
    }
  }

  // The Gateways the apps' routes attach to: each exists and its controller has programmed it
  // (status condition Programmed=True: listeners and addresses in the data plane).
  void gateways(const std::vector<AppPlan>& apps) {
    std::set<std::pair<std::string, std::string>> seen;  // (namespace, name)
    for (const auto& app : apps) {
      if (!app.gateway || !seen.emplace(app.gateway->namespace_, app.gateway->name).second)
        continue;
      const AppGateway& g = *app.gateway;
      std::string check = fmt::format("gateway {}/{}", g.namespace_, g.name);
      std::string hint = fmt::format(
          "kubectl -n {} describe gateway {} (is its GatewayClass's controller running?)",
          g.namespace_, g.name);
      const Json* o =
          object(check, "Programmed=True",
                 "/apis/gateway.networking.k8s.io/v1/namespaces/" + g.namespace_ + "/gateways",
                 g.name, hint);
      if (!o) continue;
      std::string have = condition_text(o->value("status", Json::object()), "Programmed");
      add(check, "Programmed=True", have, have == "Programmed=True", hint);
    }
  }

  // "TYPE=STATUS", with "(REASON: message)" when not True; "TYPE unset" when absent.
  static std::string condition_text(const Json& status, const std::string& type) {
    auto conditions = status.find("conditions");
    if (status.is_object() && conditions != status.end() && conditions->is_array())
      for (const auto& c : *conditions) {
        if (!c.is_object() || str(c, "/type") != type) continue;
        std::string s = str(c, "/status");
        if (s == "True") return type + "=True";
        return fmt::format("{}={} ({}: {})", type, or_dash(s), or_dash(str(c, "/reason")),
                           or_dash(str(c, "/message")));
      }
    return type + " unset";
  }

  // The route's status from its Gateway: the parents[] entry for that Gateway has Accepted and
  // ResolvedRefs True (attached to a listener; its backend Service found).
  void route_status(const AppPlan& app, const Json& route) {
    const AppGateway& g = *app.gateway;
    const std::string& ns = app.backend.namespace_;
    std::string check = fmt::format("httproute status {}/{}", ns, app.route_object());
    std::string want = "Accepted=True ResolvedRefs=True";
    std::string hint = fmt::format("kubectl -n {} describe httproute {}", ns, app.route_object());
    const Json* parent = nullptr;
    const Json::json_pointer parents_at("/status/parents");
    if (route.contains(parents_at) && route.at(parents_at).is_array())
      for (const auto& p : route.at(parents_at)) {
        if (!p.is_object()) continue;
        std::string pns = str(p, "/parentRef/namespace");
        if (str(p, "/parentRef/name") == g.name && (pns.empty() ? ns : pns) == g.namespace_) {
          parent = &p;
          break;
        }
      }
    if (!parent) {
      add(check, want, "no status from gateway " + g.namespace_ + "/" + g.name, false, hint);
      return;
    }
    std::string have =
        condition_text(*parent, "Accepted") + " " + condition_text(*parent, "ResolvedRefs");
    add(check, want, have, have == want, hint);
  }

  void nginx_ingress(const AppPlan& app) {
    const std::string& ns = app.backend.namespace_;
    std::string check = fmt::format("ingress {}/{}", ns, app.route_object());
    std::string want =
        ingress_text(app.ingress->ingress_class, app.host, app.tls ? app.tls->secret : "",
                     app.backend.name, std::to_string(app.backend.port));
    std::string hint = "labgate export k8s -o DIR && kubectl apply -k DIR";
    const Json* o = object(check, want, ingresses_path(ns), app.route_object(), hint);
    if (!o) return;
    const char* svc = "/spec/rules/0/http/paths/0/backend/service";
    std::string have = ingress_text(
        str(*o, "/spec/ingressClassName"), str(*o, "/spec/rules/0/host"),
        str(*o, "/spec/tls/0/secretName"), str(*o, (std::string(svc) + "/name").c_str()),
        str(*o, (std::string(svc) + "/port/number").c_str()));
    add(check, want, have, have == want, hint);
  }

  void http_route(const AppPlan& app) {
    const std::string& ns = app.backend.namespace_;
    std::string check = fmt::format("httproute {}/{}", ns, app.route_object());
    std::string want = route_text(app.gateway->namespace_ + "/" + app.gateway->name, app.host,
                                  app.backend.name, std::to_string(app.backend.port));
    std::string hint = "labgate export k8s -o DIR && kubectl apply -k DIR";
    const Json* o =
        object(check, want, "/apis/gateway.networking.k8s.io/v1/namespaces/" + ns + "/httproutes",
               app.route_object(), hint);
    if (!o) return;
    std::string parent_ns = str(*o, "/spec/parentRefs/0/namespace");
    if (parent_ns.empty()) parent_ns = ns;  // the route's own namespace by default
    std::string have = route_text(
        parent_ns + "/" + str(*o, "/spec/parentRefs/0/name"), str(*o, "/spec/hostnames/0"),
        str(*o, "/spec/rules/0/backendRefs/0/name"), str(*o, "/spec/rules/0/backendRefs/0/port"));
    add(check, want, have, have == want, hint);
    route_status(app, *o);
  }

  // cert-manager's Certificate for the app's host (k8s/manifests.h; AppPlan::certificate_object):
  // present and its Ready condition True, i.e. the Secret holds a valid, unexpired certificate
  // (cert-manager.io/v1 Certificate status.conditions). Read from the namespace's list, so a
  // cluster without cert-manager's CRDs fails with the list's HTTP 404 rather than "missing".
  void certificate(const AppPlan& app) {
    const std::string ns = app.certificate_namespace();
    const std::string name = app.certificate_object();
    std::string check = fmt::format("certificate {}/{}", ns, name);
    std::string hint = fmt::format(
        "kubectl -n {} describe certificate {}; kubectl describe clusterissuer {} (does it exist, "
        "is it Ready?)",
        ns, name, app.tls->issuer);
    const Json* o =
        object(check, "Ready=True", "/apis/cert-manager.io/v1/namespaces/" + ns + "/certificates",
               name, hint);
    if (!o) return;
    std::string have = condition_text(o->value("status", Json::object()), "Ready");
    add(check, "Ready=True", have, have == "Ready=True", hint);
  }

  // An HTTPS backend's BackendTLSPolicy: present, for the Service, with the hostname and CA
  // export writes (without it the Gateway speaks plain HTTP to the TLS port).
  void backend_tls_policy(const AppPlan& app) {
    const std::string& ns = app.backend.namespace_;
    std::string check = fmt::format("backendtlspolicy {}/{}", ns, app.name);
    auto text = [](const std::string& service, const std::string& host, const std::string& ca) {
      return fmt::format("target={} hostname={} ca={}", or_dash(service), or_dash(host),
                         or_dash(ca));
    };
    std::string want = text(app.backend.name, app.backend_dns_name(),
                            app.backend.ca.empty() ? "System" : "ConfigMap/" + app.backend.ca);
    std::string hint = "labgate export k8s -o DIR && kubectl apply -k DIR";
    const Json* o = object(
        check, want, "/apis/gateway.networking.k8s.io/v1/namespaces/" + ns + "/backendtlspolicies",
        app.name, hint);
    if (!o) return;
    std::string ca = str(*o, "/spec/validation/wellKnownCACertificates");
    if (ca.empty() && !str(*o, "/spec/validation/caCertificateRefs/0/name").empty())
      ca = str(*o, "/spec/validation/caCertificateRefs/0/kind") + "/" +
           str(*o, "/spec/validation/caCertificateRefs/0/name");
    std::string target =
        str(*o, "/spec/targetRefs/0/kind") == "Service" ? str(*o, "/spec/targetRefs/0/name") : "";
    std::string have = text(target, str(*o, "/spec/validation/hostname"), ca);
    add(check, want, have, have == want, hint);
  }

  void endpoints(const AppPlan& app) {
    const auto& b = app.backend;
    std::string check = fmt::format("endpoints {}/{}", b.namespace_, b.name);
    std::string path = fmt::format(
        "/apis/discovery.k8s.io/v1/namespaces/{}/endpointslices?labelSelector="
        "kubernetes.io/service-name={}",
        b.namespace_, b.name);
    std::string hint =
        fmt::format("the Service's pods are not ready: kubectl -n {} describe service {}",
                    b.namespace_, b.name);
    const auto& items = cache_.items(path);
    if (!items) {
      add(check, ">= 1 ready", items.error(), false, hint);
      return;
    }
    size_t ready = 0;
    for (const auto& slice : *items) {
      if (!slice.is_object() || !slice.contains("endpoints") || !slice["endpoints"].is_array())
        continue;
      for (const auto& e : slice["endpoints"]) {
        // The API reference: a nil `ready` is to be read as ready.
        std::string r = str(e, "/conditions/ready");
        if (r.empty() || r == "true") ++ready;
      }
    }
    add(check, ">= 1 ready", fmt::format("{} ready", ready), ready > 0, hint);
  }

  void tailscale(const AppPlan& app) {
    const std::string& ns = app.backend.namespace_;
    const std::string name = app.tailscale_object();
    const std::string& device = app.tailscale->device;
    std::string check = fmt::format("ingress {}/{}", ns, name);
    std::string want =
        ingress_text("tailscale", device, "", app.backend.name, std::to_string(app.backend.port));
    std::string hint = "labgate export k8s -o DIR && kubectl apply -k DIR";
    const Json* o = object(check, want, ingresses_path(ns), name, hint);
    if (o) {
      std::string have =
          ingress_text(str(*o, "/spec/ingressClassName"), str(*o, "/spec/tls/0/hosts/0"), "",
                       str(*o, "/spec/defaultBackend/service/name"),
                       str(*o, "/spec/defaultBackend/service/port/number"));
      add(check, want, have, have == want, hint);
      std::string host = str(*o, "/status/loadBalancer/ingress/0/hostname");
      add(fmt::format("tailscale hostname {}/{}", ns, name), device + ".<tailnet>.ts.net",
          host.empty() ? "unset" : host,
          host.starts_with(device + ".") && host.ends_with(".ts.net"),
          "enable HTTPS (MagicDNS certificates) on the tailnet; see the operator's events");
    }
    proxy_pod(ns, name);
  }

  // The operator's proxy for an Ingress: a pod in `tailscale` labelled with its parent.
  void proxy_pod(const std::string& ns, const std::string& name) {
    std::string check = fmt::format("tailscale proxy {}/{}", ns, name);
    std::string hint = "kubectl -n tailscale get pods; kubectl -n tailscale logs deploy/operator";
    const auto& pods = cache_.items("/api/v1/namespaces/tailscale/pods");
    if (!pods) {
      add(check, "Running", pods.error(), false, hint);
      return;
    }
    std::string phase;
    for (const auto& pod : *pods) {
      if (!pod.is_object()) continue;
      if (str(pod, "/metadata/labels/tailscale.com~1parent-resource") != name ||
          str(pod, "/metadata/labels/tailscale.com~1parent-resource-ns") != ns)
        continue;
      phase = str(pod, "/status/phase");
      if (phase == "Running") break;
    }
    add(check, "Running", phase.empty() ? "no pod" : phase, phase == "Running", hint);
  }

  // Warning events: all of the tailscale namespace's, and those about the apps' objects.
  void warnings(const std::vector<AppPlan>& apps) {
    std::map<std::string, std::set<std::string>> ours;  // namespace -> object names
    for (const auto& app : apps) {
      if (!app.ingress && !app.gateway && !app.tailscale) continue;
      auto& names = ours[app.backend.namespace_];
      names.insert(app.route_object());
      if (app.tailscale) names.insert(app.tailscale_object());
    }
    bool any_tailscale = std::any_of(apps.begin(), apps.end(),
                                     [](const AppPlan& a) { return a.tailscale.has_value(); });
    if (any_tailscale) event_check("tailscale", nullptr);
    for (const auto& [ns, names] : ours)
      if (ns != "tailscale") event_check(ns, &names);
  }

  void event_check(const std::string& ns, const std::set<std::string>* names) {
    std::string check = "warnings " + ns;
    std::string hint = fmt::format("kubectl -n {} get events --field-selector type=Warning", ns);
    const auto& events = cache_.items("/api/v1/namespaces/" + ns + "/events");
    if (!events) {
      add(check, "no Warning events", events.error(), false, hint);
      return;
    }
    std::vector<std::string> seen;
    for (const auto& e : *events) {
      if (!e.is_object() || str(e, "/type") != "Warning") continue;
      std::string object = str(e, "/involvedObject/name");
      if (names && !names->contains(object)) continue;
      seen.push_back(fmt::format("{} {}/{}: {}", str(e, "/reason"), str(e, "/involvedObject/kind"),
                                 object, str(e, "/message")));
    }
    std::string observed = "none";
    if (!seen.empty()) {
      observed.clear();
      for (const auto& s : seen) observed += (observed.empty() ? "" : "; ") + s;
    }
    add(check, "no Warning events", observed, seen.empty(), hint);
  }

  Cache cache_;
  std::vector<DoctorCheck> checks_;
};

}  // namespace

std::vector<DoctorCheck> run_doctor(const std::vector<AppPlan>& apps, KubeApi& api) {
  return Doctor(api).run(apps);
}

DoctorCheck check_api_reachable(KubeApi& api, const std::string& label) {
  DoctorCheck c{"api reachable " + label, "GET /version answers", "", false,
                "check the address, the certificate (the kubeconfig's CA) and the forward to the "
                "API VIP"};
  auto body = api.get("/version");
  if (!body) {
    c.observed = body.error();
    return c;
  }
  Json j = Json::parse(*body, nullptr, false);
  std::string version = j.is_object() ? str(j, "/gitVersion") : "";
  c.pass = !version.empty();
  c.observed = c.pass ? version : "an answer without gitVersion";
  if (c.pass) c.hint.clear();
  return c;
}

bool all_pass(const std::vector<DoctorCheck>& checks) {
  return std::all_of(checks.begin(), checks.end(), [](const DoctorCheck& c) { return c.pass; });
}

std::string doctor_table(const std::vector<DoctorCheck>& checks) {
  std::vector<std::string> head = {"CHECK", "EXPECTED", "OBSERVED", "RESULT"};
  std::vector<size_t> width(head.size());
  for (size_t c = 0; c < head.size(); ++c) width[c] = head[c].size();
  for (const auto& k : checks) {
    width[0] = std::max(width[0], k.name.size());
    width[1] = std::max(width[1], k.expected.size());
    width[2] = std::max(width[2], k.observed.size());
  }
  std::string out;
  auto line = [&](const std::string& a, const std::string& b, const std::string& c,
                  const std::string& d) {
    out += fmt::format("{:<{}}  {:<{}}  {:<{}}  {}\n", a, width[0], b, width[1], c, width[2], d);
  };
  line(head[0], head[1], head[2], head[3]);
  size_t failed = 0;
  for (const auto& k : checks) {
    line(k.name, k.expected, k.observed, k.pass ? "PASS" : "FAIL");
    if (!k.pass) {
      ++failed;
      if (!k.hint.empty()) out += "  hint: " + k.hint + "\n";
    }
  }
  out += fmt::format("{} checks: {} passed, {} failed\n", checks.size(), checks.size() - failed,
                     failed);
  return out;
}

std::string doctor_json(const std::vector<DoctorCheck>& checks) {
  nlohmann::ordered_json j;
  j["checks"] = nlohmann::ordered_json::array();
  for (const auto& k : checks)
    j["checks"].push_back({{"check", k.name},
                           {"expected", k.expected},
                           {"observed", k.observed},
                           {"pass", k.pass},
                           {"hint", k.hint}});
  j["pass"] = all_pass(checks);
  return j.dump(2) + "\n";
}

}  // namespace labgate::k8s
