#include "status/status_json.h"

#include <cmath>
#include <map>

#include <fmt/format.h>

namespace labgate::status {
namespace {

using daemon::MetricFamily;
using daemon::Sample;
using nlohmann::ordered_json;

// Whole values as integers (counters read "5", not "5.0"); others as they are.
ordered_json number(double v) {
  if (v >= 0 && v < 9e15 && std::floor(v) == v) return static_cast<uint64_t>(v);
  return v;
}

const std::string* label(const Sample& s, const std::string& key) {
  for (const auto& [k, v] : s.labels)
    if (k == key) return &v;
  return nullptr;
}

const MetricFamily* family(const std::vector<MetricFamily>& families, const std::string& name) {
  for (const auto& f : families)
    if (f.name == name) return &f;
  return nullptr;
}

// The sum of a family's series (those labelled key=value, when key is given), or null when
// nothing exports it.
ordered_json total(const std::vector<MetricFamily>& families, const std::string& name,
                   const std::string& key = "", const std::string& value = "") {
  const MetricFamily* f = family(families, name);
  if (!f) return nullptr;
  double sum = 0;
  for (const auto& s : f->samples) {
    const std::string* v = key.empty() ? nullptr : label(s, key);
    if (key.empty() || (v && *v == value)) sum += s.value;
  }
  return number(sum);
}

// The family's series summed per value of `key` (series without it are left out), in name order.
ordered_json by_label(const MetricFamily* f, const std::string& key) {
  std::map<std::string, double> sums;
  if (f)
    for (const auto& s : f->samples)
      if (const std::string* v = label(s, key)) sums[*v] += s.value;
  ordered_json out = ordered_json::object();
  for (const auto& [k, v] : sums) out[k] = number(v);
  return out;
}

bool counts_forwards(const std::string& name) {
  return name.starts_with("labgate_proxy_") || name.starts_with("labgate_kernel_forward_");
}

// Every labgate_proxy_* / labgate_kernel_forward_* series of forward `forward` (and, when `backend`
// is given, of that backend; otherwise of no backend), summed per name without the "labgate_"
// prefix.
ordered_json counters_of(const std::vector<MetricFamily>& families, const std::string& forward,
                         const std::vector<std::string>& backend) {
  std::map<std::string, double> sums;
  for (const auto& f : families) {
    if (!counts_forwards(f.name) || f.name == kBackendUp ||
        f.type == daemon::MetricType::kHistogram)
      continue;
    for (const auto& s : f.samples) {
      const std::string* fw = label(s, "forward");
      if (!fw || *fw != forward) continue;
      const std::string* b = label(s, "backend");
      bool match = backend.empty()
                       ? b == nullptr
                       : b && std::find(backend.begin(), backend.end(), *b) != backend.end();
      if (match) sums[f.name.substr(std::string("labgate_").size())] += s.value;
    }
  }
  ordered_json out = ordered_json::object();
  for (const auto& [k, v] : sums) out[k] = number(v);
  return out;
}

// "up", "down" or "unchecked", from the backend_up series of this forward and backend. A forward
// without active checks reports its backends up (labgate_proxy_backend_up is 1 without checks):
// that is "unchecked" unless something marked one down.
std::string health(const std::vector<MetricFamily>& families, const ResolvedForward& fw_plan,
                   const std::string& forward, const std::vector<std::string>& backend) {
  const MetricFamily* up = family(families, kBackendUp);
  if (!up) return "unchecked";
  for (const auto& s : up->samples) {
    const std::string* fw = label(s, "forward");
    const std::string* b = label(s, "backend");
    if (fw && *fw == forward && b && std::find(backend.begin(), backend.end(), *b) != backend.end())
      return s.value <= 0 ? "down" : (fw_plan.proxy.health_interval_ms > 0 ? "up" : "unchecked");
  }
  return "unchecked";
}

ordered_json forward_json(const ResolvedForward& f, const std::vector<MetricFamily>& families) {
  const std::string name = f.label();
  ordered_json j;
  j["name"] = name;
  j["network"] = f.listen_network;
  j["listen"] = fmt::format("{}:{}", f.listen_address.str(), f.listen_port);
  j["protocol"] = to_string(f.protocol);
  j["datapath"] = to_string(f.datapath);
  j["counters"] = counters_of(families, name, {});
  j["targets"] = ordered_json::array();
  for (const auto& t : f.targets()) {
    const std::string address = fmt::format("{}:{}", t.address.str(), t.port);
    // A backend label may name the address or the service's port; both are accepted.
    const std::vector<std::string> names = {address,
                                            fmt::format("{}:{}", t.service, t.service_port)};
    ordered_json target;
    target["service"] = t.service;
    target["port"] = t.service_port;
    target["address"] = address;
    target["health"] = health(families, f, name, names);
    target["counters"] = counters_of(families, name, names);
    j["targets"].push_back(std::move(target));
  }
  return j;
}

ordered_json dns_json(const DnsPlan& dns, const std::vector<MetricFamily>& families) {
  ordered_json j;
  j["enabled"] = dns.enabled;
  j["zone"] = dns.zone;
  ordered_json answers = total(families, kDnsAnswers);
  j["queries_total"] = answers.is_null() ? total(families, kDnsResponses) : answers;
  j["by_view"] = by_label(family(families, kDnsAnswers), "view");
  j["by_rcode"] = by_label(family(families, kDnsAnswers), "rcode");
  ordered_json cache;
  cache["hits_total"] = total(families, kDnsCacheLookups, "result", "hit");
  cache["misses_total"] = total(families, kDnsCacheLookups, "result", "miss");
  cache["stale_total"] = total(families, kDnsStale);
  cache["entries"] = total(families, kDnsCacheEntries);
  cache["capacity"] = total(families, kDnsCacheCapacity);
  j["cache"] = std::move(cache);
  return j;
}

}  // namespace

ordered_json status_json(const Plan& plan, const StatusInputs& in) {
  ordered_json j;
  j["schema_version"] = 1;
  j["gateway"] = in.gateway;
  j["time"] = in.now;
  j["refresh_seconds"] = in.refresh_seconds;
  j["forwards"] = ordered_json::array();
  for (const auto& f : plan.forwarding.forwards)
    j["forwards"].push_back(forward_json(f, in.metrics));
  j["dns"] = dns_json(plan.dns, in.metrics);
  j["query_log"] = {{"enabled", in.query_log_entries > 0}, {"entries", in.query_log_entries}};
  j["verify"] = in.verify ? *in.verify : ordered_json(nullptr);
  return j;
}

}  // namespace labgate::status
