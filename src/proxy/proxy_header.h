// The PROXY protocol (HAProxy, versions 1 and 2): the header a proxy sends first on a connection
// to a backend so the backend learns the real client's address.
//
// Writers: the proxy sends v1 (text) or v2 (binary) to backends that ask for it. Only TCP over
// IPv4 is written, which is all labgate proxies.
//
// Parser: for listeners that accept the header from trusted source prefixes. Like the ClientHello
// parser it is fed the stream's first bytes as they arrive, in pieces of any size; it looks at the
// whole prefix received so far (the caller keeps it, since bytes after the header belong to the
// payload) and answers:
//   kNeedMore  a plausible header prefix; feed more.
//   kDone      a whole, valid header of `consumed` bytes; the payload starts after it.
//   kNotProxy  the bytes cannot start a PROXY header (decided from the first byte that differs
//              from both signatures).
//   kInvalid   a PROXY header, but malformed or over its size limit (v1: 107 bytes; v2: the
//              16-byte header plus at most kMaxV2AddressBytes).
// It never reads past `size`, never throws and never allocates.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "net/ip_address.h"

namespace labgate::proxy {

struct ProxyEndpoints {
  IpAddress source;
  uint16_t source_port = 0;
  IpAddress destination;
  uint16_t destination_port = 0;
};

enum class ProxyVersion : uint8_t { kV1 = 1, kV2 = 2 };

// The v1 header, e.g. "PROXY TCP4 192.168.1.20 192.168.1.55 50000 443\r\n" (at most 107 bytes).
std::string proxy_v1_header(const ProxyEndpoints& e);
// The v2 header for a proxied TCP connection: 16 + 12 bytes (IPv4) or 16 + 36 (IPv6), no TLVs.
// Either writer uses the IPv6 form when either address is IPv6 (the other then v4-mapped).
std::string proxy_v2_header(const ProxyEndpoints& e);
inline std::string proxy_header(ProxyVersion v, const ProxyEndpoints& e) {
  return v == ProxyVersion::kV1 ? proxy_v1_header(e) : proxy_v2_header(e);
}

enum class ProxyParseStatus : uint8_t { kNeedMore, kDone, kNotProxy, kInvalid };
const char* to_string(ProxyParseStatus s);

// What the header says about the connection.
enum class ProxyFamily : uint8_t {
  kLocal,    // v2 LOCAL command (e.g. a health check from the proxy itself): use the real peer
  kUnknown,  // v1 UNKNOWN, v2 UNSPEC or a family other than IP: addresses not given
  kTcp4,
  kUdp4,  // v2 only
  kTcp6,
  kUdp6,  // v2 only
};

struct ProxyHeader {
  ProxyVersion version = ProxyVersion::kV1;
  ProxyFamily family = ProxyFamily::kUnknown;
  ProxyEndpoints v4;                                  // for kTcp4/kUdp4
  std::array<uint8_t, 16> source6{}, destination6{};  // for kTcp6/kUdp6, network byte order
  uint16_t source_port6 = 0, destination_port6 = 0;
};

struct ProxyParseResult {
  ProxyParseStatus status = ProxyParseStatus::kNeedMore;
  size_t consumed = 0;      // header bytes, for kDone
  ProxyHeader header;       // for kDone
  const char* reason = "";  // for kInvalid and kNotProxy
};

inline constexpr size_t kMaxV1HeaderBytes = 107;
inline constexpr size_t kMaxV2AddressBytes = 2048;  // addresses plus TLVs

// Parses the prefix `data[0, size)` of a stream.
ProxyParseResult parse_proxy_header(const uint8_t* data, size_t size);

}  // namespace labgate::proxy
