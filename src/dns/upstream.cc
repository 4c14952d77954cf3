#include "dns/upstream.h"

#include "dns/writer.h"

namespace labgate::dns {

size_t write_upstream_query(uint16_t id, const UpstreamQuestion& question, uint8_t* out,
                            size_t capacity) {
  Writer w(out, capacity);
  w.header(id, flag::kRd);
  w.question(question.qname, question.qtype, question.qclass);
  w.opt(kEdnsUdpSize, 0, false);
  return w.overflowed() ? 0 : w.finish();
}

const char* to_string(ReplyCheck c) {
  switch (c) {
    case ReplyCheck::kAccept:
      return "accept";
    case ReplyCheck::kTruncated:
      return "truncated";
    case ReplyCheck::kUpstreamError:
      return "upstream error";
    case ReplyCheck::kNotOurs:
      return "not ours";
  }
  return "?";
}

ReplyCheck check_reply(const uint8_t* reply, size_t size, uint16_t id,
                       const UpstreamQuestion& question) {
  Header h;
  if (read_header(reply, size, &h) != ParseStatus::kOk) return ReplyCheck::kNotOurs;
  if (!h.qr() || h.id != id || h.opcode() != opcode::kQuery || h.qdcount != 1)
    return ReplyCheck::kNotOurs;
  size_t at = kHeaderBytes;
  Name name;
  if (Name::read(reply, size, &at, &name) != ParseStatus::kOk || size - at < 4)
    return ReplyCheck::kNotOurs;
  const uint16_t qtype = static_cast<uint16_t>(reply[at] << 8 | reply[at + 1]);
  const uint16_t qclass = static_cast<uint16_t>(reply[at + 2] << 8 | reply[at + 3]);
  if (!(name == question.qname) || qtype != question.qtype || qclass != question.qclass)
    return ReplyCheck::kNotOurs;
  if (h.flags & flag::kTc) return ReplyCheck::kTruncated;
  if (h.rcode() != rcode::kNoError && h.rcode() != rcode::kNxDomain)
    return ReplyCheck::kUpstreamError;
  return ReplyCheck::kAccept;
}

size_t write_short_reply(const Query& q, const uint8_t* query_bytes, uint8_t rcode,
                         uint16_t extra_flags, uint8_t* out, size_t capacity) {
  Writer w(out, capacity);
  // QR, the query's opcode, RD and CD, then what the caller adds.
  const uint16_t flags = static_cast<uint16_t>(flag::kQr | (q.header.flags & 0x7800) |
                                               (q.header.flags & (flag::kRd | flag::kCd)) |
                                               extra_flags | (rcode & 0xF));
  w.header(q.header.id, flags);
  w.question(query_bytes + q.question_offset, q.question_end - q.question_offset, q.qname);
  if (q.edns.present) w.opt(kEdnsUdpSize, 0, q.edns.dnssec_ok);
  return w.overflowed() ? 0 : w.finish();
}

}  // namespace labgate::dns
