#include "importers/fragment.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include <fmt/format.h>

namespace labgate::importers {

std::string format_import_error(const std::string& file, const ImportError& e) {
  return fmt::format("{}:{}:{}: error: {}", file, e.line, e.column, e.message);
}

bool add_name_mapping(std::string_view spec, std::map<std::string, std::string>& into,
                      std::string* error) {
  auto eq = spec.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    *error = fmt::format("'{}' is not KEY=NAME", spec);
    return false;
  }
  std::string name(spec.substr(eq + 1));
  if (!is_label(name)) {
    *error = fmt::format(
        "'{}' is not a name labgate accepts (1-63 lower-case letters, digits and '-', not "
        "starting or ending with '-')",
        name);
    return false;
  }
  into[std::string(spec.substr(0, eq))] = name;
  return true;
}

std::optional<IpAddress> parse_ipv4(std::string_view text) {
  std::optional<IpAddress> a = IpAddress::parse(text);
  if (!a || !a->is_v4()) return std::nullopt;
  return a;
}

std::optional<IpPrefix> parse_ipv4_prefix(std::string_view text) {
  if (text.find('/') == std::string_view::npos) {
    std::optional<IpAddress> a = parse_ipv4(text);
    if (!a) return std::nullopt;
    return IpPrefix::host(*a);
  }
  std::optional<IpPrefix> p = IpPrefix::parse(text);
  if (!p || p->family() != IpFamily::kV4) return std::nullopt;
  return p;
}

bool is_label(std::string_view text) {
  if (text.empty() || text.size() > 63 || text.front() == '-' || text.back() == '-') return false;
  return std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

std::string derived_name(std::string_view prefix, std::string_view text) {
  std::string out(prefix);
  if (!out.empty()) out += '-';
  for (char c : text) {
    char l = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out += ((l >= 'a' && l <= 'z') || (l >= '0' && l <= '9')) ? l : '-';
  }
  // Collapse what is not a label into one: trim dashes, cut to 63.
  while (!out.empty() && out.front() == '-') out.erase(out.begin());
  if (out.size() > 63) out.resize(63);
  while (!out.empty() && out.back() == '-') out.pop_back();
  if (out.empty()) out = "unnamed";
  return out;
}

std::string describe_lines(const std::vector<int>& lines) {
  std::string out = lines.size() == 1 ? "line " : "lines ";
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i) out += ", ";
    out += std::to_string(lines[i]);
  }
  return out;
}

namespace {

std::string port_value(const FragmentPort& p) {
  return p.protocol == "tcp" ? std::to_string(p.number)
                             : fmt::format("\"{}/{}\"", p.number, p.protocol);
}

// A comment must stay on one line.
std::string one_line(std::string_view text) {
  std::string out;
  for (char c : text) out += (c == '\n' || c == '\r') ? ' ' : c;
  return out;
}

std::string write_app(const FragmentApp& a) {
  std::string out = fmt::format("  {}:\n", a.name);
  for (const auto& from : a.from) out += "    # from " + one_line(from) + "\n";
  out += fmt::format("    service: {{ namespace: {}, name: {}, port: {}{}{} }}\n", a.namespace_,
                     a.service, a.port, a.https ? ", protocol: https" : "",
                     a.ca.empty() ? "" : ", ca: " + a.ca);
  std::string via = a.ingress_service.empty() ? "" : ", service: " + a.ingress_service;
  if (!a.ingress_host.empty())
    out += fmt::format("    ingress: {{ class: nginx, host: {}{} }}\n", a.ingress_host, via);
  if (!a.gateway_host.empty())
    out += fmt::format("    gateway: {{ name: {}, namespace: {}{}, host: {}{} }}\n", a.gateway_name,
                       a.gateway_namespace,
                       a.gateway_section.empty() ? "" : ", section: " + a.gateway_section,
                       a.gateway_host, via);
  if (a.tailscale) {
    std::vector<std::string> opts;
    if (!a.device.empty() && a.device != a.name) opts.push_back("device: " + a.device);
    if (a.funnel) opts.push_back("funnel: true");
    if (!a.tags.empty()) opts.push_back(fmt::format("tags: [{}]", fmt::join(a.tags, ", ")));
    if (!a.proxy_group.empty()) opts.push_back("proxy_group: " + a.proxy_group);
    out += opts.empty() ? "    tailscale: {}\n"
                        : fmt::format("    tailscale: {{ {} }}\n", fmt::join(opts, ", "));
  }
  if (!a.issuer.empty())
    out +=
        fmt::format("    tls: {{ issuer: {}{} }}\n", a.issuer,
                    a.secret.empty() || a.secret == a.name + "-tls" ? "" : ", secret: " + a.secret);
  for (const auto& n : a.notes) out += "    # " + one_line(n) + "\n";
  return out;
}

}  // namespace

std::string write_fragment(const Fragment& f) {
  std::string out;
  for (const auto& h : f.header) out += "# " + one_line(h) + "\n";

  if (!f.networks.empty()) {
    out += "networks:\n";
    for (const auto& n : f.networks) {
      out += fmt::format("  {}:{}\n", n.name,
                         n.lines.empty() ? "" : "  # from " + describe_lines(n.lines));
      if (!n.interface.empty()) out += fmt::format("    interface: {}\n", n.interface);
      if (!n.subnet.empty()) out += fmt::format("    subnet: {}\n", n.subnet);
      if (!n.address.empty()) out += fmt::format("    address: {}\n", n.address);
      if (n.uplink) out += "    uplink: true\n";
      if (n.masquerade) out += "    masquerade: true\n";
      std::vector<std::string> missing;
      if (n.interface.empty()) missing.push_back("interface");
      if (n.subnet.empty()) missing.push_back("subnet");
      if (n.address.empty()) missing.push_back("address");
      if (!missing.empty()) {
        std::string list;
        for (size_t i = 0; i < missing.size(); ++i) list += (i ? ", " : "") + missing[i];
        out += fmt::format(
            "    # TODO {}: not in the input; see the host's /etc/network/interfaces\n", list);
      }
    }
  }

  if (!f.services.empty()) {
    out += "services:\n";
    for (const auto& s : f.services) {
      std::string ports;
      for (size_t i = 0; i < s.ports.size(); ++i) {
        ports += fmt::format("{}{}: {}", i ? ", " : "", s.ports[i].name, port_value(s.ports[i]));
      }
      out += fmt::format("  {}: {{ address: {}, ports: {{ {} }} }}\n", s.name, s.address, ports);
    }
  }

  if (!f.forwards.empty()) {
    out += "forwards:\n";
    for (const auto& fw : f.forwards) {
      out += fmt::format("  - {{ listen: {}:{}, to: {}:{}{} }}  # from {}\n", fw.network, fw.port,
                         fw.service, fw.port_name, fw.snat ? ", snat: true" : "",
                         describe_lines(fw.lines));
    }
  }

  if (!f.zone.empty()) {
    out += fmt::format("dns:\n  zone: {}\n", f.zone);
    if (!f.names.empty()) {
      out += "  names:\n";
      for (const auto& n : f.names) {
        // A wildcard or any name that YAML could misread is quoted.
        bool plain = std::all_of(n.name.begin(), n.name.end(), [](char c) {
          return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
        });
        out += fmt::format("    {}: {}  # {} (line {})\n", plain ? n.name : "\"" + n.name + "\"",
                           n.service, n.address, n.line);
      }
    }
  }

  if (!f.apps.empty()) out += "apps:\n";
  for (const auto& a : f.apps) out += write_app(a);

  for (const auto& note : f.notes) out += "# " + one_line(note) + "\n";
  if (!f.unexpressed.empty()) {
    out += fmt::format(
        "# Not expressed ({} line{}): each stays with the tool that owns it, or is "
        "redone by hand.\n",
        f.unexpressed.size(), f.unexpressed.size() == 1 ? "" : "s");
    for (const auto& u : f.unexpressed) {
      std::string where =
          u.file.empty() ? fmt::format("line {}", u.line) : fmt::format("{}:{}", u.file, u.line);
      out += fmt::format("# {}: {}\n#   {}\n", where, one_line(u.text), one_line(u.reason));
    }
  }
  return out;
}

}  // namespace labgate::importers
