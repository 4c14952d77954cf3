// DNS names in wire form (RFC 1035 section 3.1), read from untrusted messages.
//
// A Name holds an uncompressed, lowercased wire-form name ("\6argocd\7cluster\0") in a fixed
// inline buffer, so parsing a query allocates nothing. Lowercasing at parse time makes equality
// and hashing case-insensitive by construction (RFC 4343); the original spelling of a question is
// kept by echoing the question's raw bytes, never by re-encoding a Name.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace labgate::dns {

inline constexpr size_t kMaxNameBytes = 255;  // wire form, including the root label
inline constexpr size_t kMaxLabelBytes = 63;
inline constexpr int kMaxPointerHops =
    64;  // a legal name has at most 127 labels; 64 hops is plenty

// Why a message could not be read. Every parser in src/dns/ returns one of these; kOk is 0.
enum class ParseStatus : uint8_t {
  kOk = 0,
  kTruncated,         // the message ends inside a field
  kBadLabelType,      // a label length byte with top bits 01 or 10 (RFC 6891 obsoleted them)
  kNameTooLong,       // more than 255 bytes in wire form
  kBadPointer,        // a compression pointer that does not point strictly backwards
  kTooManyPointers,   // more than kMaxPointerHops pointers in one name
  kBadQuestionCount,  // a query whose QDCOUNT is not 1
  kBadOpt,            // a malformed or repeated OPT record, or OPT outside the additional section
  kTrailingData,      // bytes after the last record the header announced
  kTooLong,           // more than 65,535 bytes: no DNS message can be
};
const char* to_string(ParseStatus s);

class Name {
 public:
  Name() { bytes_[0] = 0; }  // the root name

  // The name in presentation form ("argocd.cluster"). For trusted text only: accepts labels of
  // 1-63 bytes, no escapes; returns nullopt otherwise. "" and "." are the root.
  static std::optional<Name> from_text(std::string_view text);

  // Reads the (possibly compressed) name at `*offset` of `message`; on success advances *offset
  // past the name as it appears at that place (a pointer counts 2 bytes). Pointers must point
  // strictly before the place they appear in, so a name cannot loop; hops are capped as well.
  static ParseStatus read(const uint8_t* message, size_t size, size_t* offset, Name* out);

  const uint8_t* data() const { return bytes_.data(); }
  size_t size() const { return size_; }
  std::string_view wire() const { return {reinterpret_cast<const char*>(bytes_.data()), size_}; }
  int label_count() const;  // not counting the root
  bool is_root() const { return size_ == 1; }

  // The name without its first label; the root's parent is the root.
  Name parent() const;
  // Whether this name equals `zone` or lies below it.
  bool is_subdomain_of(const Name& zone) const;
  // `label` + "." + this name ("*" and the zone give the zone's wildcard); nullopt if too long.
  std::optional<Name> child(std::string_view label) const;

  std::string to_text() const;  // "argocd.cluster." ; the root is "."

  bool operator==(const Name& o) const { return wire() == o.wire(); }

 private:
  std::array<uint8_t, kMaxNameBytes> bytes_;
  size_t size_ = 1;
};

struct NameHash {
  size_t operator()(const Name& n) const { return std::hash<std::string_view>{}(n.wire()); }
};

}  // namespace labgate::dns
