// The `zones` section: name -> { networks: [NETWORK...], intra: accept|drop } (docs/config.md,
// "zones"; docs/zones.md). `intra` is required: traffic inside a zone is never accepted by
// default without the file saying so.
#include <array>

#include <fmt/format.h>

#include "topology/load_context.h"

namespace labgate {
namespace {

bool read_networks(LoadContext& cx, YamlNode v, const std::string& path, Zone& z) {
  if (!v.is_list()) {
    cx.wrong_type(path, fmt::format("'networks' must be a list of networks, not {}", kind_name(v)),
                  "write e.g. 'networks: [users]'");
    return false;
  }
  bool ok = true;
  for (size_t k = 0; k < v.size(); ++k) {
    std::string item = fmt::format("{}.{}", path, k);
    cx.where().set_value(item, v.item(k).pos());
    auto r = cx.reference(v.item(k), item, "network");
    if (r)
      z.networks.push_back(std::move(*r));
    else
      ok = false;
  }
  return ok;
}

bool read_intra(LoadContext& cx, YamlNode v, const std::string& path, Zone& z) {
  static constexpr std::array<std::string_view, 2> kChoices = {"accept", "drop"};
  auto text = cx.choice(v, path, "intra", kChoices);
  if (text) z.intra_accept = *text == "accept";
  return text.has_value();
}

constexpr std::array<KeyRule<Zone>, 2> kZoneKeys = {{
    {"networks", true, read_networks},
    {"intra", true, read_intra},
}};

}  // namespace

void load_zones(LoadContext& cx, YamlNode section) {
  auto& zones = cx.topology().zones;
  for (const auto& [name, n] : cx.named_entries(section, "zones", "zone")) {
    Zone z;
    z.name = name;
    if (name == kGatewayZone) {
      cx.bad_value(
          "zones." + name,
          fmt::format("'{}' is reserved: it names the gateway itself in policies", kGatewayZone),
          "give the zone another name");
      z.ok = false;
    }
    z.ok &= cx.read_object<Zone>(n, "zones." + name, Noun("zone", name), kZoneKeys, z);
    zones.push_back(std::move(z));
  }
}

}  // namespace labgate
