#include "dns/message.h"

namespace labgate::dns {
namespace {

// The smallest resource record: root name (1) + type, class (4) + TTL (4) + RDLENGTH (2).
constexpr size_t kMinRecordBytes = 11;

uint16_t get16(const uint8_t* p) {
  return static_cast<uint16_t>(p[0] << 8 | p[1]);
}
uint32_t get32(const uint8_t* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
}

ParseStatus read_question(const uint8_t* data, size_t size, size_t* offset, Name* name,
                          uint16_t* qtype, uint16_t* qclass) {
  if (ParseStatus s = Name::read(data, size, offset, name); s != ParseStatus::kOk) return s;
  if (*offset + 4 > size) return ParseStatus::kTruncated;
  *qtype = get16(data + *offset);
  *qclass = get16(data + *offset + 2);
  *offset += 4;
  return ParseStatus::kOk;
}

ParseStatus read_record(const uint8_t* data, size_t size, size_t* offset, Record* r) {
  if (ParseStatus s = Name::read(data, size, offset, &r->name); s != ParseStatus::kOk) return s;
  if (*offset + 10 > size) return ParseStatus::kTruncated;
  const uint8_t* p = data + *offset;
  r->type = get16(p);
  r->klass = get16(p + 2);
  r->ttl = get32(p + 4);
  r->rdlength = get16(p + 8);
  *offset += 10;
  if (*offset + r->rdlength > size) return ParseStatus::kTruncated;
  r->rdata_offset = static_cast<uint16_t>(*offset);
  *offset += r->rdlength;
  return ParseStatus::kOk;
}

// Fills `edns` from an OPT record (RFC 6891 section 6.1.2); its options are not interpreted.
ParseStatus read_opt(const Record& r, Edns* edns) {
  if (edns->present || !r.name.is_root()) return ParseStatus::kBadOpt;
  edns->present = true;
  edns->udp_size = r.klass;
  edns->extended_rcode = static_cast<uint8_t>(r.ttl >> 24);
  edns->version = static_cast<uint8_t>(r.ttl >> 16);
  edns->dnssec_ok = (r.ttl & 0x8000) != 0;
  return ParseStatus::kOk;
}

bool counts_fit(const Header& h, size_t remaining) {
  size_t records = size_t{h.ancount} + h.nscount + h.arcount;
  return records * kMinRecordBytes <= remaining;
}

}  // namespace

ParseStatus read_header(const uint8_t* data, size_t size, Header* out) {
  if (size > kMaxMessageBytes) return ParseStatus::kTooLong;
  if (size < kHeaderBytes) return ParseStatus::kTruncated;
  out->id = get16(data);
  out->flags = get16(data + 2);
  out->qdcount = get16(data + 4);
  out->ancount = get16(data + 6);
  out->nscount = get16(data + 8);
  out->arcount = get16(data + 10);
  return ParseStatus::kOk;
}

ParseStatus parse_query(const uint8_t* data, size_t size, Query* out) {
  if (ParseStatus s = read_header(data, size, &out->header); s != ParseStatus::kOk) return s;
  if (out->header.qdcount != 1) return ParseStatus::kBadQuestionCount;
  size_t offset = kHeaderBytes;
  out->question_offset = offset;
  if (ParseStatus s = read_question(data, size, &offset, &out->qname, &out->qtype, &out->qclass);
      s != ParseStatus::kOk)
    return s;
  out->question_end = offset;
  out->edns = Edns{};
  if (!counts_fit(out->header, size - offset)) return ParseStatus::kTruncated;
  const Header& h = out->header;
  int before_additional = h.ancount + h.nscount;
  int total = before_additional + h.arcount;
  Record r;
  for (int i = 0; i < total; ++i) {
    if (ParseStatus s = read_record(data, size, &offset, &r); s != ParseStatus::kOk) return s;
    if (r.type != type::kOpt) continue;
    if (i < before_additional) return ParseStatus::kBadOpt;
    if (ParseStatus s = read_opt(r, &out->edns); s != ParseStatus::kOk) return s;
  }
  if (offset != size) return ParseStatus::kTrailingData;
  return ParseStatus::kOk;
}

bool find_valid_opt(const uint8_t* data, size_t size, Edns* out) {
  *out = Edns{};
  Header h;
  if (read_header(data, size, &h) != ParseStatus::kOk) return false;
  size_t offset = kHeaderBytes;
  Name name;
  uint16_t qtype, qclass;
  for (int i = 0; i < h.qdcount; ++i)
    if (read_question(data, size, &offset, &name, &qtype, &qclass) != ParseStatus::kOk)
      return false;
  if (!counts_fit(h, size - offset)) return false;
  const int before_additional = h.ancount + h.nscount;
  const int total = before_additional + h.arcount;
  Edns edns;
  Record r;
  for (int i = 0; i < total; ++i) {
    if (read_record(data, size, &offset, &r) != ParseStatus::kOk) return false;
    if (r.type != type::kOpt) continue;
    if (i < before_additional || read_opt(r, &edns) != ParseStatus::kOk) return false;
  }
  *out = edns;
  return edns.present;
}

ParseStatus parse_message(const uint8_t* data, size_t size, Message* out) {
  *out = Message{};
  if (ParseStatus s = read_header(data, size, &out->header); s != ParseStatus::kOk) return s;
  const Header& h = out->header;
  size_t offset = kHeaderBytes;
  // A question takes at least 5 bytes (root name, type, class).
  if (size_t{h.qdcount} * 5 > size - offset) return ParseStatus::kTruncated;
  out->questions.reserve(h.qdcount);
  for (int i = 0; i < h.qdcount; ++i) {
    Question q;
    if (ParseStatus s = read_question(data, size, &offset, &q.name, &q.qtype, &q.qclass);
        s != ParseStatus::kOk)
      return s;
    out->questions.push_back(q);
  }
  if (!counts_fit(h, size - offset)) return ParseStatus::kTruncated;
  struct Section {
    uint16_t count;
    std::vector<Record>* records;
  };
  for (Section section : {Section{h.ancount, &out->answers}, Section{h.nscount, &out->authority},
                          Section{h.arcount, &out->additional}}) {
    section.records->reserve(section.count);
    for (int i = 0; i < section.count; ++i) {
      Record r;
      if (ParseStatus s = read_record(data, size, &offset, &r); s != ParseStatus::kOk) return s;
      if (r.type == type::kOpt) {
        if (section.records != &out->additional) return ParseStatus::kBadOpt;
        if (ParseStatus s = read_opt(r, &out->edns); s != ParseStatus::kOk) return s;
        continue;
      }
      section.records->push_back(r);
    }
  }
  if (offset != size) return ParseStatus::kTrailingData;
  return ParseStatus::kOk;
}

}  // namespace labgate::dns
