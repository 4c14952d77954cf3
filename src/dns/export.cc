#include "dns/export.h"

#include <fmt/format.h>

#include "plan/plan.h"
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

// The index of the view to export in dns.networks (the uplink's by default), or -1.
int pick_view(const DnsPlan& dns, const std::string& view) {
  for (size_t i = 0; i < dns.networks.size(); ++i)
    if (view.empty() ? dns.networks[i].uplink : dns.networks[i].network == view)
      return static_cast<int>(i);
  return view.empty() && !dns.networks.empty() ? 0 : -1;
}

// The wildcard's parent: "*.apps.cluster" -> "apps.cluster".
std::string wildcard_parent(const std::string& fqdn) {
  return fqdn.substr(2);
}

// Every name goes through dns_name_text and every comment through comment_line_text
// (plan/text_quote.h), so no value can start a record, a directive or a line of its own.
Result<std::string> export_text(const DnsPlan& dns, ExportFormat format, const std::string& view) {
  if (!dns.enabled) {
    return Result<std::string>::failure(
        "the topology has no 'dns:' section: there are no names to export");
  }
  const int view_index = pick_view(dns, view);
  if (view_index < 0) {
    return Result<std::string>::failure(view.empty() ? "the topology has no network"
                                                     : fmt::format("no network '{}'", view));
  }
  const DnsNetwork* client = &dns.networks[view_index];
  const char* comment = format == ExportFormat::kZone ? ";" : "#";
  std::string out = fmt::format(
      "{} labgate export dns --format {} --view {}: the names of zone '{}' as clients on network "
      "'{}' ({}) see them\n",
      comment,
      format == ExportFormat::kPihole    ? "pihole"
      : format == ExportFormat::kDnsmasq ? "dnsmasq"
      : format == ExportFormat::kHosts   ? "hosts"
                                         : "zone",
      comment_line_text(client->network), comment_line_text(dns.zone),
      comment_line_text(client->network), client->subnet.str());
  if (format == ExportFormat::kZone) {
    const std::string zone = dns_name_text(dns.zone);
    const std::string gateway = dns_name_text(dns.gateway_name);
    out += fmt::format("$ORIGIN {}.\n$TTL {}\n", zone, dns.ttl);
    out += fmt::format("@ IN SOA {0}.{1}. hostmaster.{1}. 1 3600 600 86400 {2}\n", gateway, zone,
                       dns.ttl);
    out += fmt::format("@ IN NS {}.{}.\n", gateway, zone);
    bool named = false;  // a name of the file that is the gateway's own name wins, as in the server
    for (const auto& row : dns.views.names) named |= row.name == dns.gateway_name;
    if (!named) out += fmt::format("{} IN A {}\n", gateway, client->address.str());
  }
  for (const auto& row : dns.views.names) {
    const std::string fqdn = dns_name_text(row.fqdn);
    const bool wildcard = row.wildcard;
    const DnsView& v = row.views[view_index];
    if (!v.address) {
      out += fmt::format("{} {}: no answer on '{}' ({})\n", comment, fqdn,
                         comment_line_text(client->network), comment_line_text(v.reason));
      continue;
    }
    const std::string a = v.address->str();
    switch (format) {
      case ExportFormat::kZone:
        out += fmt::format("{} IN A {}\n", dns_name_text(row.name), a);
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

Result<std::string> export_dns(const DnsPlan& dns, ExportFormat format, const std::string& view) {
  try {
    return export_text(dns, format, view);
  } catch (const UnsafeText& e) {
    return Status::error(e.what());
  }
}

}  // namespace labgate::dns
