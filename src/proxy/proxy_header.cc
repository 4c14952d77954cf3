#include "proxy/proxy_header.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <string_view>

#include <fmt/format.h>

namespace labgate::proxy {
namespace {

constexpr char kV1Signature[] = "PROXY ";  // 6 bytes
constexpr uint8_t kV2Signature[12] = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D,
                                      0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
constexpr size_t kV2FixedBytes = 16;

void put16(std::string* out, uint16_t v) {
  out->push_back(static_cast<char>(v >> 8));
  out->push_back(static_cast<char>(v));
}
void put32(std::string* out, uint32_t v) {
  put16(out, static_cast<uint16_t>(v >> 16));
  put16(out, static_cast<uint16_t>(v));
}

// How much of `data` agrees with `signature`: -1 if a byte differs, else the bytes compared.
int match_prefix(const uint8_t* data, size_t size, const uint8_t* signature, size_t length) {
  size_t n = std::min(size, length);
  return std::memcmp(data, signature, n) == 0 ? static_cast<int>(n) : -1;
}

// A decimal port without sign or leading zeros (the spec's form), 0-65535.
bool parse_port(std::string_view text, uint16_t* out) {
  if (text.empty() || text.size() > 5 || (text.size() > 1 && text[0] == '0')) return false;
  uint32_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint32_t>(c - '0');
  }
  if (v > 65535) return false;
  *out = static_cast<uint16_t>(v);
  return true;
}

ProxyParseResult invalid(const char* why) {
  ProxyParseResult r;
  r.status = ProxyParseStatus::kInvalid;
  r.reason = why;
  return r;
}

ProxyParseResult parse_v1(const uint8_t* data, size_t size) {
  const size_t window = std::min(size, kMaxV1HeaderBytes);
  const auto* text = reinterpret_cast<const char*>(data);
  size_t line_end = 0;  // index of '\r' of the CRLF
  bool found = false;
  for (size_t i = 0; i < window; ++i) {
    uint8_t c = data[i];
    if (c == '\n') return invalid("v1: line feed without carriage return");
    if (c == '\r') {
      if (i + 1 >= size) return ProxyParseResult{};  // the '\n' has not arrived yet
      if (i + 1 >= kMaxV1HeaderBytes || data[i + 1] != '\n')
        return invalid("v1: carriage return without line feed");
      line_end = i;
      found = true;
      break;
    }
    if (c < 0x20 || c > 0x7e) return invalid("v1: a byte that is not printable ASCII");
  }
  if (!found) {
    if (size >= kMaxV1HeaderBytes) return invalid("v1: header longer than 107 bytes");
    return ProxyParseResult{};
  }
  std::string_view line(text + 6, line_end - 6);  // after "PROXY "
  ProxyParseResult r;
  r.header.version = ProxyVersion::kV1;
  r.consumed = line_end + 2;
  if (line.substr(0, 7) == "UNKNOWN" && (line.size() == 7 || line[7] == ' ')) {
    r.status = ProxyParseStatus::kDone;
    r.header.family = ProxyFamily::kUnknown;
    return r;
  }
  // TCP4|TCP6 SP source SP destination SP sport SP dport: exactly five fields, single spaces.
  std::string_view fields[5];
  size_t at = 0;
  for (int i = 0; i < 5; ++i) {
    size_t space = line.find(' ', at);
    if (i < 4 && space == std::string_view::npos) return invalid("v1: too few fields");
    if (i == 4 && space != std::string_view::npos) return invalid("v1: too many fields");
    fields[i] = line.substr(at, i < 4 ? space - at : std::string_view::npos);
    if (fields[i].empty()) return invalid("v1: an empty field");
    at = space + 1;
  }
  if (fields[0] != "TCP4" && fields[0] != "TCP6") return invalid("v1: protocol is not TCP4/TCP6");
  uint16_t sport = 0, dport = 0;
  if (!parse_port(fields[3], &sport) || !parse_port(fields[4], &dport))
    return invalid("v1: bad port");
  if (fields[0] == "TCP4") {
    auto s = IpAddress::parse(fields[1]);
    auto d = IpAddress::parse(fields[2]);
    if (!s || !d || !s->is_v4() || !d->is_v4()) return invalid("v1: bad IPv4 address");
    r.header.family = ProxyFamily::kTcp4;
    r.header.v4 = {*s, sport, *d, dport};
  } else {
    char buffer[64];
    for (int i = 1; i <= 2; ++i) {
      if (fields[i].size() >= sizeof buffer) return invalid("v1: bad IPv6 address");
      std::memcpy(buffer, fields[i].data(), fields[i].size());
      buffer[fields[i].size()] = '\0';
      auto* out = i == 1 ? r.header.source6.data() : r.header.destination6.data();
      if (::inet_pton(AF_INET6, buffer, out) != 1) return invalid("v1: bad IPv6 address");
    }
    r.header.family = ProxyFamily::kTcp6;
    r.header.source_port6 = sport;
    r.header.destination_port6 = dport;
  }
  r.status = ProxyParseStatus::kDone;
  return r;
}

ProxyParseResult parse_v2(const uint8_t* data, size_t size) {
  if (size < kV2FixedBytes) {
    // Judge the version/command and family bytes as soon as they arrive.
    if (size > 12 && (data[12] >> 4) != 2) return invalid("v2: version is not 2");
    return ProxyParseResult{};
  }
  uint8_t version = data[12] >> 4, command = data[12] & 0x0F;
  uint8_t family = data[13] >> 4, transport = data[13] & 0x0F;
  size_t length = size_t{data[14]} << 8 | data[15];
  if (version != 2) return invalid("v2: version is not 2");
  if (command > 1) return invalid("v2: command is neither LOCAL nor PROXY");
  if (length > kMaxV2AddressBytes) return invalid("v2: address block over the limit");
  if (size < kV2FixedBytes + length) return ProxyParseResult{};
  const uint8_t* block = data + kV2FixedBytes;
  ProxyParseResult r;
  r.header.version = ProxyVersion::kV2;
  r.consumed = kV2FixedBytes + length;
  r.status = ProxyParseStatus::kDone;
  if (command == 0) {  // LOCAL: the addresses, if any, are to be ignored
    r.header.family = ProxyFamily::kLocal;
    return r;
  }
  auto be16 = [](const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); };
  auto be32 = [](const uint8_t* p) {
    return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
  };
  if (transport > 2) return invalid("v2: transport is not UNSPEC, STREAM or DGRAM");
  if (family > 3) return invalid("v2: unknown address family");
  if (family == 1 && transport != 0) {  // AF_INET
    if (length < 12) return invalid("v2: IPv4 address block too short");
    r.header.family = transport == 1 ? ProxyFamily::kTcp4 : ProxyFamily::kUdp4;
    r.header.v4 = {IpAddress::v4(be32(block)), be16(block + 8), IpAddress::v4(be32(block + 4)),
                   be16(block + 10)};
  } else if (family == 2 && transport != 0) {  // AF_INET6
    if (length < 36) return invalid("v2: IPv6 address block too short");
    r.header.family = transport == 1 ? ProxyFamily::kTcp6 : ProxyFamily::kUdp6;
    std::memcpy(r.header.source6.data(), block, 16);
    std::memcpy(r.header.destination6.data(), block + 16, 16);
    r.header.source_port6 = be16(block + 32);
    r.header.destination_port6 = be16(block + 34);
  } else {  // UNSPEC or AF_UNIX: nothing labgate can use, but a valid header
    r.header.family = ProxyFamily::kUnknown;
  }
  return r;
}

}  // namespace

namespace {

// A header names one family: when the two addresses differ, the IPv4 one is written v4-mapped.
bool is_v6_header(const ProxyEndpoints& e) {
  return e.source.is_v6() || e.destination.is_v6();
}

IpAddress as_v6(IpAddress a) {
  return a.is_v6() ? a : IpAddress::from_bits(IpFamily::kV6, 0, 0xffff00000000ull | a.v4_value());
}

}  // namespace

std::string proxy_v1_header(const ProxyEndpoints& e) {
  if (is_v6_header(e))
    return fmt::format("PROXY TCP6 {} {} {} {}\r\n", as_v6(e.source).str(),
                       as_v6(e.destination).str(), e.source_port, e.destination_port);
  return fmt::format("PROXY TCP4 {} {} {} {}\r\n", e.source.str(), e.destination.str(),
                     e.source_port, e.destination_port);
}

std::string proxy_v2_header(const ProxyEndpoints& e) {
  std::string out(reinterpret_cast<const char*>(kV2Signature), sizeof kV2Signature);
  out.push_back(0x21);  // version 2, PROXY
  if (is_v6_header(e)) {
    out.push_back(0x21);  // AF_INET6, STREAM
    put16(&out, 36);
    for (IpAddress a : {as_v6(e.source), as_v6(e.destination)})
      for (uint8_t b : a.v6_bytes()) out.push_back(static_cast<char>(b));
  } else {
    out.push_back(0x11);  // AF_INET, STREAM
    put16(&out, 12);
    put32(&out, e.source.v4_value());
    put32(&out, e.destination.v4_value());
  }
  put16(&out, e.source_port);
  put16(&out, e.destination_port);
  return out;
}

const char* to_string(ProxyParseStatus s) {
  switch (s) {
    case ProxyParseStatus::kNeedMore:
      return "need-more";
    case ProxyParseStatus::kDone:
      return "done";
    case ProxyParseStatus::kNotProxy:
      return "not-proxy";
    case ProxyParseStatus::kInvalid:
      return "invalid";
  }
  return "?";
}

ProxyParseResult parse_proxy_header(const uint8_t* data, size_t size) {
  if (size == 0) return ProxyParseResult{};
  int v1 = match_prefix(data, size, reinterpret_cast<const uint8_t*>(kV1Signature), 6);
  if (v1 >= 0) return v1 < 6 ? ProxyParseResult{} : parse_v1(data, size);
  int v2 = match_prefix(data, size, kV2Signature, sizeof kV2Signature);
  if (v2 >= 0) return v2 < 12 ? ProxyParseResult{} : parse_v2(data, size);
  ProxyParseResult r;
  r.status = ProxyParseStatus::kNotProxy;
  r.reason = "neither a v1 nor a v2 PROXY signature";
  return r;
}

}  // namespace labgate::proxy
