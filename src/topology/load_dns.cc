// The `dns` section: { zone, ttl, names, upstreams, listen, recursion, query_log } (docs/config.md,
// "dns").
#include <array>
#include <cctype>
#include <unordered_set>

#include <fmt/format.h>

#include "net/names.h"
#include "topology/load_context.h"

namespace labgate {
namespace {

// A wrong zone or ttl is reported; the section stays enabled (no entity depends on them).
bool read_zone(LoadContext& cx, YamlNode v, const std::string& path, Dns& dns) {
  auto text = cx.scalar(v, path, "'zone'");
  if (text && is_dns_name(*text)) {
    dns.zone = *text;
  } else if (text) {
    cx.bad_value(path, fmt::format("'{}' is not a valid DNS zone name", shown(*text)),
                 "use dot-separated labels of letters, digits and '-', e.g. cluster or home.arpa");
  }
  return true;
}

bool read_ttl(LoadContext& cx, YamlNode v, const std::string& path, Dns& dns) {
  dns.ttl = cx.integer(v, path, 0, 604800, "'ttl'").value_or(dns.ttl);
  return true;
}

// name -> service. Names are case-insensitive ("ArgoCD" and "argocd" are the same name); a name
// that is not a DNS name stays in the list, not ok, so references to it are not reported again.
bool read_names(LoadContext& cx, YamlNode names, const std::string& path, Dns& dns) {
  if (names.is_null() || !cx.is_map_or_report(names, path, "'dns.names'")) return true;
  std::unordered_set<std::string> seen;
  for (size_t i = 0; i < names.size(); ++i) {
    YamlNode key = names.key(i);
    SourcePos key_pos = key.pos();
    if (!key.is_scalar()) {
      cx.diagnostics().error(key_pos, "wrong-type", "a DNS name must be a word");
      continue;
    }
    const std::string& name = key.text();
    std::string npath = child_path(path, name);
    YamlNode value = names.value(i);
    cx.where().set_key(npath, key_pos);
    cx.where().set_value(npath, value.is_null() ? key_pos : value.pos());
    DnsName entry;
    entry.name = name;
    if (!is_dns_name(name, /*allow_wildcard=*/true)) {
      cx.diagnostics().error(
          key_pos, "invalid-name", fmt::format("'{}' is not a valid DNS name", shown(name)),
          "use labels of letters, digits and '-' (RFC 1123); '*' only as the first label");
      entry.ok = false;
    }
    std::string lower = name;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!seen.insert(std::move(lower)).second) {
      cx.diagnostics().error(key_pos, "duplicate-name",
                             fmt::format("DNS name '{}' is defined twice", name),
                             "a name points at one service; remove one of them");
      continue;
    }
    auto r = cx.reference(value, npath, "service");
    if (r)
      entry.service = *r;
    else
      entry.ok = false;
    dns.names.push_back(std::move(entry));
  }
  return true;
}

bool read_upstreams(LoadContext& cx, YamlNode u, const std::string& path, Dns& dns) {
  if (!u.is_list()) {
    cx.wrong_type(path,
                  fmt::format("'upstreams' must be a list of addresses, not {}", kind_name(u)),
                  "write e.g. 'upstreams: [192.168.1.1]'");
    return true;
  }
  for (size_t i = 0; i < u.size(); ++i) {
    std::string item = fmt::format("{}.{}", path, i);
    cx.where().set_value(item, u.item(i).pos());
    if (auto a = cx.address(u.item(i), item)) dns.upstreams.push_back(*a);
  }
  return true;
}

std::vector<std::string> network_list(LoadContext& cx, YamlNode n, const std::string& path) {
  std::vector<std::string> out;
  if (!n.is_list()) {
    cx.wrong_type(path,
                  fmt::format("'{}' must be a list of network names, not {}", path, kind_name(n)));
    return out;
  }
  for (size_t i = 0; i < n.size(); ++i) {
    std::string item = fmt::format("{}.{}", path, i);
    cx.where().set_value(item, n.item(i).pos());
    if (auto r = cx.reference(n.item(i), item, "network")) out.push_back(*r);
  }
  return out;
}

bool read_listen(LoadContext& cx, YamlNode v, const std::string& path, Dns& dns) {
  dns.listen = network_list(cx, v, path);
  return true;
}

bool read_recursion(LoadContext& cx, YamlNode v, const std::string& path, Dns& dns) {
  dns.recursion = network_list(cx, v, path);
  dns.recursion_listed = true;
  return true;
}

// The query log's bound. A million entries is about 300 MB per DNS thread: more is a mistake.
constexpr uint32_t kMaxQueryLogEntries = 1000000;

bool read_query_log_entries(LoadContext& cx, YamlNode v, const std::string& path, Dns& dns) {
  auto n = cx.integer(v, path, 1, kMaxQueryLogEntries, "'entries'");
  if (n) dns.query_log_entries = *n;
  return n.has_value();
}

constexpr std::array<KeyRule<Dns>, 1> kQueryLogKeys = {{
    {"entries", true, read_query_log_entries},
}};

bool read_query_log(LoadContext& cx, YamlNode v, const std::string& path, Dns& dns) {
  cx.read_object<Dns>(v, path, "'dns.query_log'", kQueryLogKeys, dns);
  return true;
}

bool read_unreachable(LoadContext& cx, YamlNode v, const std::string& path, Dns& dns) {
  static constexpr std::array<std::string_view, 2> kChoices = {"refused", "nxdomain"};
  auto text = cx.choice(v, path, "unreachable", kChoices);
  if (text) dns.unreachable_nxdomain = *text == "nxdomain";
  return text.has_value();
}

constexpr std::array<KeyRule<Dns>, 8> kDnsKeys = {{
    {"zone", true, read_zone},
    {"ttl", false, read_ttl},
    {"names", false, read_names},
    {"upstreams", false, read_upstreams},
    {"listen", false, read_listen},
    {"recursion", false, read_recursion},
    {"query_log", false, read_query_log},
    {"unreachable", false, read_unreachable},
}};

}  // namespace

void load_dns(LoadContext& cx, YamlNode n) {
  Dns& dns = cx.topology().dns;
  dns.enabled = n.is_map();  // with wrong keys too: the rest of the section is still read
  cx.read_object<Dns>(n, "dns", "'dns'", kDnsKeys, dns);
}

}  // namespace labgate
