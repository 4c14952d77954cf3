// The `hosts` section: name -> { network, address, held_by } (docs/config.md, "hosts").
#include <array>

#include <fmt/format.h>

#include "topology/load_context.h"

namespace labgate {
namespace {

bool read_network(LoadContext& cx, YamlNode v, const std::string& path, Host& host) {
  auto r = cx.reference(v, path, "network");
  if (r) host.network = std::move(*r);
  return r.has_value();
}

bool read_address(LoadContext& cx, YamlNode v, const std::string& path, Host& host) {
  auto a = cx.address(v, path);
  if (a) host.address = *a;
  return a.has_value();
}

bool read_held_by(LoadContext& cx, YamlNode v, const std::string& path, Host& host) {
  auto r = cx.reference(v, path, "host");
  if (r) host.held_by = std::move(*r);
  return r.has_value();
}

constexpr std::array<KeyRule<Host>, 3> kHostKeys = {{
    {"network", true, read_network},
    {"address", true, read_address},
    {"held_by", false, read_held_by},
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
