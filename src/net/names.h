// Validation of the names a topology uses, and "did you mean" suggestions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace labgate {

// A DNS label per RFC 1123 section 2.1: 1-63 of [a-z0-9-], not starting or ending with '-'.
// Uppercase is accepted (DNS is case-insensitive); callers compare names case-insensitively.
bool is_dns_label(std::string_view label);

// A dotted DNS name of RFC 1123 labels, at most 253 characters. With allow_wildcard, the first
// label may be '*' (a wildcard owner name, RFC 4592).
bool is_dns_name(std::string_view name, bool allow_wildcard = false);

// A Linux interface name: 1-15 bytes (IFNAMSIZ - 1), no '/', ':', whitespace, not "." or "..".
bool is_interface_name(std::string_view name);

// An interface name labgate accepts in a topology and writes into rulesets: a Linux interface
// name (above) made only of ASCII letters, digits, '.', '-' and '_'. Nothing else, because the
// name is written into text other programs parse: nft (a '"' ends the string, a trailing '*' is a
// wildcard, a backslash escapes), iptables-restore ('+' is a wildcard, quotes and spaces split
// arguments) and shells.
bool is_plain_interface_name(std::string_view name);

// The first byte of `name` that is_plain_interface_name refuses, if any is outside its alphabet.
std::optional<char> first_unplain_interface_char(std::string_view name);

// A key naming a network, host, pool, service or port: a DNS label, so that names can become DNS
// names and lab node names without translation.
inline bool is_object_name(std::string_view name) {
  return is_dns_label(name);
}

// The candidate closest to `word` by edit distance, if it is close enough to be a likely typo;
// empty otherwise.
std::string closest_match(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace labgate
