// The one place where a value from the file becomes text for another program's parser: nft
// scripts, iptables-restore files, zone, hosts and dnsmasq files. Every generator writes every
// name, comment and label through one of these, so a value can never end a string, start a
// statement or become a wildcard, whatever the validator let through.
//
// Values with a meaning (interface names, DNS names) are refused when they are outside the safe
// alphabet: escaping them would change what they match (an nft rule for "a\*" is not a rule for
// the interface the owner meant). Comments carry no meaning, so what does not fit is replaced.
// The validator refuses every such value first (topology/validate.cc), so UnsafeText is never
// thrown for a topology `labgate check` accepts; if it is, the command fails (exit 1) and nothing
// is applied.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace labgate {

class UnsafeText : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// `"vmbr0"`: an interface name as one nft string token. Throws UnsafeText unless
// is_plain_interface_name(name) (net/names.h).
std::string nft_interface(std::string_view name);

// `"lan egress"`: a comment as one nft string token, at most 128 bytes (nft's limit). Bytes other
// than printable ASCII, '"' and '\' become '?'.
std::string nft_comment(std::string_view text);

// `vmbr0`: an interface name as one iptables-restore argument. Throws UnsafeText unless
// is_plain_interface_name(name).
std::string iptables_interface(std::string_view name);

// `"lan egress"`: a comment as one iptables-restore argument (at most 256 bytes, xt_comment's
// limit), replaced as for nft_comment.
std::string iptables_comment(std::string_view text);

// The text of a `#` or `;` comment line: control bytes (newline among them) become '?', so the
// text cannot end the line and start another.
std::string comment_line_text(std::string_view text);

// A DNS name as a zone file owner, a hosts entry or a dnsmasq value: RFC 1123 labels, the first
// may be '*'. Throws UnsafeText otherwise (';', '(', '"', '\', '$', '/', ',', '#' and whitespace
// would all be syntax in one of these formats).
std::string dns_name_text(std::string_view name);

}  // namespace labgate
