// The server name (SNI, RFC 6066) of a TLS ClientHello, read incrementally from a TCP stream.
//
// The proxy routes TLS by name without terminating it, so it reads the client's first bytes,
// finds the name, and then relays those same bytes to the chosen backend. The ClientHello may
// arrive in any number of TCP segments (a post-quantum key share alone is over 1 KiB, so the hello
// no longer fits one segment) and a client may fragment it over several TLS records; the parser
// reassembles record bodies into the handshake message and parses it once it is whole.
//
// Contract: feed() takes the stream's next bytes, in order, in pieces of any size (including
// single bytes). It never reads outside what it was given, never throws, allocates at most
// kMaxHelloBytes, and answers:
//   kNeedMore  everything so far is a plausible ClientHello prefix; feed more.
//   kDone      the ClientHello is complete; server_name() holds the name (empty if none was sent).
//   kNotTls    the first bytes are not a TLS handshake record (e.g. plain HTTP, SSH): decided
//              from the first byte or the first record header, so garbage is rejected fast.
//   kInvalid   a TLS record, but a malformed, oversized or otherwise refused ClientHello.
// Once the answer is not kNeedMore it stays the same; later feeds are ignored.
//
// Names are returned in lower case without a trailing dot. A name that is not a plausible DNS
// host name (empty labels, bytes outside letters, digits, '-', '_', '.', over 253 bytes) makes
// the hello kInvalid: a name we cannot route by must not silently fall through to a default.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace labgate::proxy {

enum class HelloStatus : uint8_t { kNeedMore, kDone, kNotTls, kInvalid };
const char* to_string(HelloStatus s);

class ClientHelloParser {
 public:
  // The largest ClientHello handshake message accepted (body and 4-byte header). Real ones,
  // including hybrid post-quantum key shares (X25519MLKEM768, ~1.2 KiB), stay far below.
  static constexpr size_t kMaxHelloBytes = 16 * 1024;

  HelloStatus feed(const uint8_t* data, size_t size);
  HelloStatus feed(std::string_view bytes) {
    return feed(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  }

  HelloStatus status() const { return status_; }
  // Valid once status() is kDone.
  const std::string& server_name() const { return server_name_; }
  // Why the status is kInvalid or kNotTls, for logs; empty otherwise.
  const char* reason() const { return reason_; }
  // TLS records consumed so far (a diagnostic: > 1 means the hello spanned records).
  int records() const { return records_; }

 private:
  HelloStatus fail(HelloStatus s, const char* why);
  HelloStatus parse_handshake();

  HelloStatus status_ = HelloStatus::kNeedMore;
  const char* reason_ = "";
  uint8_t header_[5] = {};  // the record header being read
  size_t header_have_ = 0;  // bytes of header_ read; 5 means inside a record's body
  size_t record_left_ = 0;  // body bytes of the current record not read yet
  int records_ = 0;
  std::vector<uint8_t> handshake_;  // handshake bytes reassembled from record bodies
  std::string server_name_;
};

}  // namespace labgate::proxy
