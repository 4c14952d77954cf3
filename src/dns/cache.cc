#include "dns/cache.h"

#include <algorithm>
#include <cstring>

#include "dns/authority.h"

namespace labgate::dns {
namespace {

// Where the compressible names sit in a record's RDATA (RFC 1035 section 3.3, RFC 6672 for
// DNAME): `names` names after `fixed_before` bytes, followed by `fixed_after` bytes. Other types
// carry no name that may be compressed.
struct RdataNames {
  int names = 0;
  size_t fixed_before = 0;
  size_t fixed_after = 0;
};

RdataNames rdata_names(uint16_t rr_type) {
  switch (rr_type) {
    case type::kNs:
    case type::kCname:
    case type::kPtr:
    case 39:  // DNAME
      return {1, 0, 0};
    case type::kMx:
      return {1, 2, 0};
    case type::kSoa:
      return {2, 0, 20};
    default:
      return {};
  }
}

constexpr size_t kOptBytes = 11;

uint32_t get32(const uint8_t* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
}
void put16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
void put32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
}

// Whether reading the name at *at (following pointers) reads a byte marked in `patched`;
// advances *at past the name. The message already parsed, so the name is well formed.
bool name_reads_patched(const uint8_t* m, size_t size, size_t* at,
                        const std::vector<uint8_t>& patched) {
  size_t p = *at;
  bool jumped = false;
  for (int hops = 0; p < size && hops <= kMaxPointerHops;) {
    const uint8_t length = m[p];
    if (patched[p]) return true;
    if ((length & 0xC0) == 0xC0) {
      if (p + 1 >= size || patched[p + 1]) return true;
      const size_t target = size_t{length & 0x3Fu} << 8 | m[p + 1];
      if (!jumped) *at = p + 2;
      jumped = true;
      p = target;
      ++hops;
    } else if (length == 0) {
      if (!jumped) *at = p + 1;
      return false;
    } else {
      if (p + 1 + length > size) return true;
      for (size_t i = p + 1; i <= p + length; ++i)
        if (patched[i]) return true;
      p += 1 + length;
    }
  }
  return true;
}

// Whether any name of the message -- the question, owners, and the names inside NS, CNAME, PTR,
// DNAME, MX and SOA data -- reads bytes that serving the reply patches (the header: ID, flags,
// counts; every TTL). A compression pointer into them would change the name once patched for a
// client, so such a reply (which no honest server sends) is not relayed.
bool any_name_reads_patched(const uint8_t* m, size_t size, const Header& h,
                            const std::vector<uint16_t>& ttl_at) {
  std::vector<uint8_t> patched(size, 0);
  for (size_t i = 0; i < kHeaderBytes; ++i) patched[i] = 1;
  for (uint16_t t : ttl_at)
    for (size_t i = t; i < t + 4u && i < size; ++i) patched[i] = 1;
  size_t at = kHeaderBytes;
  if (name_reads_patched(m, size, &at, patched)) return true;
  at += 4;
  const int records = h.ancount + h.nscount + h.arcount;
  for (int i = 0; i < records; ++i) {
    if (name_reads_patched(m, size, &at, patched) || at + 10 > size) return true;
    const uint16_t type = static_cast<uint16_t>(m[at] << 8 | m[at + 1]);
    const size_t rdata = at + 10;
    const size_t end = rdata + (size_t{m[at + 8]} << 8 | m[at + 9]);
    const RdataNames layout = rdata_names(type);
    size_t name_at = rdata + layout.fixed_before;
    for (int n = 0; n < layout.names; ++n)
      if (name_at >= end || name_reads_patched(m, size, &name_at, patched)) return true;
    at = end;
  }
  return false;
}

void append16(std::vector<uint8_t>* out, uint16_t v) {
  out->push_back(static_cast<uint8_t>(v >> 8));
  out->push_back(static_cast<uint8_t>(v));
}

// Appends the name at `*at` of `m`, decompressed; false if it does not read.
bool append_name(const uint8_t* m, size_t size, size_t* at, std::vector<uint8_t>* out) {
  Name n;
  if (Name::read(m, size, at, &n) != ParseStatus::kOk) return false;
  out->insert(out->end(), n.data(), n.data() + n.size());
  return true;
}

// Appends record `r` of `m` with its owner and the names in its data uncompressed (the types whose
// data may be compressed, RFC 3597 section 4); other data is copied as it is.
bool append_record(const uint8_t* m, const Record& r, std::vector<uint8_t>* out) {
  out->insert(out->end(), r.name.data(), r.name.data() + r.name.size());
  append16(out, r.type);
  append16(out, r.klass);
  append16(out, static_cast<uint16_t>(r.ttl >> 16));
  append16(out, static_cast<uint16_t>(r.ttl));
  const size_t length_at = out->size();
  append16(out, 0);
  const size_t data_start = out->size();
  size_t at = r.rdata_offset;
  const size_t end = size_t{r.rdata_offset} + r.rdlength;
  const auto [names, fixed_before, fixed_after] = rdata_names(r.type);
  if (names == 0) {
    out->insert(out->end(), m + at, m + end);
  } else {
    if (at + fixed_before > end) return false;
    out->insert(out->end(), m + at, m + at + fixed_before);
    at += fixed_before;
    for (int i = 0; i < names; ++i)
      if (at >= end || !append_name(m, end, &at, out)) return false;
    if (at + fixed_after != end) return false;
    out->insert(out->end(), m + at, m + end);
  }
  const size_t length = out->size() - data_start;
  if (length > 0xFFFF) return false;
  (*out)[length_at] = static_cast<uint8_t>(length >> 8);
  (*out)[length_at + 1] = static_cast<uint8_t>(length);
  return true;
}

bool owned_locally(const Record& r, const Authority& local) {
  return r.type != type::kOpt && local.is_local(r.name);
}

// `m` (parsed from `reply`) without the records whose owner `local` answers itself, OPT kept
// last; false if it cannot be rewritten or would exceed a message's size.
bool strip_local_records(const uint8_t* reply, size_t size, const Message& m,
                         const Authority& local, std::vector<uint8_t>* out) {
  out->assign(reply, reply + kHeaderBytes);
  size_t at = kHeaderBytes;
  if (!append_name(reply, size, &at, out) || at + 4 > size) return false;
  out->insert(out->end(), reply + at, reply + at + 4);
  uint16_t counts[3] = {0, 0, 0};
  int section = 0;
  for (const auto* records : {&m.answers, &m.authority, &m.additional}) {
    for (const Record& r : *records) {
      if (owned_locally(r, local)) continue;
      if (!append_record(reply, r, out)) return false;
      ++counts[section];
    }
    ++section;
  }
  if (m.edns.present) {
    // OPT's fields as they came (its own options are dropped: they are per hop anyway).
    const uint8_t opt[11] = {0,
                             0,
                             type::kOpt,
                             static_cast<uint8_t>(m.edns.udp_size >> 8),
                             static_cast<uint8_t>(m.edns.udp_size),
                             m.edns.extended_rcode,
                             m.edns.version,
                             static_cast<uint8_t>(m.edns.dnssec_ok ? 0x80 : 0),
                             0,
                             0,
                             0};
    out->insert(out->end(), opt, opt + sizeof opt);
  }
  if (out->size() > kMaxMessageBytes) return false;
  put16(out->data() + 6, counts[0]);
  put16(out->data() + 8, counts[1]);
  put16(out->data() + 10, static_cast<uint16_t>(counts[2] + (m.edns.present ? 1 : 0)));
  return true;
}

}  // namespace

bool prepare_reply(const Name& qname, uint16_t qtype, const uint8_t* reply, size_t size,
                   StoredReply* out, const Authority* local) {
  Message m;
  if (parse_message(reply, size, &m) != ParseStatus::kOk) return false;
  if (m.questions.size() != 1 || !(m.questions[0].name == qname) || m.questions[0].qtype != qtype)
    return false;
  if (local) {
    bool strip = false;
    for (const auto* section : {&m.answers, &m.authority, &m.additional})
      for (const Record& r : *section) strip |= owned_locally(r, *local);
    if (strip) {
      std::vector<uint8_t> stripped;
      if (!strip_local_records(reply, size, m, *local, &stripped)) return false;
      return prepare_reply(qname, qtype, stripped.data(), stripped.size(), out, nullptr);
    }
  }
  StoredReply e;
  size_t at = kHeaderBytes;
  Name ignored;
  if (Name::read(reply, size, &at, &ignored) != ParseStatus::kOk) return false;
  e.question_end = at + 4;

  // The bytes without OPT: OPT must be the last record, so the others end where it starts.
  size_t end = e.question_end;
  for (const auto* section : {&m.answers, &m.authority, &m.additional})
    for (const Record& r : *section) end = std::max<size_t>(end, r.rdata_offset + r.rdlength);
  if (m.edns.present ? end + kOptBytes > size : end != size) return false;

  e.rcode = m.header.rcode();
  const uint8_t rc = e.rcode;
  uint32_t lifetime = 0;
  if ((m.header.flags & flag::kTc) || (rc != rcode::kNoError && rc != rcode::kNxDomain) ||
      m.edns.extended_rcode != 0) {
    lifetime = 0;
  } else if (rc == rcode::kNoError && !m.answers.empty()) {
    lifetime = Cache::kMaxTtl;
    for (const Record& r : m.answers) lifetime = std::min(lifetime, r.ttl);
  } else {
    // RFC 2308 section 5: a negative answer lives for min(SOA TTL, SOA MINIMUM); without an SOA
    // it must not be cached.
    const Record* soa = nullptr;
    for (const Record& r : m.authority)
      if (r.type == type::kSoa && r.rdlength >= 20) soa = &r;
    if (soa)
      lifetime = std::min(
          {soa->ttl, get32(reply + soa->rdata_offset + soa->rdlength - 4), Cache::kMaxTtl});
  }
  e.lifetime = lifetime;

  e.bytes.assign(reply, reply + end);
  if (m.edns.present) {
    uint16_t arcount = static_cast<uint16_t>(m.header.arcount - 1);
    put16(e.bytes.data() + 10, arcount);
  }
  const uint16_t flags = static_cast<uint16_t>((m.header.flags & ~flag::kAa) | flag::kRa);
  put16(e.bytes.data() + 2, flags);
  for (const auto* section : {&m.answers, &m.authority, &m.additional}) {
    for (const Record& r : *section) {
      e.ttl_at.push_back(static_cast<uint16_t>(r.rdata_offset - 6));
      e.ttls.push_back(std::min(r.ttl, Cache::kMaxTtl));
    }
  }
  if (any_name_reads_patched(reply, size, m.header, e.ttl_at)) return false;
  *out = std::move(e);
  return true;
}

bool Cache::insert(const Name& qname, uint16_t qtype, const uint8_t* reply, size_t size,
                   Clock::time_point now) {
  StoredReply prepared;
  if (!prepare_reply(qname, qtype, reply, size, &prepared)) return false;
  return insert(qname, qtype, prepared, now);
}

bool Cache::insert(const Name& qname, uint16_t qtype, const StoredReply& reply,
                   Clock::time_point now) {
  if (max_entries_ == 0 || reply.lifetime == 0) return false;
  Key key{qname, qtype};
  if (auto it = entries_.find(key); it != entries_.end()) {
    lru_.erase(it->second.lru);
    entries_.erase(it);
  } else if (entries_.size() >= max_entries_) {
    evict_one();
  }
  auto [it, inserted] = entries_.emplace(key, Entry{reply, now, {}});
  (void)inserted;  // any old entry for the key was erased above
  lru_.push_front(&it->first);
  it->second.lru = lru_.begin();
  publish_size();
  return true;
}

void Cache::evict_one() {
  if (lru_.empty()) return;
  auto victim = entries_.find(*lru_.back());  // found while the key it points at still lives
  lru_.pop_back();
  entries_.erase(victim);
}

Cache::Hit Cache::lookup(const Query& q, const uint8_t* query_bytes, Clock::time_point now,
                         bool allow_stale, uint8_t* out, size_t limit, size_t* size) {
  auto it = entries_.find(Key{q.qname, q.qtype});
  if (it == entries_.end()) return Hit::kMiss;
  Entry& e = it->second;
  auto age_seconds = std::chrono::duration_cast<std::chrono::seconds>(now - e.stored).count();
  const uint64_t age = age_seconds < 0 ? 0 : static_cast<uint64_t>(age_seconds);
  Hit hit = Hit::kFresh;
  if (age >= e.reply.lifetime) {
    if (age >= uint64_t{e.reply.lifetime} + kMaxStaleSeconds) {
      lru_.erase(e.lru);
      entries_.erase(it);
      publish_size();
      return Hit::kMiss;
    }
    if (!allow_stale) return Hit::kMiss;
    hit = Hit::kStale;
  }
  size_t n = write_reply(e.reply, q, query_bytes, age, hit == Hit::kStale, out, limit);
  if (n == 0) return Hit::kMiss;  // not even the question fits: let the caller decide
  lru_.splice(lru_.begin(), lru_, e.lru);
  *size = n;
  return hit;
}

size_t write_reply(const StoredReply& e, const Query& q, const uint8_t* query_bytes, uint64_t age,
                   bool stale, uint8_t* out, size_t limit) {
  const size_t opt = q.edns.present ? kOptBytes : 0;
  const bool fits = e.bytes.size() + opt <= limit;
  size_t n = fits ? e.bytes.size() : e.question_end;
  if (n + opt > limit) return 0;
  std::memcpy(out, e.bytes.data(), n);
  // The client's ID, RD and spelling of the question; the rest is the upstream's.
  out[0] = query_bytes[0];
  out[1] = query_bytes[1];
  uint16_t flags = static_cast<uint16_t>(out[2] << 8 | out[3]);
  flags = static_cast<uint16_t>((flags & ~flag::kRd) | (q.header.flags & flag::kRd));
  if (!fits) flags |= flag::kTc;
  put16(out + 2, flags);
  // The client's spelling, when its question is written out (not compressed) like the stored one.
  if (q.question_end - q.question_offset == e.question_end - kHeaderBytes &&
      q.question_end - q.question_offset == q.qname.size() + 4)
    std::memcpy(out + kHeaderBytes, query_bytes + q.question_offset, e.question_end - kHeaderBytes);
  if (fits) {
    for (size_t i = 0; i < e.ttl_at.size(); ++i) {
      uint32_t ttl = stale ? Cache::kStaleTtl : (e.ttls[i] > age ? e.ttls[i] - age : 0);
      put32(out + e.ttl_at[i], ttl);
    }
  } else {
    put16(out + 6, 0);
    put16(out + 8, 0);
    put16(out + 10, 0);
  }
  if (opt) {
    const uint8_t record[kOptBytes] = {0,
                                       0,
                                       type::kOpt,
                                       kEdnsUdpSize >> 8,
                                       kEdnsUdpSize & 0xFF,
                                       0,
                                       0,
                                       static_cast<uint8_t>(q.edns.dnssec_ok ? 0x80 : 0),
                                       0,
                                       0,
                                       0};
    std::memcpy(out + n, record, kOptBytes);
    n += kOptBytes;
    uint16_t arcount = static_cast<uint16_t>(out[10] << 8 | out[11]);
    put16(out + 10, static_cast<uint16_t>(arcount + 1));
  }
  return n;
}

}  // namespace labgate::dns
