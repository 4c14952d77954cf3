#include "net/ipv4.h"

#include <charconv>

#include <fmt/format.h>

namespace labgate {
namespace {

void set_error(std::string* error, std::string message) {
  if (error) *error = std::move(message);
}

// Parses a decimal integer in [0, max] with no sign, no leading zeros, and nothing after it.
std::optional<uint32_t> parse_decimal(std::string_view text, uint32_t max) {
  if (text.empty() || text.size() > 10) return std::nullopt;
  if (text.size() > 1 && text[0] == '0') return std::nullopt;
  uint32_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v > max) return std::nullopt;
  return v;
}

}  // namespace

std::optional<Ipv4> Ipv4::parse(std::string_view text, std::string* error) {
  uint32_t value = 0;
  std::string_view rest = text;
  for (int i = 0; i < 4; ++i) {
    size_t dot = rest.find('.');
    std::string_view octet = i < 3 ? rest.substr(0, dot) : rest;
    if ((i < 3 && dot == std::string_view::npos) || (i == 3 && rest.find('.') != rest.npos)) {
      set_error(error,
                fmt::format("'{}' is not an IPv4 address (expected four dotted numbers)", text));
      return std::nullopt;
    }
    auto n = parse_decimal(octet, 255);
    if (!n) {
      set_error(error, fmt::format("'{}' is not an IPv4 address (each part must be 0-255, "
                                   "written without leading zeros)",
                                   text));
      return std::nullopt;
    }
    value = (value << 8) | *n;
    if (i < 3) rest = rest.substr(dot + 1);
  }
  return Ipv4{value};
}

std::string Ipv4::str() const {
  return fmt::format("{}.{}.{}.{}", value >> 24, (value >> 16) & 0xff, (value >> 8) & 0xff,
                     value & 0xff);
}

std::optional<Ipv4Prefix> Ipv4Prefix::parse(std::string_view text, std::string* error) {
  size_t slash = text.find('/');
  if (slash == std::string_view::npos) {
    set_error(error, fmt::format("'{}' is not a subnet (expected ADDRESS/LENGTH, e.g. "
                                 "192.168.100.0/24)",
                                 text));
    return std::nullopt;
  }
  auto address = Ipv4::parse(text.substr(0, slash), error);
  if (!address) return std::nullopt;
  auto length = parse_decimal(text.substr(slash + 1), 32);
  if (!length) {
    set_error(error, fmt::format("'{}' has an invalid prefix length (expected 0-32)", text));
    return std::nullopt;
  }
  Ipv4Prefix p{*address, static_cast<int>(*length)};
  if ((address->value & p.mask()) != address->value) {
    Ipv4Prefix meant{Ipv4{address->value & p.mask()}, p.length};
    set_error(error, fmt::format("'{}' has host bits set; the network is {}", text, meant.str()));
    return std::nullopt;
  }
  return p;
}

std::string Ipv4Prefix::str() const {
  return fmt::format("{}/{}", network.str(), length);
}

std::optional<Ipv4Range> Ipv4Range::parse(std::string_view text, std::string* error) {
  size_t dash = text.find('-');
  if (dash == std::string_view::npos) {
    set_error(error, fmt::format("'{}' is not a range (expected FIRST-LAST, e.g. "
                                 "192.168.100.80-192.168.100.85)",
                                 text));
    return std::nullopt;
  }
  auto first = Ipv4::parse(text.substr(0, dash), error);
  if (!first) return std::nullopt;
  std::string_view tail = text.substr(dash + 1);
  std::optional<Ipv4> last;
  if (tail.find('.') == std::string_view::npos) {
    auto octet = parse_decimal(tail, 255);
    if (!octet) {
      set_error(error, fmt::format("'{}' has an invalid end (expected an address or a last "
                                   "octet 0-255)",
                                   text));
      return std::nullopt;
    }
    last = Ipv4{(first->value & 0xffffff00u) | *octet};
  } else {
    last = Ipv4::parse(tail, error);
    if (!last) return std::nullopt;
  }
  if (*last < *first) {
    set_error(error, fmt::format("'{}' ends before it starts", text));
    return std::nullopt;
  }
  return Ipv4Range{*first, *last};
}

std::string Ipv4Range::str() const {
  return fmt::format("{}-{}", first.str(), last.str());
}

}  // namespace labgate
