// DNS messages (RFC 1035 section 4, EDNS0 per RFC 6891): the bounds-checked reader.
//
// Contract: the parsers read untrusted bytes, never read outside [data, data+size), never throw
// and never allocate (Query) or allocate only for record lists (Message). They return a
// ParseStatus; the output is meaningful only when it is kOk, except that a Header that could be
// read is always filled in so a FORMERR reply can echo its ID.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "dns/name.h"

namespace labgate::dns {

inline constexpr size_t kHeaderBytes = 12;
inline constexpr size_t kMaxMessageBytes = 65535;  // the TCP length prefix is 16 bits
inline constexpr uint16_t kEdnsUdpSize = 1232;     // what labgate advertises (DNS flag day 2020)
inline constexpr size_t kMaxUdpWithoutEdns = 512;

namespace type {
inline constexpr uint16_t kA = 1, kNs = 2, kCname = 5, kSoa = 6, kPtr = 12, kMx = 15, kTxt = 16,
                          kAaaa = 28, kOpt = 41, kAny = 255;
}
namespace klass {
inline constexpr uint16_t kIn = 1, kChaos = 3, kAny = 255;
}
namespace rcode {
inline constexpr uint8_t kNoError = 0, kFormErr = 1, kServFail = 2, kNxDomain = 3, kNotImp = 4,
                         kRefused = 5;
inline constexpr uint16_t kBadVers = 16;  // extended: upper 8 bits travel in the OPT record
}  // namespace rcode
namespace opcode {
inline constexpr uint8_t kQuery = 0;
}

// Header flag bits in the 16-bit flags word.
namespace flag {
inline constexpr uint16_t kQr = 0x8000, kAa = 0x0400, kTc = 0x0200, kRd = 0x0100, kRa = 0x0080,
                          kAd = 0x0020, kCd = 0x0010;
}

struct Header {
  uint16_t id = 0;
  uint16_t flags = 0;
  uint16_t qdcount = 0, ancount = 0, nscount = 0, arcount = 0;

  bool qr() const { return flags & flag::kQr; }
  uint8_t opcode() const { return (flags >> 11) & 0xF; }
  uint8_t rcode() const { return flags & 0xF; }
};

// Reads the 12-byte header; kTruncated if the message is shorter.
ParseStatus read_header(const uint8_t* data, size_t size, Header* out);

struct Edns {
  bool present = false;
  uint16_t udp_size = 0;  // the requestor's UDP payload size (values below 512 mean 512)
  uint8_t extended_rcode = 0;
  uint8_t version = 0;
  bool dnssec_ok = false;
};

// A query as the server needs it: exactly one question, and the OPT record if any. The question's
// raw bytes are [question_offset, question_end), so a reply can echo them with the client's case.
struct Query {
  Header header;
  Name qname;
  uint16_t qtype = 0;
  uint16_t qclass = 0;
  size_t question_offset = kHeaderBytes;
  size_t question_end = kHeaderBytes;
  Edns edns;
};

// Parses a query: the header, one question (kBadQuestionCount otherwise), and the records after
// it, of which only an OPT in the additional section is kept (kBadOpt if it is repeated,
// malformed, or found in another section). Does not look at QR or the opcode: that is policy.
ParseStatus parse_query(const uint8_t* data, size_t size, Query* out);

// For the FORMERR reply to a message parse_query refused: the message's OPT record, if it has
// exactly one, well formed, in the additional section, and every record the header announces can
// be read (trailing bytes after them do not matter). RFC 6891 section 7: a reply to a request
// with OPT carries OPT, unless the OPT itself is the problem. Reads like parse_query, bounded by
// the message; not for the fast path.
bool find_valid_opt(const uint8_t* data, size_t size, Edns* out);

// A resource record; its RDATA stays in the message ([rdata_offset, rdata_offset+rdlength)).
struct Record {
  Name name;
  uint16_t type = 0;
  uint16_t klass = 0;
  uint32_t ttl = 0;
  uint16_t rdata_offset = 0;
  uint16_t rdlength = 0;
};

struct Question {
  Name name;
  uint16_t qtype = 0;
  uint16_t qclass = 0;
};

// A whole message, e.g. an upstream's reply.
struct Message {
  Header header;
  std::vector<Question> questions;
  std::vector<Record> answers, authority, additional;  // OPT is kept out of `additional`
  Edns edns;
};

// Parses every section; counts in the header bound the work, and a count that promises more
// records than the bytes hold fails with kTruncated before anything large is allocated.
ParseStatus parse_message(const uint8_t* data, size_t size, Message* out);

}  // namespace labgate::dns
