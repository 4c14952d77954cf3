#include "dns/writer.h"

#include <cstring>

namespace labgate::dns {
namespace {

uint8_t lower(uint8_t c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<uint8_t>(c + ('a' - 'A')) : c;
}

constexpr size_t kMaxPointerTarget = 0x3FFF;

}  // namespace

Writer::Writer(uint8_t* buffer, size_t capacity)
    : buf_(buffer), cap_(capacity < kMaxMessageBytes ? capacity : kMaxMessageBytes) {}

void Writer::header(uint16_t id, uint16_t flags) {
  pos_ = 0;
  flags_ = flags;
  put16(id);
  put16(flags);
  for (int i = 0; i < 4; ++i) put16(0);
}

void Writer::set_flags(uint16_t flags) {
  flags_ = flags;
}

bool Writer::put(const uint8_t* p, size_t n) {
  if (pos_ + n + reserved_ > cap_) return false;
  std::memcpy(buf_ + pos_, p, n);
  pos_ += n;
  return true;
}

bool Writer::put16(uint16_t v) {
  uint8_t b[2] = {static_cast<uint8_t>(v >> 8), static_cast<uint8_t>(v)};
  return put(b, 2);
}

bool Writer::put32(uint32_t v) {
  uint8_t b[4] = {static_cast<uint8_t>(v >> 24), static_cast<uint8_t>(v >> 16),
                  static_cast<uint8_t>(v >> 8), static_cast<uint8_t>(v)};
  return put(b, 4);
}

bool Writer::fail(size_t mark) {
  pos_ = mark;
  while (remembered_count_ > 0 && remembered_[remembered_count_ - 1] >= mark) --remembered_count_;
  overflowed_ = true;
  return false;
}

void Writer::remember(size_t offset) {
  if (offset > kMaxPointerTarget || remembered_count_ == kMaxRemembered) return;
  remembered_[remembered_count_++] = static_cast<uint16_t>(offset);
}

bool Writer::equals_at(size_t offset, const uint8_t* suffix) const {
  size_t p = offset;
  size_t s = 0;
  // Everything before pos_ was written by this writer: pointers point backwards and names end.
  for (int hops = 0; hops <= kMaxPointerHops && p < pos_;) {
    uint8_t len = buf_[p];
    if ((len & 0xC0) == 0xC0) {
      p = static_cast<size_t>(len & 0x3F) << 8 | buf_[p + 1];
      ++hops;
      continue;
    }
    if (len != suffix[s]) return false;
    if (len == 0) return true;
    for (size_t i = 1; i <= len; ++i)
      if (lower(buf_[p + i]) != suffix[s + i]) return false;
    p += 1 + len;
    s += 1 + len;
  }
  return false;
}

bool Writer::put_name(const Name& name) {
  const uint8_t* n = name.data();
  // Find the longest suffix already in the message.
  size_t match_at = name.size() - 1;  // the root label: never compressed
  size_t target = 0;
  bool found = false;
  for (size_t i = 0; n[i] != 0 && !found; i += 1 + n[i]) {
    for (int k = 0; k < remembered_count_; ++k) {
      if (equals_at(remembered_[k], n + i)) {
        match_at = i;
        target = remembered_[k];
        found = true;
        break;
      }
    }
  }
  size_t start = pos_;
  if (!put(n, match_at)) return false;
  if (found) {
    if (!put16(static_cast<uint16_t>(0xC000 | target))) return false;
  } else {
    uint8_t root = 0;
    if (!put(&root, 1)) return false;
  }
  for (size_t i = 0; i < match_at; i += 1 + n[i]) remember(start + i);
  return true;
}

bool Writer::question(const uint8_t* raw, size_t raw_size, const Name& name) {
  if (section_ > 0) return false;
  size_t mark = pos_;
  if (raw_size == name.size() + 4) {
    // Uncompressed: echo the client's bytes (and so its letter case, RFC 4343 / 0x20 encoding).
    if (!put(raw, raw_size)) return fail(mark);
    for (size_t i = 0; raw[i] != 0; i += 1 + raw[i]) remember(mark + i);
  } else {
    if (!put_name(name) || !put(raw + raw_size - 4, 4)) return fail(mark);
  }
  ++counts_[0];
  return true;
}

bool Writer::question(const Name& name, uint16_t qtype, uint16_t qclass) {
  if (section_ > 0) return false;
  size_t mark = pos_;
  if (!put_name(name) || !put16(qtype) || !put16(qclass)) return fail(mark);
  ++counts_[0];
  return true;
}

bool Writer::begin_record(Section s, const Name& owner, uint16_t type, uint16_t klass, uint32_t ttl,
                          size_t* rdlength_at) {
  int index = static_cast<int>(s);
  if (index < section_) return false;  // sections must be written in order
  section_ = index;
  if (!put_name(owner) || !put16(type) || !put16(klass) || !put32(ttl)) return false;
  *rdlength_at = pos_;
  return put16(0);
}

bool Writer::end_record(Section s, size_t rdlength_at, size_t mark) {
  size_t rdlength = pos_ - rdlength_at - 2;
  if (rdlength > 0xFFFF) return fail(mark);
  buf_[rdlength_at] = static_cast<uint8_t>(rdlength >> 8);
  buf_[rdlength_at + 1] = static_cast<uint8_t>(rdlength);
  ++counts_[static_cast<int>(s)];
  return true;
}

bool Writer::a(Section s, const Name& owner, uint32_t ttl, uint32_t address) {
  size_t mark = pos_, at = 0;
  if (!begin_record(s, owner, type::kA, klass::kIn, ttl, &at) || !put32(address)) return fail(mark);
  return end_record(s, at, mark);
}

bool Writer::name_record(Section s, const Name& owner, uint16_t type, uint32_t ttl,
                         const Name& target) {
  size_t mark = pos_, at = 0;
  if (!begin_record(s, owner, type, klass::kIn, ttl, &at) || !put_name(target)) return fail(mark);
  return end_record(s, at, mark);
}

bool Writer::soa(Section s, const Name& owner, uint32_t ttl, const Soa& soa) {
  size_t mark = pos_, at = 0;
  if (!begin_record(s, owner, type::kSoa, klass::kIn, ttl, &at) || !put_name(soa.mname) ||
      !put_name(soa.rname) || !put32(soa.serial) || !put32(soa.refresh) || !put32(soa.retry) ||
      !put32(soa.expire) || !put32(soa.minimum))
    return fail(mark);
  return end_record(s, at, mark);
}

bool Writer::record(Section s, const Name& owner, uint16_t type, uint16_t klass, uint32_t ttl,
                    const uint8_t* rdata, size_t rdlength) {
  size_t mark = pos_, at = 0;
  if (!begin_record(s, owner, type, klass, ttl, &at) || !put(rdata, rdlength)) return fail(mark);
  return end_record(s, at, mark);
}

bool Writer::opt(uint16_t udp_size, uint8_t extended_rcode, bool dnssec_ok) {
  size_t mark = pos_, at = 0;
  uint32_t ttl = uint32_t{extended_rcode} << 24 | (dnssec_ok ? 0x8000u : 0u);  // version 0
  if (!begin_record(Section::kAdditional, Name(), type::kOpt, udp_size, ttl, &at))
    return fail(mark);
  return end_record(Section::kAdditional, at, mark);
}

size_t Writer::finish() {
  if (cap_ < kHeaderBytes) return 0;
  buf_[2] = static_cast<uint8_t>(flags_ >> 8);
  buf_[3] = static_cast<uint8_t>(flags_);
  for (int i = 0; i < 4; ++i) {
    buf_[4 + 2 * i] = static_cast<uint8_t>(counts_[i] >> 8);
    buf_[5 + 2 * i] = static_cast<uint8_t>(counts_[i]);
  }
  return pos_;
}

}  // namespace labgate::dns
