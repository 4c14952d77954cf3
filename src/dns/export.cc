#include "dns/export.h"

#include <fmt/format.h>

#include "plan/dns_views.h"
#include "plan/text_quote.h"

namespace labgate::dns {

std::optional<ExportFormat> parse_export_format(std::string_view text) {
  if (text == "pihole") return ExportFormat::kPihole;
  if (text == "dnsmasq") return ExportFormat::kDnsmasq;
  if (text == "hosts") return ExportFormat::kHosts;
  if (text == "zone") return ExportFormat::kZone;
  return std::nullopt;
}

namespace {

const Network* pick_view(const Topology& t, const std::string& view) {
  if (!view.empty()) {
    const Network* n = t.find_network(view);
    return n && n->ok ? n : nullptr;
  }
  if (const Network* up = t.uplink(); up && up->ok) return up;
  for (const auto& n : t.networks)
    if (n.ok) return &n;
  return nullptr;
}

// The wildcard's parent: "*.apps.cluster" -> "apps.cluster".
std::string wildcard_parent(const std::string& fqdn) {
  return fqdn.substr(2);
}

// Every name goes through dns_name_text and every comment through comment_line_text
// (plan/text_quote.h), so no value can start a record, a directive or a line of its own.
std::optional<std::string> export_text(const Topology& t, ExportFormat format,
                                       const std::string& view, std::string* error) {
  if (!t.dns.enabled) {
    *error = "the topology has no 'dns:' section: there are no names to export";
    return std::nullopt;
  }
  const Network* client = pick_view(t, view);
  if (!client) {
    *error = view.empty() ? "the topology has no network" : fmt::format("no network '{}'", view);
    return std::nullopt;
  }
  const char* comment = format == ExportFormat::kZone ? ";" : "#";
  std::string out = fmt::format(
      "{} labgate export dns --format {} --view {}: the names of zone '{}' as clients on network "
      "'{}' ({}) see them\n",
      comment,
      format == ExportFormat::kPihole    ? "pihole"
      : format == ExportFormat::kDnsmasq ? "dnsmasq"
      : format == ExportFormat::kHosts   ? "hosts"
                                         : "zone",
      comment_line_text(client->name), comment_line_text(t.dns.zone),
      comment_line_text(client->name), client->subnet.str());
  if (format == ExportFormat::kZone) {
    const std::string zone = dns_name_text(t.dns.zone);
    const std::string gateway = dns_name_text(t.gateway_name);
    out += fmt::format("$ORIGIN {}.\n$TTL {}\n", zone, t.dns.ttl);
    out += fmt::format("@ IN SOA {0}.{1}. hostmaster.{1}. 1 3600 600 86400 {2}\n", gateway, zone,
                       t.dns.ttl);
    out += fmt::format("@ IN NS {}.{}.\n", gateway, zone);
    bool named = false;  // a name of the file that is the gateway's own name wins, as in the server
    for (const auto& dn : t.dns.names) named |= dn.ok && dn.name == t.gateway_name;
    if (!named) out += fmt::format("{} IN A {}\n", gateway, client->address.str());
  }
  for (const auto& dn : t.dns.names) {
    if (!dn.ok) continue;
    const std::string fqdn = dns_name_text(t.fqdn(dn));
    const bool wildcard = dn.name.starts_with("*");
    DnsView v = resolve_view(t, dn, *client);
    if (!v.address) {
      out += fmt::format("{} {}: no answer on '{}' ({})\n", comment, fqdn,
                         comment_line_text(client->name), comment_line_text(v.reason));
      continue;
    }
    const std::string a = v.address->str();
    switch (format) {
      case ExportFormat::kZone:
        out += fmt::format("{} IN A {}\n", dns_name_text(dn.name), a);
        break;
      case ExportFormat::kDnsmasq:
        // host-record answers exactly one name; address=/D/ answers D and every name below it,
        // so for a wildcard it also covers the parent itself (labgate answers that NODATA).
        if (wildcard)
          out += fmt::format("# {}: dnsmasq also answers {} itself\naddress=/{}/{}\n", fqdn,
                             wildcard_parent(fqdn), wildcard_parent(fqdn), a);
        else
          out += fmt::format("host-record={},{}\n", fqdn, a);
        break;
      case ExportFormat::kPihole:
      case ExportFormat::kHosts:
        if (wildcard) {
          out += fmt::format(
              "# {}: a wildcard cannot be written here; {}\n", fqdn,
              format == ExportFormat::kPihole
                  ? fmt::format("put 'address=/{}/{}' in /etc/dnsmasq.d/", wildcard_parent(fqdn), a)
                  : "use --format dnsmasq or zone");
        } else {
          out += fmt::format("{} {}\n", a, fqdn);
        }
        break;
    }
  }
  return out;
}

}  // namespace

std::optional<std::string> export_dns(const Topology& t, ExportFormat format,
                                      const std::string& view, std::string* error) {
  try {
    return export_text(t, format, view, error);
  } catch (const UnsafeText& e) {
    *error = e.what();
    return std::nullopt;
  }
}

}  // namespace labgate::dns
