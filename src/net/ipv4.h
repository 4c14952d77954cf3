// IPv4 addresses, prefixes and ranges: value types with strict parsing and canonical formatting.
//
// Parsing is strict on purpose (it reads untrusted config): dotted quads only, no leading zeros
// ("010.0.0.1" is ambiguous between octal and decimal in other tools), no surrounding spaces.
// Parse functions return std::nullopt and set *error to a short reason on failure.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "net/ip_address.h"

namespace labgate {

// Transitional: the program moves module by module to IpAddress (net/ip_address.h), and this
// type goes when the last module has moved. Until then an Ipv4 converts to an IpAddress and back
// implicitly (back only from a v4 value: asserted), so each module's move builds on its own.
struct Ipv4 {
  uint32_t value = 0;  // host byte order

  constexpr Ipv4() = default;
  constexpr explicit Ipv4(uint32_t v) : value(v) {}
  constexpr Ipv4(const IpAddress& a) : value(a.v4_value()) {}  // NOLINT: transitional bridge
  constexpr operator IpAddress() const { return IpAddress::v4(value); }  // NOLINT: ditto

  static std::optional<Ipv4> parse(std::string_view text, std::string* error = nullptr);
  std::string str() const;
  auto operator<=>(const Ipv4&) const = default;
};

// Transitional: an Ipv4 and an IpAddress compare as IpAddresses (else either conversion would do).
constexpr bool operator==(const IpAddress& a, Ipv4 b) {
  return a == static_cast<IpAddress>(b);
}
constexpr std::strong_ordering operator<=>(const IpAddress& a, Ipv4 b) {
  return a <=> static_cast<IpAddress>(b);
}

// A network prefix. Invariant: the host bits of `network` are zero.
struct Ipv4Prefix {
  Ipv4 network;
  int length = 0;

  // Transitional, as Ipv4's conversions.
  constexpr Ipv4Prefix() = default;
  constexpr Ipv4Prefix(Ipv4 n, int l) : network(n), length(l) {}
  constexpr Ipv4Prefix(const IpPrefix& p) : network(p.network), length(p.length) {}  // NOLINT
  constexpr operator IpPrefix() const { return IpPrefix{network, length}; }          // NOLINT

  // Rejects prefixes with host bits set ("192.168.1.5/24") and says which network was meant.
  static std::optional<Ipv4Prefix> parse(std::string_view text, std::string* error = nullptr);
  std::string str() const;

  uint32_t mask() const { return length == 0 ? 0 : ~uint32_t{0} << (32 - length); }
  Ipv4 first() const { return network; }
  Ipv4 last() const { return Ipv4{network.value | ~mask()}; }  // the broadcast address
  bool contains(Ipv4 a) const { return (a.value & mask()) == network.value; }
  bool overlaps(const Ipv4Prefix& o) const { return contains(o.network) || o.contains(network); }
  // Network and broadcast addresses cannot be assigned to a host (except in /31 and /32).
  bool is_assignable(Ipv4 a) const {
    return contains(a) && (length >= 31 || (a != first() && a != last()));
  }
  auto operator<=>(const Ipv4Prefix&) const = default;
};

// An inclusive range of addresses. Invariant: first <= last.
struct Ipv4Range {
  Ipv4 first;
  Ipv4 last;

  // Transitional, as Ipv4's conversions.
  constexpr Ipv4Range() = default;
  constexpr Ipv4Range(Ipv4 f, Ipv4 l) : first(f), last(l) {}
  constexpr Ipv4Range(const IpRange& r) : first(r.first), last(r.last) {}  // NOLINT
  constexpr operator IpRange() const { return IpRange{first, last}; }      // NOLINT

  // Accepts "A-B" with two full addresses, or "A-N" where N replaces A's last octet
  // ("192.168.100.80-85", as the seed writes it).
  static std::optional<Ipv4Range> parse(std::string_view text, std::string* error = nullptr);
  std::string str() const;

  bool contains(Ipv4 a) const { return first <= a && a <= last; }
  bool overlaps(const Ipv4Range& o) const { return first <= o.last && o.first <= last; }
  uint64_t size() const { return uint64_t{last.value} - first.value + 1; }
};

}  // namespace labgate
