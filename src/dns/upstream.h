// The wire side of forwarding: the query labgate sends upstream, the check every reply must pass
// before it is believed, and the short replies the forwarding path writes itself.
//
// check_reply reads untrusted bytes (anyone can send a datagram to a forwarder's port): it is
// bounds-checked, allocation-free, and fuzzed (fuzz/upstream_reply_fuzz.cc).
#pragma once

#include <cstddef>
#include <cstdint>

#include "dns/message.h"
#include "dns/name.h"

namespace labgate::dns {

// The question a forwarded query asks; also the key that coalesces identical client queries.
struct UpstreamQuestion {
  Name qname;
  uint16_t qtype = 0;
  uint16_t qclass = 0;
  bool operator==(const UpstreamQuestion&) const = default;
};
struct UpstreamQuestionHash {
  size_t operator()(const UpstreamQuestion& q) const {
    return NameHash{}(q.qname) * 31 + (size_t{q.qtype} << 16 | q.qclass);
  }
};

// Writes the query labgate sends upstream: `id`, RD set, the question, and OPT advertising
// kEdnsUdpSize (RFC 6891; the DNS flag day 2020 size, so replies do not fragment). Returns its
// size (the question is at most 259 bytes, so 512 bytes of `out` always suffice).
size_t write_upstream_query(uint16_t id, const UpstreamQuestion& question, uint8_t* out,
                            size_t capacity);

enum class ReplyCheck : uint8_t {
  kAccept,         // our reply: NOERROR or NXDOMAIN, not truncated
  kTruncated,      // our reply with TC: retry over TCP
  kUpstreamError,  // our reply, but SERVFAIL, REFUSED, ...: try the next upstream
  kNotOurs,        // not a reply to our query (ID, question, QR, opcode): ignore it
};
const char* to_string(ReplyCheck c);

// Whether `reply` answers the query with `id` and `question` (RFC 5452 section 9.1: ID, and the
// question by name, case-insensitive, type and class). The source address is the caller's to
// check.
ReplyCheck check_reply(const uint8_t* reply, size_t size, uint16_t id,
                       const UpstreamQuestion& question);

// Header + the client's question (+ OPT for an EDNS client), with `rcode` and `extra_flags`
// (e.g. RA, TC): REFUSED to a client not allowed to recurse, SERVFAIL when every upstream
// failed, the empty TC reply of the rate limiter. Returns 0 if `capacity` cannot hold it.
size_t write_short_reply(const Query& query, const uint8_t* query_bytes, uint8_t rcode,
                         uint16_t extra_flags, uint8_t* out, size_t capacity);

}  // namespace labgate::dns
