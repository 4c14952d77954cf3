#include "proxy/client_hello.h"

#include <algorithm>

namespace labgate::proxy {
namespace {

constexpr uint8_t kHandshakeRecord = 22;
constexpr uint8_t kClientHello = 1;
constexpr size_t kMaxRecordBody = 16 * 1024;  // RFC 8446 5.1: 2^14
constexpr uint16_t kServerNameExtension = 0;
constexpr uint8_t kHostName = 0;
constexpr size_t kMaxNameBytes = 253;

// A bounds-checked reader over one buffer. Every read says whether it fit; after a failed read
// the reader is spent (ok() is false) and reads nothing more.
class Reader {
 public:
  Reader(const uint8_t* data, size_t size) : p_(data), left_(size) {}
  bool ok() const { return ok_; }
  size_t left() const { return left_; }
  const uint8_t* here() const { return p_; }

  bool u8(uint8_t* v) {
    if (!take(1)) return false;
    *v = p_[-1];
    return true;
  }
  bool u16(uint16_t* v) {
    if (!take(2)) return false;
    *v = static_cast<uint16_t>(p_[-2] << 8 | p_[-1]);
    return true;
  }
  bool skip(size_t n) { return take(n); }
  // A sub-reader over the next n bytes, which this reader then skips.
  bool sub(size_t n, Reader* out) {
    if (!take(n)) return false;
    *out = Reader(p_ - n, n);
    return true;
  }

 private:
  bool take(size_t n) {
    if (!ok_ || n > left_) return ok_ = false;
    p_ += n;
    left_ -= n;
    return true;
  }
  const uint8_t* p_;
  size_t left_;
  bool ok_ = true;
};

bool is_name_byte(uint8_t c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

// Lower-cases and checks a host name; false if it is not one labgate can route by.
bool normalize_name(const uint8_t* data, size_t size, std::string* out) {
  if (size > 0 && data[size - 1] == '.') --size;  // "a.example." names the same host
  if (size == 0 || size > kMaxNameBytes) return false;
  out->assign(reinterpret_cast<const char*>(data), size);
  char previous = '.';
  for (char& c : *out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (!is_name_byte(static_cast<uint8_t>(c))) return false;
    if (c == '.' && previous == '.') return false;  // an empty label
    previous = c;
  }
  return true;
}

}  // namespace

const char* to_string(HelloStatus s) {
  switch (s) {
    case HelloStatus::kNeedMore:
      return "need-more";
    case HelloStatus::kDone:
      return "done";
    case HelloStatus::kNotTls:
      return "not-tls";
    case HelloStatus::kInvalid:
      return "invalid";
  }
  return "?";
}

HelloStatus ClientHelloParser::fail(HelloStatus s, const char* why) {
  status_ = s;
  reason_ = why;
  server_name_.clear();
  handshake_.clear();
  handshake_.shrink_to_fit();
  return s;
}

HelloStatus ClientHelloParser::feed(const uint8_t* data, size_t size) {
  while (status_ == HelloStatus::kNeedMore && size > 0) {
    if (header_have_ < 5) {
      // The record header, one byte at a time so that each byte is judged as soon as it arrives.
      uint8_t b = *data++;
      --size;
      header_[header_have_++] = b;
      const bool first = records_ == 0;
      switch (header_have_) {
        case 1:
          if (b != kHandshakeRecord)
            return first ? fail(HelloStatus::kNotTls, "not a TLS handshake record")
                         : fail(HelloStatus::kInvalid, "a non-handshake record inside the hello");
          break;
        case 2:
          if (b != 3)
            return fail(first ? HelloStatus::kNotTls : HelloStatus::kInvalid,
                        "record version is not 3.x");
          break;
        case 3:
          if (b > 4)
            return fail(first ? HelloStatus::kNotTls : HelloStatus::kInvalid,
                        "record version is not 3.0-3.4");
          break;
        case 5: {
          size_t length = size_t{header_[3]} << 8 | header_[4];
          if (length == 0 || length > kMaxRecordBody)
            return fail(HelloStatus::kInvalid, "record length is 0 or over 16 KiB");
          record_left_ = length;
          ++records_;
          break;
        }
      }
      continue;
    }
    // Inside a record's body: append what belongs to it, bounded by the hello's limit.
    size_t take = std::min(size, record_left_);
    if (handshake_.size() + take > kMaxHelloBytes)
      return fail(HelloStatus::kInvalid, "ClientHello larger than the limit");
    handshake_.insert(handshake_.end(), data, data + take);
    data += take;
    size -= take;
    record_left_ -= take;
    if (record_left_ == 0) header_have_ = 0;
    HelloStatus s = parse_handshake();
    if (s != HelloStatus::kNeedMore) return s;
  }
  return status_;
}

// Judges the reassembled handshake bytes: kNeedMore until the whole ClientHello is there.
HelloStatus ClientHelloParser::parse_handshake() {
  if (handshake_.empty()) return HelloStatus::kNeedMore;
  if (handshake_[0] != kClientHello)
    return fail(HelloStatus::kInvalid, "first handshake message is not a ClientHello");
  if (handshake_.size() < 4) return HelloStatus::kNeedMore;
  size_t length = size_t{handshake_[1]} << 16 | size_t{handshake_[2]} << 8 | handshake_[3];
  if (4 + length > kMaxHelloBytes) return fail(HelloStatus::kInvalid, "ClientHello too large");
  if (handshake_.size() < 4 + length) return HelloStatus::kNeedMore;

  Reader body(handshake_.data() + 4, length);
  uint8_t major = 0, minor = 0, session_id_length = 0, compression_length = 0;
  uint16_t suites_length = 0;
  if (!body.u8(&major) || !body.u8(&minor) || major != 3)
    return fail(HelloStatus::kInvalid, "ClientHello version is not 3.x");
  if (!body.skip(32)) return fail(HelloStatus::kInvalid, "ClientHello random truncated");
  if (!body.u8(&session_id_length) || session_id_length > 32 || !body.skip(session_id_length))
    return fail(HelloStatus::kInvalid, "bad session id");
  if (!body.u16(&suites_length) || suites_length < 2 || suites_length % 2 != 0 ||
      !body.skip(suites_length))
    return fail(HelloStatus::kInvalid, "bad cipher suites");
  if (!body.u8(&compression_length) || compression_length < 1 || !body.skip(compression_length))
    return fail(HelloStatus::kInvalid, "bad compression methods");

  server_name_.clear();
  if (body.left() == 0) {  // no extensions at all (old clients): no name
    status_ = HelloStatus::kDone;
    return status_;
  }
  uint16_t extensions_length = 0;
  if (!body.u16(&extensions_length) || extensions_length != body.left())
    return fail(HelloStatus::kInvalid, "extensions length does not match the hello");
  bool seen_name = false;
  while (body.left() > 0) {
    uint16_t type = 0, ext_length = 0;
    Reader ext(nullptr, 0);
    if (!body.u16(&type) || !body.u16(&ext_length) || !body.sub(ext_length, &ext))
      return fail(HelloStatus::kInvalid, "extension truncated");
    if (type != kServerNameExtension) continue;
    if (seen_name) return fail(HelloStatus::kInvalid, "two server_name extensions");
    seen_name = true;
    uint16_t list_length = 0;
    Reader list(nullptr, 0);
    if (!ext.u16(&list_length) || list_length != ext.left() || list_length == 0 ||
        !ext.sub(list_length, &list))
      return fail(HelloStatus::kInvalid, "bad server_name list");
    bool have_host = false;
    while (list.left() > 0) {
      uint8_t name_type = 0;
      uint16_t name_length = 0;
      if (!list.u8(&name_type) || !list.u16(&name_length) || name_length > list.left())
        return fail(HelloStatus::kInvalid, "server_name entry truncated");
      const uint8_t* name = list.here();
      list.skip(name_length);
      if (name_type != kHostName) continue;
      if (have_host) return fail(HelloStatus::kInvalid, "two host names");
      have_host = true;
      if (!normalize_name(name, name_length, &server_name_))
        return fail(HelloStatus::kInvalid, "server name is not a host name");
    }
  }
  status_ = HelloStatus::kDone;
  handshake_.clear();
  handshake_.shrink_to_fit();
  return status_;
}

}  // namespace labgate::proxy
