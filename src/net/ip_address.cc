#include "net/ip_address.h"

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

// A dotted quad; `whole` is the text named in the error (the full address for an embedded quad).
std::optional<uint32_t> parse_quad(std::string_view text, std::string_view whole,
                                   std::string* error) {
  uint32_t value = 0;
  std::string_view rest = text;
  for (int i = 0; i < 4; ++i) {
    size_t dot = rest.find('.');
    std::string_view octet = i < 3 ? rest.substr(0, dot) : rest;
    if ((i < 3 && dot == std::string_view::npos) || (i == 3 && rest.find('.') != rest.npos)) {
      set_error(error,
                fmt::format("'{}' is not an IPv4 address (expected four dotted numbers)", whole));
      return std::nullopt;
    }
    auto n = parse_decimal(octet, 255);
    if (!n) {
      set_error(error, fmt::format("'{}' is not an IPv4 address (each part must be 0-255, "
                                   "written without leading zeros)",
                                   whole));
      return std::nullopt;
    }
    value = (value << 8) | *n;
    if (i < 3) rest = rest.substr(dot + 1);
  }
  return value;
}

std::string quad_str(uint32_t v) {
  return fmt::format("{}.{}.{}.{}", v >> 24, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff);
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The groups of one side of "::" (or of the whole text without it) into out[*n...]. A dotted quad
// is accepted as the last piece only when `quad_may_end` (it must end the address).
bool parse_groups(std::string_view part, bool quad_may_end, uint16_t* out, int* n,
                  std::string_view whole, std::string* error) {
  if (part.empty()) return true;
  while (true) {
    size_t colon = part.find(':');
    std::string_view piece = part.substr(0, colon);
    bool last = colon == std::string_view::npos;
    if (piece.empty()) {
      set_error(error, fmt::format("'{}' is not an IPv6 address (an empty group; only '::' may "
                                   "stand for zeros)",
                                   whole));
      return false;
    }
    if (piece.find('.') != std::string_view::npos) {
      if (!last || !quad_may_end) {
        set_error(error, fmt::format("'{}' is not an IPv6 address (an embedded IPv4 address "
                                     "must come last)",
                                     whole));
        return false;
      }
      if (*n > 6) {
        set_error(error,
                  fmt::format("'{}' is not an IPv6 address (more than eight groups)", whole));
        return false;
      }
      auto quad = parse_quad(piece, piece, nullptr);
      if (!quad) {
        set_error(error, fmt::format("'{}' is not an IPv6 address (the embedded IPv4 part must be "
                                     "four numbers 0-255 without leading zeros)",
                                     whole));
        return false;
      }
      out[(*n)++] = static_cast<uint16_t>(*quad >> 16);
      out[(*n)++] = static_cast<uint16_t>(*quad);
      return true;
    }
    if (piece.size() > 4) {
      set_error(error, fmt::format("'{}' is not an IPv6 address (a group has more than four hex "
                                   "digits)",
                                   whole));
      return false;
    }
    uint32_t g = 0;
    for (char c : piece) {
      int d = hex_digit(c);
      if (d < 0) {
        set_error(error, fmt::format("'{}' is not an IPv6 address (groups are hex digits "
                                     "separated by ':')",
                                     whole));
        return false;
      }
      g = g << 4 | static_cast<uint32_t>(d);
    }
    if (*n == 8) {
      set_error(error, fmt::format("'{}' is not an IPv6 address (more than eight groups)", whole));
      return false;
    }
    out[(*n)++] = static_cast<uint16_t>(g);
    if (last) return true;
    part = part.substr(colon + 1);
  }
}

std::optional<IpAddress> parse_v6(std::string_view text, std::string* error) {
  // The longest text form: eight full groups, or six and a dotted quad (45 characters).
  if (text.size() > 45) {
    set_error(error, fmt::format("'{}' is not an IPv6 address (too long)", text));
    return std::nullopt;
  }
  if (text.find('%') != std::string_view::npos) {
    set_error(error, fmt::format("'{}' is not an IPv6 address (zone ids such as %eth0 are not "
                                 "accepted)",
                                 text));
    return std::nullopt;
  }
  uint16_t head[8] = {}, tail[8] = {};
  int n_head = 0, n_tail = 0;
  size_t gap = text.find("::");
  if (gap == std::string_view::npos) {
    if (!parse_groups(text, true, head, &n_head, text, error)) return std::nullopt;
    if (n_head != 8) {
      set_error(error, fmt::format("'{}' is not an IPv6 address (expected eight groups, or '::' "
                                   "for zeros)",
                                   text));
      return std::nullopt;
    }
  } else {
    if (text.find("::", gap + 1) != std::string_view::npos) {
      set_error(error,
                fmt::format("'{}' is not an IPv6 address ('::' may appear only once)", text));
      return std::nullopt;
    }
    if (!parse_groups(text.substr(0, gap), false, head, &n_head, text, error) ||
        !parse_groups(text.substr(gap + 2), true, tail, &n_tail, text, error))
      return std::nullopt;
    if (n_head + n_tail > 7) {
      set_error(error, fmt::format("'{}' is not an IPv6 address (more than eight groups)", text));
      return std::nullopt;
    }
  }
  uint16_t groups[8] = {};
  for (int i = 0; i < n_head; ++i) groups[i] = head[i];
  for (int i = 0; i < n_tail; ++i) groups[8 - n_tail + i] = tail[i];
  std::array<uint8_t, 16> bytes{};
  for (int i = 0; i < 8; ++i) {
    bytes[2 * i] = static_cast<uint8_t>(groups[i] >> 8);
    bytes[2 * i + 1] = static_cast<uint8_t>(groups[i]);
  }
  return IpAddress::v6(bytes);
}

// The bits below a prefix of `length` in an address of `width` bits, as hi:lo.
void host_mask(int width, int length, uint64_t* hi, uint64_t* lo) {
  int n = width - length;  // 0..128
  *lo = n >= 64 ? ~uint64_t{0} : (n == 0 ? 0 : (uint64_t{1} << n) - 1);
  *hi = n >= 128 ? ~uint64_t{0} : (n > 64 ? (uint64_t{1} << (n - 64)) - 1 : 0);
}

}  // namespace

std::string_view family_name(IpFamily f) {
  return f == IpFamily::kV4 ? "IPv4" : "IPv6";
}

std::optional<IpAddress> IpAddress::parse(std::string_view text, std::string* error) {
  if (text.find(':') == std::string_view::npos) {
    auto v = parse_quad(text, text, error);
    if (!v) return std::nullopt;
    return IpAddress::v4(*v);
  }
  return parse_v6(text, error);
}

std::string IpAddress::str() const {
  if (is_v4()) return quad_str(v4_value());
  if (is_v4_mapped()) return "::ffff:" + quad_str(static_cast<uint32_t>(lo_));
  uint16_t g[8];
  for (int i = 0; i < 4; ++i) g[i] = static_cast<uint16_t>(hi_ >> (48 - 16 * i));
  for (int i = 0; i < 4; ++i) g[4 + i] = static_cast<uint16_t>(lo_ >> (48 - 16 * i));
  // RFC 5952 4.2: the longest run of zero groups, the first on a tie, and only if it is 2 or more.
  int best = -1, best_len = 0;
  for (int i = 0; i < 8;) {
    if (g[i] != 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j < 8 && g[j] == 0) ++j;
    if (j - i > best_len) best = i, best_len = j - i;
    i = j;
  }
  if (best_len < 2) best = -1;
  std::string out;
  for (int i = 0; i < 8; ++i) {
    if (i == best) {
      out += "::";
      i += best_len - 1;
      continue;
    }
    if (!out.empty() && out.back() != ':') out += ':';
    out += fmt::format("{:x}", g[i]);
  }
  return out;
}

std::optional<IpPrefix> IpPrefix::parse(std::string_view text, std::string* error) {
  size_t slash = text.find('/');
  if (slash == std::string_view::npos) {
    set_error(error, fmt::format("'{}' is not a subnet (expected ADDRESS/LENGTH, e.g. "
                                 "192.168.100.0/24)",
                                 text));
    return std::nullopt;
  }
  auto address = IpAddress::parse(text.substr(0, slash), error);
  if (!address) return std::nullopt;
  const int width = address->bit_width();
  auto length = parse_decimal(text.substr(slash + 1), static_cast<uint32_t>(width));
  if (!length) {
    set_error(error, fmt::format("'{}' has an invalid prefix length (expected 0-{})", text, width));
    return std::nullopt;
  }
  IpPrefix p = containing(*address, static_cast<int>(*length));
  if (p.network != *address) {
    set_error(error, fmt::format("'{}' has host bits set; the network is {}", text, p.str()));
    return std::nullopt;
  }
  return p;
}

IpPrefix IpPrefix::containing(IpAddress a, int length) {
  assert(length >= 0 && length <= a.bit_width());
  uint64_t hi, lo;
  host_mask(a.bit_width(), length, &hi, &lo);
  return IpPrefix{IpAddress::from_bits(a.family(), a.hi() & ~hi, a.lo() & ~lo), length};
}

std::string IpPrefix::str() const {
  return fmt::format("{}/{}", network.str(), length);
}

IpAddress IpPrefix::last() const {
  uint64_t hi, lo;
  host_mask(network.bit_width(), length, &hi, &lo);
  return IpAddress::from_bits(network.family(), network.hi() | hi, network.lo() | lo);
}

bool IpPrefix::contains(IpAddress a) const {
  if (a.family() != network.family()) return false;
  uint64_t hi, lo;
  host_mask(network.bit_width(), length, &hi, &lo);
  return (a.hi() & ~hi) == network.hi() && (a.lo() & ~lo) == network.lo();
}

bool IpPrefix::is_assignable(IpAddress a) const {
  if (!contains(a)) return false;
  if (network.is_v4()) return length >= 31 || (a != first() && a != last());
  return length >= 127 || a != first();
}

std::optional<IpRange> IpRange::parse(std::string_view text, std::string* error) {
  size_t dash = text.find('-');
  if (dash == std::string_view::npos) {
    set_error(error, fmt::format("'{}' is not a range (expected FIRST-LAST, e.g. "
                                 "192.168.100.80-192.168.100.85)",
                                 text));
    return std::nullopt;
  }
  auto first = IpAddress::parse(text.substr(0, dash), error);
  if (!first) return std::nullopt;
  std::string_view tail = text.substr(dash + 1);
  std::optional<IpAddress> last;
  if (tail.find('.') == std::string_view::npos && tail.find(':') == std::string_view::npos) {
    auto octet = first->is_v4() ? parse_decimal(tail, 255) : std::nullopt;
    if (!octet) {
      set_error(error, first->is_v4() ? fmt::format("'{}' has an invalid end (expected an "
                                                    "address or a last octet 0-255)",
                                                    text)
                                      : fmt::format("'{}' has an invalid end (expected an "
                                                    "IPv6 address)",
                                                    text));
      return std::nullopt;
    }
    last = IpAddress::v4((first->v4_value() & 0xffffff00u) | *octet);
  } else {
    last = IpAddress::parse(tail, error);
    if (!last) return std::nullopt;
    if (last->family() != first->family()) {
      set_error(error, fmt::format("'{}' mixes an IPv4 and an IPv6 address", text));
      return std::nullopt;
    }
  }
  if (*last < *first) {
    set_error(error, fmt::format("'{}' ends before it starts", text));
    return std::nullopt;
  }
  return IpRange{*first, *last};
}

std::string IpRange::str() const {
  return fmt::format("{}-{}", first.str(), last.str());
}

uint64_t IpRange::size() const {
  uint64_t lo = last.lo() - first.lo();
  uint64_t hi = last.hi() - first.hi() - (last.lo() < first.lo() ? 1 : 0);
  if (hi != 0 || lo == ~uint64_t{0}) return ~uint64_t{0};
  return lo + 1;
}

}  // namespace labgate
