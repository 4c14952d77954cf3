#include "k8s/infra.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace labgate::k8s {
namespace {

using Json = nlohmann::ordered_json;

Json address_or_null(const std::optional<IpAddress>& a) {
  return a ? Json(a->str()) : Json(nullptr);
}

std::string talos_node(const PlannedNode& n, const std::string& link) {
  std::string out = fmt::format(
      "# {}: written by `labgate export talos`; edit labgate.yaml, not this file.\n"
      "apiVersion: v1alpha1\nkind: LinkConfig\nname: {}\naddresses:\n  - address: {}/{}\n",
      n.name, link, n.address.str(), n.prefix_length);
  if (n.default_gateway) out += fmt::format("routes:\n  - gateway: {}\n", n.default_gateway->str());
  if (n.nameserver)
    out += fmt::format(
        "---\napiVersion: v1alpha1\nkind: ResolverConfig\nnameservers:\n  - address: {}\n",
        n.nameserver->str());
  for (const auto& vip : n.vips)
    out += fmt::format("---\napiVersion: v1alpha1\nkind: Layer2VIPConfig\nname: {}\nlink: {}\n",
                       vip.str(), link);
  return out;
}

}  // namespace

std::string render_tfvars(const NodePlan& plan) {
  Json hosts = Json::object();
  for (const auto& n : plan.nodes)
    hosts[n.name] = {{"network", n.network},
                     {"address", n.address.str()},
                     {"prefix_length", n.prefix_length},
                     {"gateway", address_or_null(n.default_gateway)},
                     {"nameserver", address_or_null(n.nameserver)},
                     {"control_plane", n.control_plane}};
  Json vips = Json::object();
  for (const auto& v : plan.vips)
    vips[v.name] = {{"address", v.address.str()}, {"held_by", v.held_by}};
  Json pools = Json::object();
  for (const auto& p : plan.pools)
    pools[p.name] = {
        {"network", p.network}, {"first", p.range.first.str()}, {"last", p.range.last.str()}};
  Json out = {
      {"hosts", hosts},
      {"api_vip", plan.vips.empty() ? Json(nullptr) : Json(plan.vips.front().address.str())},
      {"vips", vips},
      {"pools", pools}};
  return out.dump(2) + "\n";
}

std::optional<std::string> render_talos(const NodePlan& plan, const std::string& name,
                                        const std::string& link) {
  if (!name.empty()) {
    const PlannedNode* n = plan.node(name);
    if (!n) return std::nullopt;
    return talos_node(*n, link);
  }
  std::string out;
  for (size_t i = 0; i < plan.nodes.size(); ++i)
    out += (i ? "---\n" : "") + talos_node(plan.nodes[i], link);
  return out;
}

}  // namespace labgate::k8s
