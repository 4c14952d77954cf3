#include "show/format.h"

#include <algorithm>

#include <fmt/format.h>

namespace labgate::show {

std::string compact_range(const IpRange& r) {
  if (r.first == r.last) return r.first.str();
  // The seed's "A-N" shorthand exists for IPv4 only (an IPv6 range is written in full).
  if (r.family() == IpFamily::kV4 && (r.first.v4_value() >> 8) == (r.last.v4_value() >> 8))
    return fmt::format("{}-{}", r.first.str(), r.last.v4_value() & 0xff);
  return r.str();
}

std::string member_detail(const AddressPlanEntry& e) {
  switch (e.role) {
    case AddressRole::kVirtualIp:
      return e.held_by.empty() ? "virtual IP" : "virtual IP held by " + e.held_by;
    case AddressRole::kService:
      return "service " + port_list(e.ports);
    case AddressRole::kPool:
      return fmt::format("pool of {} addresses", e.range.size());
    default:
      return "";
  }
}

std::string port_list(const std::vector<ServicePort>& ports) {
  std::vector<std::string> out;
  for (const auto& p : ports)
    out.push_back(p.protocol == Protocol::kTcp
                      ? fmt::format("{}:{}", p.name, p.port)
                      : fmt::format("{}:{}/{}", p.name, p.port, to_string(p.protocol)));
  return fmt::format("{}", fmt::join(out, " "));
}

size_t max_line_width(const std::string& text) {
  size_t widest = 0, start = 0;
  for (size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1)
    widest = std::max(widest, display_width(std::string_view(text).substr(start, end - start)));
  return widest;
}

size_t display_width(std::string_view s) {
  // Count the bytes that start a UTF-8 sequence (everything but 10xxxxxx continuation bytes).
  return static_cast<size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xc0) != 0x80; }));
}

std::string pad(std::string_view s, size_t width) {
  std::string out(s);
  size_t w = display_width(s);
  if (w < width) out.append(width - w, ' ');
  return out;
}

std::string TextTable::render() const {
  std::vector<size_t> widths;
  for (const auto& row : rows_) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], display_width(row[i]));
  }
  std::string out;
  for (const auto& row : rows_) {
    std::string line = indent_;
    for (size_t i = 0; i < row.size(); ++i) {
      bool last = i + 1 == row.size();
      line += last ? row[i] : pad(row[i], widths[i]) + "  ";
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

}  // namespace labgate::show
