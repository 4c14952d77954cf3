#include "topology/load_context.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <unordered_set>

#include <fmt/format.h>

#include "net/names.h"

namespace labgate {
namespace {

// Where a map entry's value is. An empty value (`address:`) has no text of its own: point at its
// key instead.
SourcePos value_pos(YamlNode value, SourcePos key_pos) {
  return value.is_null() ? key_pos : value.pos();
}

// A parser's error message with the text it quotes replaced by shown(text).
std::string shown_in(std::string message, std::string_view text) {
  if (text.empty()) return message;
  if (size_t at = message.find(text); at != std::string::npos)
    message.replace(at, text.size(), shown(text));
  return message;
}

std::string join(std::span<const std::string_view> words) {
  std::string out;
  for (const auto& w : words) {
    if (!out.empty()) out += ", ";
    out += w;
  }
  return out;
}

}  // namespace

std::string Noun::str() const {
  if (named_) {
    std::string out;
    out.reserve(text_.size() + name_.size() + 3);
    if (!text_.empty()) {
      out += text_;
      out += ' ';
    }
    out += '\'';
    out += name_;
    out += '\'';
    return out;
  }
  if (number_ != 0) return fmt::format("{}{}", text_, number_);
  return std::string(text_);
}

std::string child_path(const std::string& path, std::string_view key) {
  if (path.empty()) return std::string(key);
  std::string out;
  out.reserve(path.size() + 1 + key.size());
  out += path;
  out += '.';
  out += key;
  return out;
}

std::string shown(std::string_view text) {
  constexpr size_t kMaxShown = 60;
  std::string out;
  size_t end = std::min(text.size(), kMaxShown);
  while (end < text.size() && end > 0 && (static_cast<unsigned char>(text[end]) & 0xc0) == 0x80)
    --end;  // do not cut a UTF-8 sequence in two
  for (unsigned char c : text.substr(0, end)) {
    if (c == '\n')
      out += "\\n";
    else if (c == '\t')
      out += "\\t";
    else if (c == '\0')
      out += "\\0";
    else if (c < 0x20 || c == 0x7f)
      out += fmt::format("\\x{:02x}", c);
    else
      out += static_cast<char>(c);
  }
  if (end < text.size()) out += "...";
  return out;
}

bool LoadContext::is_map_or_report(YamlNode n, const std::string& path, const Noun& what) {
  if (n.is_map()) return true;
  wrong_type(path, fmt::format("{} must be a map, not {}", what, kind_name(n)));
  return false;
}

FoundKeys LoadContext::closed_map(YamlNode map, const std::string& path, const Noun& what,
                                  std::span<const std::string_view> keys,
                                  std::span<const std::string_view> required) {
  FoundKeys found;
  if (!is_map_or_report(map, path, what)) {
    found.keys_ok = false;
    return found;
  }
  std::vector<std::string_view> suggested;  // keys an unknown key was probably meant to be
  bool merged = false;                      // a '<<' key may have been meant to provide any key
  for (size_t i = 0; i < map.size(); ++i) {
    YamlNode key = map.key(i);
    YamlNode value = map.value(i);
    SourcePos key_pos = key.pos();
    if (!key.is_scalar()) {
      d_.error(key_pos, "wrong-type",
               fmt::format("a key in {} must be a word, not {}", what, kind_name(key)));
      found.keys_ok = false;
      continue;
    }
    const std::string& name = key.text();
    if (name == "<<") {
      // Merge keys are not applied: the merged keys are not there.
      d_.error(key_pos, "unknown-key",
               fmt::format("merge keys ('<<') are not supported in {}", what),
               "write the keys out; anchors and aliases of whole values do work");
      merged = true;
      found.keys_ok = false;
      continue;
    }
    auto row = std::find(keys.begin(), keys.end(), name);
    if (row == keys.end()) {
      std::vector<std::string> candidates(keys.begin(), keys.end());
      std::string suggestion = closest_match(name, candidates);
      d_.error(key_pos, "unknown-key", fmt::format("unknown key '{}' in {}", shown(name), what),
               suggestion.empty() ? fmt::format("known keys: {}", join(keys))
                                  : fmt::format("did you mean '{}'?", suggestion));
      // A likely misspelling of a known key leaves that key's value unknown: the entity is not
      // ok, so rules that depend on it stay quiet. Any other unknown key is only itself wrong.
      if (!suggestion.empty()) {
        suggested.push_back(*std::find(keys.begin(), keys.end(), suggestion));
        found.keys_ok = false;
      }
      continue;
    }
    auto& slot = found.values[static_cast<size_t>(row - keys.begin())];
    if (slot) {
      d_.error(key_pos, "duplicate-key", fmt::format("key '{}' appears twice in {}", name, what),
               "remove one of them");
      continue;
    }
    slot = value;
    t_.where.set(child_path(path, name), key_pos, value_pos(value, key_pos));
  }
  for (const auto& key : required) {
    if (found.values[static_cast<size_t>(std::find(keys.begin(), keys.end(), key) - keys.begin())])
      continue;
    found.keys_ok = false;
    // A misspelt required key is one mistake: its unknown-key error already says what to write.
    if (std::find(suggested.begin(), suggested.end(), key) == suggested.end() && !merged)
      d_.error(t_.where.value(path), "missing-key", fmt::format("{} has no '{}'", what, key),
               fmt::format("add '{}: ...'", key));
  }
  return found;
}

std::vector<std::pair<std::string, YamlNode>> LoadContext::named_entries(YamlNode map,
                                                                         const std::string& path,
                                                                         std::string_view what) {
  std::vector<std::pair<std::string, YamlNode>> out;
  if (map.is_null()) return out;  // an empty section
  if (!is_map_or_report(map, path, Noun("", path))) return out;
  out.reserve(map.size());
  std::unordered_set<std::string_view> seen;
  seen.reserve(map.size());
  for (size_t i = 0; i < map.size(); ++i) {
    YamlNode key = map.key(i);
    SourcePos key_pos = key.pos();
    if (!key.is_scalar()) {
      d_.error(key_pos, "wrong-type",
               fmt::format("a {} name must be a word, not {}", what, kind_name(key)));
      continue;
    }
    const std::string& name = key.text();  // owned by the tree, which outlives this call
    if (!is_object_name(name)) {
      d_.error(key_pos, "invalid-name",
               fmt::format("'{}' is not a valid {} name", shown(name), what),
               "use 1-63 letters, digits and '-', not starting or ending with '-' (RFC 1123)");
      continue;
    }
    if (!seen.insert(name).second) {
      d_.error(key_pos, "duplicate-name", fmt::format("{} '{}' is defined twice", what, name),
               "give each a different name, or merge them");
      continue;
    }
    t_.where.set(child_path(path, name), key_pos, value_pos(map.value(i), key_pos));
    out.emplace_back(name, map.value(i));
  }
  return out;
}

std::optional<std::string> LoadContext::scalar(YamlNode n, const std::string& path,
                                               const Noun& given) {
  const Noun what = given.empty() ? Noun("", path) : given;
  if (n.is_scalar()) {
    // A NUL (written "\0" in a quoted value, or raw) would end the value early in every C API
    // it reaches, and no labgate value has one.
    if (n.text().find('\0') != std::string::npos) {
      bad_value(path, fmt::format("{} contains a NUL character: '{}'", what, shown(n.text())),
                "remove the \\0; NUL is not allowed in a value");
      return std::nullopt;
    }
    return n.text();
  }
  if (n.is_null()) {
    wrong_type(path, fmt::format("{} has no value", what),
               "write the value after the colon, or remove the key");
    return std::nullopt;
  }
  wrong_type(path, fmt::format("{} must be a single value, not {}", what, kind_name(n)));
  return std::nullopt;
}

std::optional<bool> LoadContext::boolean(YamlNode n, const std::string& path) {
  auto text = scalar(n, path);
  if (!text) return std::nullopt;
  if (*text == "true") return true;
  if (*text == "false") return false;
  wrong_type(path, fmt::format("'{}' must be true or false, not '{}'", path, shown(*text)));
  return std::nullopt;
}

std::optional<uint32_t> LoadContext::integer(YamlNode n, const std::string& path, uint32_t min,
                                             uint32_t max, const Noun& what) {
  auto text = scalar(n, path, what);
  if (!text) return std::nullopt;
  return integer_text(*text, path, min, max, what);
}

std::optional<uint32_t> LoadContext::integer_text(const std::string& text, const std::string& path,
                                                  uint32_t min, uint32_t max, const Noun& what) {
  uint32_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  // "080" is refused as the schema refuses it: YAML 1.1 tools read it as octal or as a string.
  bool leading_zero = text.size() > 1 && text[0] == '0';
  if (ec != std::errc() || end != text.data() + text.size() || v < min || v > max || leading_zero) {
    bad_value(path, fmt::format("{} must be a number from {} to {}{}, not '{}'", what, min, max,
                                leading_zero ? " without leading zeros" : "", shown(text)));
    return std::nullopt;
  }
  return v;
}

std::optional<uint16_t> LoadContext::port(YamlNode n, const std::string& path) {
  auto v = integer(n, path, 1, 65535, "a port");
  if (!v) return std::nullopt;
  return static_cast<uint16_t>(*v);
}

std::optional<uint16_t> LoadContext::port_text(const std::string& text, const std::string& path) {
  auto v = integer_text(text, path, 1, 65535, "a port");
  if (!v) return std::nullopt;
  return static_cast<uint16_t>(*v);
}

bool LoadContext::refuse_ipv6(const std::string& text, const std::string& path) {
  if (text.find(':') == std::string::npos) return false;
  // An address, ADDRESS/LENGTH or FIRST-LAST: the first address decides (IPv6 has no '-').
  std::string first = text.substr(0, text.find_first_of("/-"));
  in6_addr scratch{};
  if (inet_pton(AF_INET6, first.c_str(), &scratch) != 1) return false;
  d_.error(t_.where.value(path), "ipv6-unsupported",
           fmt::format("'{}' is IPv6; IPv6 is not supported yet", shown(text)),
           "use an IPv4 address here; labgate reads IPv4 only for now");
  return true;
}

std::optional<IpAddress> LoadContext::address(YamlNode n, const std::string& path) {
  auto text = scalar(n, path);
  if (!text || refuse_ipv6(*text, path)) return std::nullopt;
  std::string error;
  auto a = IpAddress::parse(*text, &error);
  if (!a)
    bad_value(path, shown_in(error, *text), "write a dotted IPv4 address, e.g. 192.168.100.60");
  return a;
}

std::optional<IpPrefix> LoadContext::prefix(YamlNode n, const std::string& path, const Noun& what) {
  auto text = scalar(n, path, what);
  if (!text || refuse_ipv6(*text, path)) return std::nullopt;
  std::string error;
  auto p = IpPrefix::parse(*text, &error);
  if (!p) bad_value(path, shown_in(error, *text), "write ADDRESS/LENGTH, e.g. 192.168.100.0/24");
  return p;
}

std::optional<IpRange> LoadContext::range(YamlNode n, const std::string& path, const Noun& what) {
  auto text = scalar(n, path, what);
  if (!text || refuse_ipv6(*text, path)) return std::nullopt;
  std::string error;
  auto r = IpRange::parse(*text, &error);
  if (!r) bad_value(path, shown_in(error, *text), "write FIRST-LAST, e.g. 192.168.100.80-85");
  return r;
}

std::optional<IpPrefix> LoadContext::address_or_prefix(YamlNode n, const std::string& path,
                                                       const Noun& what) {
  auto text = scalar(n, path, what);
  if (!text || refuse_ipv6(*text, path)) return std::nullopt;
  std::string error;
  std::optional<IpPrefix> p;
  if (text->find('/') == std::string::npos) {
    if (auto a = IpAddress::parse(*text, &error)) p = IpPrefix{*a, 32};
  } else {
    p = IpPrefix::parse(*text, &error);
  }
  if (!p)
    bad_value(path, shown_in(error, *text),
              "write an address or ADDRESS/LENGTH, e.g. 192.168.1.10 or 192.168.1.0/24");
  return p;
}

std::optional<uint32_t> LoadContext::duration_ms(YamlNode n, const std::string& path,
                                                 uint32_t min_ms, uint32_t max_ms,
                                                 const Noun& what) {
  auto text = scalar(n, path, what);
  if (!text) return std::nullopt;
  std::string_view digits = *text;
  uint32_t scale = 0;
  if (digits.ends_with("ms")) {
    scale = 1;
    digits.remove_suffix(2);
  } else if (digits.ends_with("s")) {
    scale = 1000;
    digits.remove_suffix(1);
  }
  uint32_t v = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  uint64_t ms = uint64_t{v} * scale;
  if (scale == 0 || digits.empty() || ec != std::errc() || end != digits.data() + digits.size() ||
      ms < min_ms || ms > max_ms) {
    bad_value(path,
              fmt::format("{} must be a duration from {}ms to {}s, not '{}'", what, min_ms,
                          max_ms / 1000, shown(*text)),
              "write a number with 'ms' or 's', e.g. 500ms or 2s");
    return std::nullopt;
  }
  return static_cast<uint32_t>(ms);
}

std::optional<std::string> LoadContext::reference(YamlNode n, const std::string& path,
                                                  std::string_view what) {
  auto text = scalar(n, path);
  if (!text) return std::nullopt;
  if (!is_object_name(*text)) {
    bad_value(path, fmt::format("'{}' is not a valid {} name", shown(*text), what));
    return std::nullopt;
  }
  return text;
}

std::optional<std::string> LoadContext::choice(YamlNode n, const std::string& path,
                                               std::string_view key,
                                               std::span<const std::string_view> choices) {
  auto text = scalar(n, path, Noun("", key));
  if (!text) return std::nullopt;
  if (std::find(choices.begin(), choices.end(), *text) != choices.end()) return text;
  std::string either;
  for (size_t i = 0; i < choices.size(); ++i)
    either += (i == 0 ? "" : i + 1 == choices.size() ? " or " : ", ") + std::string(choices[i]);
  bad_value(path, fmt::format("'{}' must be {}, not '{}'", key, either, shown(*text)));
  return std::nullopt;
}

}  // namespace labgate
