// The `services` section: name -> { address, ports } (docs/config.md, "services"). A port is
// `NAME: 80` (TCP), `NAME: 53/udp`, or `NAME: { port: 53, protocol: udp }`.
#include <array>

#include <fmt/format.h>

#include "topology/load_context.h"

namespace labgate {
namespace {

// The long form of a port: { port, protocol }. The protocol is checked by service_port().
struct LongPort {
  std::optional<uint16_t> number;
  std::string protocol = "tcp";
};

bool read_port_number(LoadContext& cx, YamlNode v, const std::string& path, LongPort& p) {
  p.number = cx.port(v, path);
  return p.number.has_value();
}

bool read_port_protocol(LoadContext& cx, YamlNode v, const std::string& path, LongPort& p) {
  auto text = cx.scalar(v, path, "'protocol'");
  if (text) p.protocol = std::move(*text);
  return text.has_value();
}

constexpr std::array<KeyRule<LongPort>, 2> kLongPortKeys = {{
    {"port", true, read_port_number},
    {"protocol", false, read_port_protocol},
}};

std::optional<ServicePort> service_port(LoadContext& cx, const std::string& name, YamlNode n,
                                        const std::string& path) {
  ServicePort sp;
  sp.name = name;
  std::optional<uint16_t> number;
  std::string protocol = "tcp";
  if (n.is_map()) {
    LongPort p;
    if (!cx.read_object<LongPort>(n, path, Noun("port", name), kLongPortKeys, p,
                                  /*read_if_keys_wrong=*/false))
      return std::nullopt;
    number = p.number;
    protocol = std::move(p.protocol);
  } else {
    auto text = cx.scalar(n, path, Noun("port", name));
    if (!text) return std::nullopt;
    size_t slash = text->find('/');
    if (slash != std::string::npos) {
      protocol = text->substr(slash + 1);
      number = cx.port_text(text->substr(0, slash), path);
    } else {
      number = cx.port_text(*text, path);
    }
  }
  if (!number) return std::nullopt;
  sp.port = *number;
  if (protocol == "tcp") {
    sp.protocol = Protocol::kTcp;
  } else if (protocol == "udp") {
    sp.protocol = Protocol::kUdp;
  } else {
    cx.bad_value(path, fmt::format("protocol must be tcp or udp, not '{}'", shown(protocol)));
    return std::nullopt;
  }
  return sp;
}

// A `ports:` with nothing under it is a missing key; one that is not a map is reported by
// named_entries() and leaves the service ok (as the loader always has).
bool read_ports(LoadContext& cx, YamlNode v, const std::string& path, Service& s) {
  bool ok = true;
  auto entries = cx.named_entries(v, path, "port");
  bool none = v.is_null() || (v.is_map() && v.size() == 0);
  if (entries.empty() && none) {
    cx.diagnostics().error(cx.where().value(path), "missing-key",
                           fmt::format("service '{}' has no ports", s.name), "add e.g. 'http: 80'");
    ok = false;
  }
  for (const auto& [port_name, p] : entries) {
    auto port = service_port(cx, port_name, p, path + "." + port_name);
    if (port)
      s.ports.push_back(*port);
    else
      ok = false;
  }
  return ok;
}

constexpr std::array<KeyRule<Service>, 2> kServiceKeys = {{
    {"address", true, read_address<&Service::address>},
    {"ports", true, read_ports},
}};

}  // namespace

void load_services(LoadContext& cx, YamlNode section) {
  for (const auto& [name, n] : cx.named_entries(section, "services", "service")) {
    Service service;
    service.name = name;
    service.ok = cx.read_object<Service>(n, "services." + name, Noun("service", name), kServiceKeys,
                                         service);
    cx.topology().services.push_back(std::move(service));
  }
}

}  // namespace labgate
