// Addresses, prefixes and ranges of either family (IPv4 or IPv6): value types with strict parsing
// and canonical formatting. Pure: no I/O, no exceptions, no allocation except in str() and in the
// error texts of the parse functions.
//
// Parsing is strict on purpose (it reads untrusted config):
//   - IPv4: dotted quads only, no leading zeros ("010.0.0.1" is octal in other tools), as Ipv4.
//   - IPv6: the text forms of RFC 4291 section 2.2: eight groups of 1-4 hex digits (either case,
//     leading zeros allowed: "2001:0db8::1"), "::" once for one or more zero groups, and a dotted
//     IPv4 quad in place of the last two groups ("::ffff:192.0.2.1", "64:ff9b::192.0.2.1").
//     Zone ids ("fe80::1%eth0") are rejected: a zone is a property of a socket, not of an address
//     in a topology file; a later issue may add them to the endpoint type if it needs link-local.
//   - no surrounding spaces, no brackets ("[::1]" is a URL or endpoint form, not an address).
// Parse functions return std::nullopt and set *error to a short reason on failure. Texts without a
// ':' are read as IPv4 and fail with Ipv4's error texts, so diagnostics of IPv4 files are
// unchanged.
//
// str() is canonical: IPv4 dotted decimal; IPv6 per RFC 5952 section 4 (lower case, no leading
// zeros, the longest run of two or more zero groups written "::", the first one on a tie) and
// section 5 (an IPv4-mapped address ::ffff:0:0/96 is written "::ffff:a.b.c.d"). So
// parse(str(a)) == a for every address, and str(parse(t)) == t for every canonical t.
#pragma once

#include <array>
#include <cassert>
#include <compare>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace labgate {

enum class IpFamily : uint8_t { kV4 = 4, kV6 = 6 };

// "IPv4" / "IPv6", for messages.
std::string_view family_name(IpFamily f);

// One address. Invariant: a v4 address has hi() == 0 and lo() < 2^32. An IPv4-mapped IPv6 address
// (::ffff:1.2.3.4) is a v6 value: it is not folded into v4 (unmapped() does that on request).
// Ordering: every v4 address before every v6 one, then by numeric value (= by network bytes).
// The default value is the IPv4 unspecified address 0.0.0.0.
class IpAddress {
 public:
  constexpr IpAddress() = default;

  static constexpr IpAddress v4(uint32_t host_order) {
    return IpAddress(IpFamily::kV4, 0, host_order);
  }
  // From the 16 bytes in network order.
  static constexpr IpAddress v6(const std::array<uint8_t, 16>& bytes) {
    uint64_t hi = 0, lo = 0;
    for (int i = 0; i < 8; ++i) hi = hi << 8 | bytes[i];
    for (int i = 8; i < 16; ++i) lo = lo << 8 | bytes[i];
    return IpAddress(IpFamily::kV6, hi, lo);
  }
  // From the address as one number: v4 in the low 32 bits of lo, v6 as hi:lo (host order).
  static constexpr IpAddress from_bits(IpFamily f, uint64_t hi, uint64_t lo) {
    assert(f == IpFamily::kV6 || (hi == 0 && lo <= 0xffffffffu));
    return IpAddress(f, hi, lo);
  }
  // Either family (see the file comment for the accepted forms).
  static std::optional<IpAddress> parse(std::string_view text, std::string* error = nullptr);

  std::string str() const;

  constexpr IpFamily family() const { return family_; }
  constexpr bool is_v4() const { return family_ == IpFamily::kV4; }
  constexpr bool is_v6() const { return family_ == IpFamily::kV6; }
  constexpr int bit_width() const { return is_v4() ? 32 : 128; }
  // The v4 value in host byte order. Precondition: is_v4().
  constexpr uint32_t v4_value() const {
    assert(is_v4());
    return static_cast<uint32_t>(lo_);
  }
  // The 16 bytes in network order. Precondition: is_v6().
  constexpr std::array<uint8_t, 16> v6_bytes() const {
    assert(is_v6());
    std::array<uint8_t, 16> b{};
    for (int i = 0; i < 8; ++i) b[i] = static_cast<uint8_t>(hi_ >> (56 - 8 * i));
    for (int i = 0; i < 8; ++i) b[8 + i] = static_cast<uint8_t>(lo_ >> (56 - 8 * i));
    return b;
  }
  // The address as a number (see from_bits).
  constexpr uint64_t hi() const { return hi_; }
  constexpr uint64_t lo() const { return lo_; }

  constexpr bool is_unspecified() const { return hi_ == 0 && lo_ == 0; }  // 0.0.0.0 or ::
  constexpr bool is_loopback() const {                                    // 127.0.0.0/8 or ::1
    return is_v4() ? (lo_ >> 24) == 127 : (hi_ == 0 && lo_ == 1);
  }
  constexpr bool is_v4_mapped() const { return is_v6() && hi_ == 0 && (lo_ >> 32) == 0xffff; }
  // ::ffff:a.b.c.d -> a.b.c.d; any other address unchanged.
  constexpr IpAddress unmapped() const {
    return is_v4_mapped() ? v4(static_cast<uint32_t>(lo_)) : *this;
  }

  // The next and previous address of the same family; nullopt past the family's last or first.
  constexpr std::optional<IpAddress> next() const {
    if (is_v4())
      return lo_ == 0xffffffffu ? std::nullopt : std::optional(v4(static_cast<uint32_t>(lo_ + 1)));
    if (hi_ == ~uint64_t{0} && lo_ == ~uint64_t{0}) return std::nullopt;
    return IpAddress(family_, lo_ == ~uint64_t{0} ? hi_ + 1 : hi_, lo_ + 1);
  }
  constexpr std::optional<IpAddress> prev() const {
    if (is_unspecified()) return std::nullopt;
    return IpAddress(family_, lo_ == 0 ? hi_ - 1 : hi_, lo_ - 1);
  }

  constexpr auto operator<=>(const IpAddress&) const = default;

 private:
  constexpr IpAddress(IpFamily f, uint64_t hi, uint64_t lo) : family_(f), hi_(hi), lo_(lo) {}

  IpFamily family_ = IpFamily::kV4;  // first: orders v4 before v6
  uint64_t hi_ = 0;
  uint64_t lo_ = 0;
};

// A network prefix. Invariants: 0 <= length <= network.bit_width(), and the host bits of
// `network` are zero. The family is network's.
struct IpPrefix {
  IpAddress network;
  int length = 0;

  // Rejects prefixes with host bits set ("192.168.1.5/24") and says which network was meant.
  static std::optional<IpPrefix> parse(std::string_view text, std::string* error = nullptr);
  // The prefix of one address: /32 or /128.
  static IpPrefix host(IpAddress a) { return IpPrefix{a, a.bit_width()}; }
  // The prefix of `length` that holds `a` (host bits cleared). Precondition: length in range.
  static IpPrefix containing(IpAddress a, int length);
  std::string str() const;

  IpFamily family() const { return network.family(); }
  IpAddress first() const { return network; }
  // The last address; for IPv4 the broadcast address.
  IpAddress last() const;
  // False for an address of the other family.
  bool contains(IpAddress a) const;
  bool overlaps(const IpPrefix& o) const { return contains(o.network) || o.contains(network); }
  // IPv4: network and broadcast addresses cannot be assigned to a host (except in /31 and /32).
  // IPv6: every address of the prefix except, below /127, the subnet-router anycast address (the
  // first one, RFC 4291 section 2.6.1; RFC 6164 lifts it for /127 links).
  bool is_assignable(IpAddress a) const;
  auto operator<=>(const IpPrefix&) const = default;
};

// An inclusive range of addresses. Invariants: first and last have the same family, first <= last.
struct IpRange {
  IpAddress first;
  IpAddress last;

  // Accepts "A-B" with two full addresses of the same family, or, for IPv4, "A-N" where N
  // replaces A's last octet ("192.168.100.80-85", as the seed writes it).
  static std::optional<IpRange> parse(std::string_view text, std::string* error = nullptr);
  std::string str() const;

  IpFamily family() const { return first.family(); }
  bool contains(IpAddress a) const { return first <= a && a <= last; }
  bool overlaps(const IpRange& o) const { return first <= o.last && o.first <= last; }
  // The number of addresses, saturating at UINT64_MAX (a v6 range can hold up to 2^128).
  uint64_t size() const;
  auto operator<=>(const IpRange&) const = default;
};

}  // namespace labgate

template <>
struct std::hash<labgate::IpAddress> {
  size_t operator()(const labgate::IpAddress& a) const noexcept {
    uint64_t h = a.lo() * 0x9e3779b97f4a7c15ull ^ (a.hi() + static_cast<uint64_t>(a.family()));
    return static_cast<size_t>(h ^ (h >> 29));
  }
};
