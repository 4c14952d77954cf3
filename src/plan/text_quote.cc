#include "plan/text_quote.h"

#include <fmt/format.h>

#include "net/names.h"

namespace labgate {
namespace {

std::string shown(std::string_view text) {
  std::string out;
  for (unsigned char c : text.substr(0, 64))
    out += c >= 0x20 && c < 0x7f && c != '\\' ? std::string(1, static_cast<char>(c))
                                              : fmt::format("\\x{:02x}", c);
  return out;
}

std::string checked_interface(std::string_view name, const char* format) {
  if (!is_plain_interface_name(name))
    throw UnsafeText(fmt::format(
        "refusing to write interface name '{}' into the {}: only 1-15 letters, digits, '.', '-' "
        "and '_' are written",
        shown(name), format));
  return std::string(name);
}

std::string replaced(std::string_view text, size_t limit) {
  std::string out;
  for (unsigned char c : text.substr(0, limit))
    out += c >= 0x20 && c < 0x7f && c != '"' && c != '\\' ? static_cast<char>(c) : '?';
  return out;
}

}  // namespace

std::string nft_interface(std::string_view name) {
  return "\"" + checked_interface(name, "nft ruleset") + "\"";
}

std::string nft_comment(std::string_view text) {
  return "\"" + replaced(text, 128) + "\"";
}

std::string iptables_interface(std::string_view name) {
  return checked_interface(name, "iptables ruleset");
}

std::string iptables_comment(std::string_view text) {
  return "\"" + replaced(text, 256) + "\"";
}

std::string comment_line_text(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  return out;
}

std::string dns_name_text(std::string_view name) {
  if (!is_dns_name(name, /*allow_wildcard=*/true))
    throw UnsafeText(fmt::format("refusing to write DNS name '{}': not a DNS name", shown(name)));
  return std::string(name);
}

}  // namespace labgate
