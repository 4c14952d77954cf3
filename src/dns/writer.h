// Building DNS messages into a caller's buffer, with name compression (RFC 1035 section 4.1.4).
//
// Contract: the writer never writes past `capacity` bytes. An item that does not fit is not
// written at all (the message stays well formed), the call returns false and overflowed() becomes
// true; the caller then decides, e.g. to set TC on a UDP reply. Sections must be filled in order
// (question, answer, authority, additional); the header counts are patched by finish().
// Compression is applied to owner names and to the names inside NS, PTR, CNAME and SOA RDATA,
// against names written earlier in the same message.
#pragma once

#include <cstddef>
#include <cstdint>

#include "dns/message.h"
#include "dns/name.h"

namespace labgate::dns {

enum class Section : uint8_t { kQuestion = 0, kAnswer = 1, kAuthority = 2, kAdditional = 3 };

struct Soa {
  Name mname;  // the primary server
  Name rname;  // the mailbox of the person responsible, as a name
  uint32_t serial = 1;
  uint32_t refresh = 3600, retry = 600, expire = 86400;
  uint32_t minimum = 60;  // the TTL of negative answers (RFC 2308)
};

class Writer {
 public:
  // `capacity` is the largest message allowed (a UDP limit, or 65,535 for TCP); at least 12.
  Writer(uint8_t* buffer, size_t capacity);

  // Starts the message (finish() writes the section counts).
  void header(uint16_t id, uint16_t flags);
  void set_flags(uint16_t flags);
  uint16_t flags() const { return flags_; }

  // Echoes a question as the client sent it: `raw` is its bytes in the query, `name` its parsed
  // name. A compressed question is rewritten from `name` (its pointers would be wrong here).
  bool question(const uint8_t* raw, size_t raw_size, const Name& name);
  bool question(const Name& name, uint16_t qtype, uint16_t qclass);

  bool a(Section s, const Name& owner, uint32_t ttl, uint32_t address);
  // NS, PTR, CNAME: RDATA that is one name.
  bool name_record(Section s, const Name& owner, uint16_t type, uint32_t ttl, const Name& target);
  bool soa(Section s, const Name& owner, uint32_t ttl, const Soa& soa);
  bool record(Section s, const Name& owner, uint16_t type, uint16_t klass, uint32_t ttl,
              const uint8_t* rdata, size_t rdlength);
  // The OPT pseudo-record (RFC 6891); `extended_rcode` is the upper 8 bits of a 12-bit rcode.
  bool opt(uint16_t udp_size, uint8_t extended_rcode, bool dnssec_ok);

  // Holds back the last `n` bytes of the capacity (e.g. for an OPT record written last), until
  // release().
  void reserve(size_t n) { reserved_ = n < cap_ ? n : cap_; }
  void release() { reserved_ = 0; }

  bool overflowed() const { return overflowed_; }
  uint16_t count(Section s) const { return counts_[static_cast<int>(s)]; }

  // Writes the counts into the header; returns the message size.
  size_t finish();

 private:
  bool begin_record(Section s, const Name& owner, uint16_t type, uint16_t klass, uint32_t ttl,
                    size_t* rdlength_at);
  bool end_record(Section s, size_t rdlength_at, size_t mark);
  bool put_name(const Name& name);
  bool put16(uint16_t v);
  bool put32(uint32_t v);
  bool put(const uint8_t* p, size_t n);
  bool fail(size_t mark);
  // Whether the name written at `offset` (following pointers) equals the wire name `suffix`.
  bool equals_at(size_t offset, const uint8_t* suffix) const;
  void remember(size_t offset);

  static constexpr int kMaxRemembered = 64;

  uint8_t* buf_;
  size_t cap_;
  size_t pos_ = 0;
  size_t reserved_ = 0;
  uint16_t flags_ = 0;
  uint16_t counts_[4] = {0, 0, 0, 0};
  int section_ = 0;
  bool overflowed_ = false;
  uint16_t remembered_[kMaxRemembered];  // offsets of label starts usable as pointer targets
  int remembered_count_ = 0;
};

}  // namespace labgate::dns
