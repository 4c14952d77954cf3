#include "dns/responder.h"

#include <algorithm>
#include <cstring>

#include "dns/message.h"
#include "dns/writer.h"

namespace labgate::dns {
namespace {

constexpr uint16_t kAxfr = 252, kIxfr = 251;
constexpr size_t kOptBytes = 11;  // root owner, type, class, TTL, RDLENGTH 0

uint16_t reply_flags(const Header& q, uint8_t rc) {
  // Keep the opcode, RD and CD of the query; QR set; the low rcode bits.
  return static_cast<uint16_t>(flag::kQr | (q.flags & 0x7800) | (q.flags & flag::kRd) |
                               (q.flags & flag::kCd) | (rc & 0xF));
}

size_t udp_limit(const Query& q) {
  if (!q.edns.present) return kMaxUdpWithoutEdns;
  size_t asked = std::max<size_t>(q.edns.udp_size, kMaxUdpWithoutEdns);
  return std::min<size_t>(asked, kEdnsUdpSize);
}

// The reply without records: header, the question when there is one, and OPT when the query
// had EDNS. Used for errors and for truncated replies.
size_t short_reply(const Query& q, bool with_question, uint16_t rc, uint16_t extra_flags,
                   uint8_t* out, size_t cap, const uint8_t* query) {
  Writer w(out, cap);
  w.header(q.header.id, static_cast<uint16_t>(reply_flags(q.header, rc & 0xF) | extra_flags));
  if (with_question)
    w.question(query + q.question_offset, q.question_end - q.question_offset, q.qname);
  if (q.edns.present) w.opt(kEdnsUdpSize, static_cast<uint8_t>(rc >> 4), q.edns.dnssec_ok);
  return w.finish();
}

void put16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}

// The common answer in one pass of copies: header, the client's question as it came, the
// precomputed A record, OPT. Byte for byte what the Writer path below produces for the same
// answer (responder_test checks both against each other). Returns 0 when the reply does not
// have that shape (a compressed question, no room), and the caller takes the Writer path.
size_t fast_a_reply(const Query& q, const AnswerWire& a, const uint8_t* query, uint8_t* out,
                    size_t limit) {
  const size_t question_size = q.question_end - q.question_offset;
  // The precomputed owner points at offset 12: only right if the question is echoed there
  // uncompressed (a compressed question is rewritten, and may change length).
  if (question_size != q.qname.size() + 4) return 0;
  const size_t size = kHeaderBytes + question_size + a.size() + (q.edns.present ? kOptBytes : 0);
  if (size > limit) return 0;
  put16(out, q.header.id);
  put16(out + 2, static_cast<uint16_t>(reply_flags(q.header, rcode::kNoError) | flag::kAa));
  put16(out + 4, 1);
  put16(out + 6, 1);
  put16(out + 8, 0);
  put16(out + 10, q.edns.present ? 1 : 0);
  uint8_t* p = out + kHeaderBytes;
  std::memcpy(p, query + q.question_offset, question_size);
  p += question_size;
  std::memcpy(p, a.data(), a.size());
  p += a.size();
  if (q.edns.present) {
    // Root owner, type OPT, class = our UDP size, extended rcode 0, version 0, DO echoed, no data.
    const uint8_t opt[kOptBytes] = {0,
                                    0,
                                    type::kOpt,
                                    static_cast<uint8_t>(kEdnsUdpSize >> 8),
                                    static_cast<uint8_t>(kEdnsUdpSize & 0xFF),
                                    0,
                                    0,
                                    static_cast<uint8_t>(q.edns.dnssec_ok ? 0x80 : 0),
                                    0,
                                    0,
                                    0};
    std::memcpy(p, opt, kOptBytes);
  }
  return size;
}

size_t respond_with(bool allow_fast_path, const Authority& authority, const uint8_t* query,
                    size_t size, IpAddress client, Transport transport, uint8_t* out,
                    size_t out_capacity, Query* not_local) {
  Query q;
  if (read_header(query, size, &q.header) != ParseStatus::kOk || q.header.qr()) return 0;
  const size_t cap = std::min(out_capacity, kMaxMessageBytes);
  ParseStatus status = parse_query(query, size, &q);
  if (status != ParseStatus::kOk) {
    // What parse_query read of a broken message is not trusted; the OPT is looked for again, and
    // echoed when it is sound (RFC 6891 section 7: only a bad OPT gets a FORMERR without one).
    find_valid_opt(query, size, &q.edns);
    return short_reply(q, false, rcode::kFormErr, 0, out, cap, query);
  }
  if (q.header.opcode() != opcode::kQuery)
    return short_reply(q, true, rcode::kNotImp, 0, out, cap, query);
  if (q.edns.present && q.edns.version != 0)
    return short_reply(q, true, rcode::kBadVers, 0, out, cap, query);
  // OPT is a pseudo-record (RFC 6891 section 6.1.1): asking for it is malformed (as Unbound says).
  if (q.qtype == type::kOpt) return short_reply(q, true, rcode::kFormErr, 0, out, cap, query);
  if ((q.qclass != klass::kIn && q.qclass != klass::kAny) || q.qtype == kAxfr || q.qtype == kIxfr)
    return short_reply(q, true, rcode::kRefused, 0, out, cap, query);

  Lookup found = authority.lookup(q.qname, q.qtype, client);
  if (found.outcome == Outcome::kNotLocal && not_local) {
    *not_local = q;
    return kNotLocal;
  }
  if (found.outcome == Outcome::kRefused || found.outcome == Outcome::kNotLocal)
    return short_reply(q, true, rcode::kRefused, 0, out, cap, query);

  const size_t limit = transport == Transport::kTcp ? cap : std::min(cap, udp_limit(q));
  if (found.a_wire && allow_fast_path)
    if (size_t size = fast_a_reply(q, *found.a_wire, query, out, limit)) return size;
  Writer w(out, limit);
  // Room for OPT is held back so it always fits after the records.
  if (q.edns.present) w.reserve(kOptBytes);
  uint8_t rc = found.outcome == Outcome::kNxDomain ? rcode::kNxDomain : rcode::kNoError;
  w.header(q.header.id, static_cast<uint16_t>(reply_flags(q.header, rc) | flag::kAa));
  w.question(query + q.question_offset, q.question_end - q.question_offset, q.qname);
  const uint32_t ttl = authority.ttl();
  for (int i = 0; i < found.answer_count; ++i) {
    const AnswerRecord& a = found.answers[i];
    switch (a.type) {
      case type::kA:
        w.a(Section::kAnswer, q.qname, ttl, a.address);
        break;
      case type::kSoa:
        w.soa(Section::kAnswer, q.qname, ttl, *a.soa);
        break;
      default:
        w.name_record(Section::kAnswer, q.qname, a.type, ttl, *a.target);
        break;
    }
  }
  if ((found.outcome == Outcome::kNxDomain || found.outcome == Outcome::kNoData) &&
      authority.has_zone() && q.qname.is_subdomain_of(authority.zone())) {
    // RFC 2308 section 3: the SOA's TTL bounds how long the negative answer is cached.
    const Soa& soa = authority.soa();
    w.soa(Section::kAuthority, authority.zone(), std::min(ttl, soa.minimum), soa);
  }
  if (w.overflowed())
    return short_reply(q, true, rc, flag::kAa | flag::kTc, out,
                       transport == Transport::kTcp ? cap : limit, query);
  if (q.edns.present) {
    w.release();
    w.opt(kEdnsUdpSize, 0, q.edns.dnssec_ok);
  }
  return w.finish();
}

}  // namespace

size_t respond(const Authority& authority, const uint8_t* query, size_t size, IpAddress client,
               Transport transport, uint8_t* out, size_t out_capacity, Query* not_local) {
  return respond_with(true, authority, query, size, client, transport, out, out_capacity,
                      not_local);
}

size_t respond_by_writer(const Authority& authority, const uint8_t* query, size_t size,
                         IpAddress client, Transport transport, uint8_t* out, size_t out_capacity) {
  return respond_with(false, authority, query, size, client, transport, out, out_capacity, nullptr);
}

}  // namespace labgate::dns
