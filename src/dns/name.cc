#include "dns/name.h"

#include <cstdio>
#include <cstring>

namespace labgate::dns {

const char* to_string(ParseStatus s) {
  switch (s) {
    case ParseStatus::kOk:
      return "ok";
    case ParseStatus::kTruncated:
      return "truncated message";
    case ParseStatus::kBadLabelType:
      return "bad label type";
    case ParseStatus::kNameTooLong:
      return "name longer than 255 bytes";
    case ParseStatus::kBadPointer:
      return "compression pointer not pointing backwards";
    case ParseStatus::kTooManyPointers:
      return "too many compression pointers";
    case ParseStatus::kBadQuestionCount:
      return "question count is not 1";
    case ParseStatus::kBadOpt:
      return "malformed OPT record";
    case ParseStatus::kTrailingData:
      return "trailing data after the last record";
    case ParseStatus::kTooLong:
      return "message longer than 65535 bytes";
  }
  return "unknown";
}

namespace {

uint8_t lower(uint8_t c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<uint8_t>(c + ('a' - 'A')) : c;
}

}  // namespace

std::optional<Name> Name::from_text(std::string_view text) {
  Name n;
  if (text.empty() || text == ".") return n;
  if (text.back() == '.') text.remove_suffix(1);
  size_t out = 0;
  while (true) {
    size_t dot = text.find('.');
    std::string_view label = text.substr(0, dot);
    if (label.empty() || label.size() > kMaxLabelBytes) return std::nullopt;
    if (out + 1 + label.size() + 1 > kMaxNameBytes) return std::nullopt;
    n.bytes_[out++] = static_cast<uint8_t>(label.size());
    for (char c : label) n.bytes_[out++] = lower(static_cast<uint8_t>(c));
    if (dot == std::string_view::npos) break;
    text.remove_prefix(dot + 1);
  }
  n.bytes_[out++] = 0;
  n.size_ = out;
  return n;
}

ParseStatus Name::read(const uint8_t* message, size_t size, size_t* offset, Name* out) {
  size_t pos = *offset;
  size_t written = 0;
  size_t end_of_name = 0;  // where the caller resumes: after the first pointer, or the root label
  bool jumped = false;
  int hops = 0;
  // Invariant: every pointer taken points strictly before the position it was read at, so
  // `pos` decreases at each jump and reading terminates even without the hop limit.
  while (true) {
    if (pos >= size) return ParseStatus::kTruncated;
    uint8_t len = message[pos];
    if ((len & 0xC0) == 0xC0) {
      if (pos + 1 >= size) return ParseStatus::kTruncated;
      size_t target = static_cast<size_t>(len & 0x3F) << 8 | message[pos + 1];
      if (target >= pos) return ParseStatus::kBadPointer;
      if (++hops > kMaxPointerHops) return ParseStatus::kTooManyPointers;
      if (!jumped) end_of_name = pos + 2;
      jumped = true;
      pos = target;
      continue;
    }
    if ((len & 0xC0) != 0) return ParseStatus::kBadLabelType;
    if (written + 1 + len > kMaxNameBytes) return ParseStatus::kNameTooLong;
    if (len == 0) {
      out->bytes_[written++] = 0;
      out->size_ = written;
      *offset = jumped ? end_of_name : pos + 1;
      return ParseStatus::kOk;
    }
    if (pos + 1 + len > size) return ParseStatus::kTruncated;
    out->bytes_[written++] = len;
    for (size_t i = 0; i < len; ++i) out->bytes_[written++] = lower(message[pos + 1 + i]);
    pos += 1 + len;
  }
}

int Name::label_count() const {
  int count = 0;
  for (size_t i = 0; bytes_[i] != 0; i += 1 + bytes_[i]) ++count;
  return count;
}

Name Name::parent() const {
  if (is_root()) return *this;
  Name p;
  size_t skip = 1 + bytes_[0];
  p.size_ = size_ - skip;
  std::memcpy(p.bytes_.data(), bytes_.data() + skip, p.size_);
  return p;
}

bool Name::is_subdomain_of(const Name& zone) const {
  if (zone.size_ > size_) return false;
  // Walk label boundaries so "xcluster" is not taken to be under "cluster".
  for (size_t i = 0; i < size_; i += 1 + bytes_[i]) {
    if (size_ - i == zone.size_)
      return std::memcmp(bytes_.data() + i, zone.bytes_.data(), zone.size_) == 0;
    if (size_ - i < zone.size_ || bytes_[i] == 0) return false;
  }
  return false;
}

std::optional<Name> Name::child(std::string_view label) const {
  if (label.empty() || label.size() > kMaxLabelBytes) return std::nullopt;
  if (1 + label.size() + size_ > kMaxNameBytes) return std::nullopt;
  Name c;
  c.bytes_[0] = static_cast<uint8_t>(label.size());
  for (size_t i = 0; i < label.size(); ++i) c.bytes_[1 + i] = lower(static_cast<uint8_t>(label[i]));
  std::memcpy(c.bytes_.data() + 1 + label.size(), bytes_.data(), size_);
  c.size_ = 1 + label.size() + size_;
  return c;
}

std::string Name::to_text() const {
  if (is_root()) return ".";
  std::string text;
  for (size_t i = 0; bytes_[i] != 0; i += 1 + bytes_[i]) {
    for (size_t j = 0; j < bytes_[i]; ++j) {
      uint8_t c = bytes_[i + 1 + j];
      if (c == '.' || c == '\\') {
        text += '\\';
        text += static_cast<char>(c);
      } else if (c < 0x21 || c > 0x7E) {
        char buf[5];
        std::snprintf(buf, sizeof buf, "\\%03u", c);
        text += buf;
      } else {
        text += static_cast<char>(c);
      }
    }
    text += '.';
  }
  return text;
}

}  // namespace labgate::dns
