// From query bytes to reply bytes: the policy around the Authority (RFC 1035, 2308, 6891).
//
// Contract: pure, no allocation, no I/O; safe to call from many threads on one Authority.
//   - fewer than 12 bytes, or a response (QR set): no reply (0). Never answering a response
//     keeps two servers from bouncing messages at each other.
//   - a message that does not parse: FORMERR, echoing the ID and no question.
//   - an opcode other than QUERY: NOTIMP. EDNS version above 0: BADVERS (RFC 6891 6.1.3).
//   - a class other than IN or ANY, zone transfers (AXFR, IXFR): REFUSED.
//   - a local name: the Authority's answer, AA set, the SOA in authority for NXDOMAIN/NODATA.
//   - any other name: REFUSED, RA clear; or, when the caller passes `not_local`, no reply:
//     kNotLocal, with the parsed query in *not_local, for the forwarder (src/dns/forwarder.h).
// A UDP reply larger than the client's limit (512, or its EDNS size capped at 1232) is cut to
// the header and question with TC set, so the client retries over TCP.
#pragma once

#include <cstddef>
#include <cstdint>

#include "dns/authority.h"
#include "dns/message.h"

namespace labgate::dns {

enum class Transport : uint8_t { kUdp, kTcp };

// Writes the reply to `query` into `out` (capacity `out_capacity`, at least 512 bytes) and
// returns its size, or 0 when no reply must be sent.
//
// The common case (an A answer to an uncompressed question) is copied from bytes the Authority
// precomputed at build time; everything else is written record by record.
size_t respond(const Authority& authority, const uint8_t* query, size_t size, IpAddress client,
               Transport transport, uint8_t* out, size_t out_capacity, Query* not_local = nullptr);
// What respond() returns for a name outside the zone when the caller passes `not_local`.
inline constexpr size_t kNotLocal = static_cast<size_t>(-1);

// respond() with every reply written record by record, never from precomputed bytes (and names
// outside the zone always REFUSED): the reference respond() is tested against, byte for byte.
size_t respond_by_writer(const Authority& authority, const uint8_t* query, size_t size,
                         IpAddress client, Transport transport, uint8_t* out, size_t out_capacity);

}  // namespace labgate::dns
