// The top level of the document (docs/config.md, "The keys"): version, gateway, and the sections,
// each read by its own load_<section>.cc.
#include <array>

#include "topology/load_context.h"

namespace labgate {
namespace {

bool read_version(LoadContext& cx, YamlNode v, const std::string& path, Topology&) {
  cx.integer(v, path, 1, 1, "'version'");
  return true;
}

bool read_gateway_name(LoadContext& cx, YamlNode v, const std::string& path, Topology& t) {
  if (auto name = cx.reference(v, path, "gateway")) t.gateway_name = *name;
  return true;
}

constexpr std::array<KeyRule<Topology>, 1> kGatewayKeys = {{
    {"name", false, read_gateway_name},
}};

bool read_gateway(LoadContext& cx, YamlNode v, const std::string& path, Topology& t) {
  cx.read_object<Topology>(v, path, "'gateway'", kGatewayKeys, t, /*read_if_keys_wrong=*/false);
  return true;
}

// Each section reports its own problems; the top level's "ok" is not used.
template <void (*load)(LoadContext&, YamlNode)>
bool section(LoadContext& cx, YamlNode v, const std::string&, Topology&) {
  load(cx, v);
  return true;
}

constexpr std::array<KeyRule<Topology>, 12> kTopLevelKeys = {{
    {"version", false, read_version},
    {"gateway", false, read_gateway},
    {"networks", true, section<load_networks>},
    {"hosts", false, section<load_hosts>},
    {"pools", false, section<load_pools>},
    {"services", false, section<load_services>},
    {"forwards", false, section<load_forwards>},
    {"dns", false, section<load_dns>},
    {"http", false, section<load_http>},
    {"zones", false, section<load_zones>},
    {"policies", false, section<load_policies>},
    {"apps", false, section<load_apps>},
}};

}  // namespace

void load_document(LoadContext& cx, YamlNode root) {
  if (root.is_null()) {
    cx.diagnostics().error({1, 1}, "empty-file", "the file is empty",
                           "describe at least one network; see examples/homelab.yaml");
    return;
  }
  cx.read_object<Topology>(root, "", "the top level", kTopLevelKeys, cx.topology());
}

}  // namespace labgate
