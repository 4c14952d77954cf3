// The `networks` section: name -> { interface, subnet, address, router, uplink, masquerade,
// inbound, vlan } (docs/config.md, "networks").
#include <array>

#include <fmt/format.h>

#include "net/names.h"
#include "topology/load_context.h"

namespace labgate {
namespace {

bool read_interface(LoadContext& cx, YamlNode v, const std::string& path, Network& net) {
  auto text = cx.scalar(v, path, "'interface'");
  if (!text) return false;
  if (!is_interface_name(*text)) {
    cx.bad_value(path, fmt::format("'{}' is not a valid interface name", shown(*text)),
                 "use 1-15 characters without '/', ':' or spaces, e.g. vmbr0");
    return false;
  }
  net.interface = *text;
  return true;
}

bool read_subnet(LoadContext& cx, YamlNode v, const std::string& path, Network& net) {
  auto p = cx.prefix(v, path, "'subnet'");
  if (p) net.subnet = *p;
  return p.has_value();
}

bool read_router(LoadContext& cx, YamlNode v, const std::string& path, Network& net) {
  net.router = cx.address(v, path);
  return net.router.has_value();
}

// A wrong `inbound` leaves the default (drop) and the network ok: no rule depends on it.
bool read_inbound(LoadContext& cx, YamlNode v, const std::string& path, Network& net) {
  static constexpr std::array<std::string_view, 2> kChoices = {"drop", "accept"};
  auto text = cx.choice(v, path, "inbound", kChoices);
  if (text) net.inbound = *text == "accept" ? InboundPolicy::kAccept : InboundPolicy::kDrop;
  net.inbound_given = true;
  return true;
}

// { id, trunk }: the network is VLAN `id` (1-4094) tagged on `trunk`.
bool read_vlan(LoadContext& cx, YamlNode v, const std::string& path, Network& net) {
  static constexpr std::array<std::string_view, 2> kKeys = {"id", "trunk"};
  FoundKeys found = cx.closed_map(v, path, "'vlan'", kKeys, kKeys);
  if (!found.keys_ok) return false;
  auto id = cx.integer(*found.values[0], path + ".id", 1, 4094, "a VLAN id");
  auto trunk = cx.scalar(*found.values[1], path + ".trunk", "'trunk'");
  if (trunk && !is_interface_name(*trunk)) {
    cx.bad_value(path + ".trunk", fmt::format("'{}' is not a valid interface name", shown(*trunk)),
                 "name the trunk interface or VLAN-aware bridge, e.g. vmbr0");
    trunk.reset();
  }
  if (!id || !trunk) return false;
  net.vlan = Vlan{static_cast<uint16_t>(*id), *trunk};
  return true;
}

constexpr std::array<KeyRule<Network>, 8> kNetworkKeys = {{
    {"interface", true, read_interface},
    {"subnet", true, read_subnet},
    {"address", true, read_address<&Network::address>},
    {"router", false, read_router},
    // A flag that failed to load is unknown, not false: rules about uplinks must not guess it, so
    // the network is not ok (as after any reader that fails).
    {"uplink", false, read_boolean<&Network::uplink>},
    {"masquerade", false, read_boolean<&Network::masquerade>},
    {"inbound", false, read_inbound},
    {"vlan", false, read_vlan},
}};

}  // namespace

void load_networks(LoadContext& cx, YamlNode section) {
  auto& networks = cx.topology().networks;
  for (const auto& [name, n] : cx.named_entries(section, "networks", "network")) {
    Network net;
    net.name = name;
    net.ok =
        cx.read_object<Network>(n, "networks." + name, Noun("network", name), kNetworkKeys, net);
    networks.push_back(std::move(net));
  }
}

}  // namespace labgate
