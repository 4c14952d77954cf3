// The `hosts` section: name -> { network, address, held_by } (docs/config.md, "hosts").
#include <array>

#include <fmt/format.h>

#include "topology/load_context.h"

namespace labgate {
namespace {

constexpr std::array<KeyRule<Host>, 3> kHostKeys = {{
    {"network", true, read_reference<&Host::network, kNetworkNoun>},
    {"address", true, read_address<&Host::address>},
    {"held_by", false, read_reference<&Host::held_by, kHostNoun>},
}};

}  // namespace

void load_hosts(LoadContext& cx, YamlNode section) {
  auto named = cx.named_entries(section, "hosts", "host");
  auto& hosts = cx.topology().hosts;
  hosts.reserve(hosts.size() + named.size());
  for (const auto& [name, n] : named) {
    Host host;
    host.name = name;
    host.ok = cx.read_object<Host>(n, "hosts." + name, Noun("host", name), kHostKeys, host);
    hosts.push_back(std::move(host));
  }
}

}  // namespace labgate
