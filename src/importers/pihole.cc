#include "importers/pihole.h"

#include <algorithm>
#include <cctype>
#include <map>

#include <fmt/format.h>

namespace labgate::importers {
namespace {

bool looks_ipv6(std::string_view s) {
  if (std::count(s.begin(), s.end(), ':') < 2) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.';
  });
}

bool is_hostname(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  size_t start = 0;
  while (start <= s.size()) {
    size_t dot = s.find('.', start);
    if (dot == std::string_view::npos) dot = s.size();
    auto label = s.substr(start, dot - start);
    if (label.empty() || label.size() > 63) return false;
    for (char c : label) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
    }
    start = dot + 1;
  }
  return s.back() != '.';
}

// One record "ADDRESS NAME [NAME...]" at (line, column of its first character).
bool parse_record(std::string_view text, int line, int column, std::vector<PiholeRecord>* out,
                  ImportError* error) {
  std::vector<std::pair<std::string, int>> words;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r')) ++i;
    if (i >= text.size()) break;
    size_t start = i;
    while (i < text.size() && text[i] != ' ' && text[i] != '\t' && text[i] != '\r') ++i;
    words.emplace_back(std::string(text.substr(start, i - start)),
                       column + static_cast<int>(start));
  }
  if (words.empty()) {
    *error = {line, column, "an empty record: write \"ADDRESS NAME\""};
    return false;
  }
  const auto& [address, address_col] = words[0];
  if (!parse_ipv4(address) && !looks_ipv6(address)) {
    *error = {line, address_col, fmt::format("'{}' is not an IP address", address)};
    return false;
  }
  if (words.size() < 2) {
    *error = {line, address_col + static_cast<int>(address.size()),
              fmt::format("the address {} has no name after it", address)};
    return false;
  }
  for (size_t w = 1; w < words.size(); ++w) {
    if (!is_hostname(words[w].first)) {
      *error = {line, words[w].second, fmt::format("'{}' is not a host name", words[w].first)};
      return false;
    }
    out->push_back({line, words[w].second, address, words[w].first, std::string(text)});
  }
  return true;
}

// ---- just enough TOML to find dns.hosts ----

class Toml {
 public:
  Toml(std::string_view text, ImportError* error) : text_(text), error_(error) {}

  std::optional<std::vector<PiholeRecord>> run() {
    std::vector<std::string> table;
    bool found = false;
    int found_line = 0;
    std::vector<PiholeRecord> records;
    for (;;) {
      skip_space_and_newlines();
      if (done()) break;
      if (peek() == '[') {
        int l = line_;
        bool array = peek(1) == '[';
        advance(array ? 2 : 1);
        auto keys = read_key();
        if (!keys) return std::nullopt;
        skip_space();
        if (!expect(']') || (array && !expect(']'))) return std::nullopt;
        if (!end_of_line()) return std::nullopt;
        table = *keys;
        (void)l;
        continue;
      }
      int key_line = line_, key_col = col_;
      auto keys = read_key();
      if (!keys) return std::nullopt;
      skip_space();
      if (!expect('=')) return std::nullopt;
      skip_space();
      std::vector<std::string> path = table;
      path.insert(path.end(), keys->begin(), keys->end());
      if (path == std::vector<std::string>{"dns", "hosts"}) {
        if (found) {
          return fail(key_line, key_col,
                      fmt::format("dns.hosts is defined twice (first at line {})", found_line));
        }
        found = true;
        found_line = key_line;
        if (peek() != '[') return fail(line_, col_, "dns.hosts must be an array of strings");
        if (!read_hosts_array(&records)) return std::nullopt;
      } else if (!skip_value(0)) {
        return std::nullopt;
      }
      if (!end_of_line()) return std::nullopt;
    }
    if (!found) {
      return fail(line_, col_, "no dns.hosts in this file (a [dns] table with hosts = [ ... ])");
    }
    return records;
  }

 private:
  bool done() const { return pos_ >= text_.size(); }
  char peek(size_t ahead = 0) const {
    return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
  }
  void advance(size_t n = 1) {
    for (size_t i = 0; i < n && !done(); ++i) {
      if (text_[pos_] == '\n') {
        ++line_;
        col_ = 1;
      } else {
        ++col_;
      }
      ++pos_;
    }
  }
  std::nullopt_t fail(int line, int col, std::string message) {
    *error_ = {line, col, std::move(message)};
    return std::nullopt;
  }
  bool failed(int line, int col, std::string message) {
    *error_ = {line, col, std::move(message)};
    return false;
  }
  void skip_space() {
    while (peek() == ' ' || peek() == '\t') advance();
  }
  void skip_comment() {
    if (peek() == '#') {
      while (!done() && peek() != '\n') advance();
    }
  }
  // After an array's item: a ',' (taken) or the closing ']' (left for the caller's loop) go on;
  // anything else is an error.
  bool array_item_ends(const char* inside) {
    skip_space_and_newlines();
    if (peek() == ',') {
      advance();
      return true;
    }
    if (peek() == ']') return true;
    return failed(line_, col_,
                  done() ? fmt::format("the file ends inside {}", inside)
                         : fmt::format("expected ',' or ']', found '{}'", peek()));
  }
  void skip_space_and_newlines() {
    for (;;) {
      skip_space();
      skip_comment();
      if (peek() == '\n') {
        advance();
      } else if (peek() == '\r' && peek(1) == '\n') {
        advance(2);
      } else {
        return;
      }
    }
  }
  bool expect(char c) {
    if (peek() != c) {
      return failed(line_, col_,
                    done() ? fmt::format("the file ends where '{}' was expected", c)
                           : fmt::format("expected '{}', found '{}'", c, peek()));
    }
    advance();
    return true;
  }
  // After a value or header: spaces, an optional comment, then a newline or the end.
  bool end_of_line() {
    skip_space();
    skip_comment();
    if (done() || peek() == '\n' || (peek() == '\r' && peek(1) == '\n')) return true;
    return failed(line_, col_, fmt::format("unexpected '{}' after the value", peek()));
  }
  static bool bare_key_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  }
  std::optional<std::vector<std::string>> read_key() {
    std::vector<std::string> parts;
    for (;;) {
      skip_space();
      if (peek() == '"' || peek() == '\'') {
        auto s = read_string();
        if (!s) return std::nullopt;
        parts.push_back(*s);
      } else if (bare_key_char(peek())) {
        std::string k;
        while (bare_key_char(peek())) {
          k += peek();
          advance();
        }
        parts.push_back(k);
      } else {
        return fail(line_, col_,
                    done() ? "the file ends where a key was expected"
                           : fmt::format("expected a key, found '{}'", peek()));
      }
      skip_space();
      if (peek() != '.') return parts;
      advance();
    }
  }
  // A basic or literal string, single- or multi-line; positioned on its opening quote.
  std::optional<std::string> read_string() {
    int l = line_, c = col_;
    char q = peek();
    bool multi = peek(1) == q && peek(2) == q;
    advance(multi ? 3 : 1);
    if (multi && peek() == '\n') advance();
    std::string out;
    for (;;) {
      if (done()) return fail(l, c, "unterminated string");
      char ch = peek();
      if (!multi && ch == '\n') return fail(l, c, "unterminated string (a newline inside it)");
      if (ch == q && (!multi || (peek(1) == q && peek(2) == q))) {
        advance(multi ? 3 : 1);
        // A multi-line string may end with up to two more quotes.
        while (multi && peek() == q && out.size() < 1u << 20) {
          out += q;
          advance();
        }
        return out;
      }
      if (q == '"' && ch == '\\') {
        int el = line_, ec = col_;
        advance();
        char e = peek();
        switch (e) {
          case 'b':
            out += '\b';
            break;
          case 't':
            out += '\t';
            break;
          case 'n':
            out += '\n';
            break;
          case 'f':
            out += '\f';
            break;
          case 'r':
            out += '\r';
            break;
          case '"':
            out += '"';
            break;
          case '\\':
            out += '\\';
            break;
          case 'u':
          case 'U': {
            size_t n = e == 'u' ? 4 : 8;
            unsigned long cp = 0;
            for (size_t i = 1; i <= n; ++i) {
              char h = peek(i);
              if (!std::isxdigit(static_cast<unsigned char>(h))) {
                return fail(el, ec, "a \\u escape needs hex digits");
              }
              cp = cp * 16 + static_cast<unsigned long>(std::isdigit(static_cast<unsigned char>(h))
                                                            ? h - '0'
                                                            : (std::tolower(h) - 'a' + 10));
            }
            advance(n);
            if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
              return fail(el, ec, "a \\u escape outside Unicode scalar values");
            }
            // UTF-8
            if (cp < 0x80) {
              out += static_cast<char>(cp);
            } else if (cp < 0x800) {
              out += static_cast<char>(0xC0 | (cp >> 6));
              out += static_cast<char>(0x80 | (cp & 0x3F));
            } else if (cp < 0x10000) {
              out += static_cast<char>(0xE0 | (cp >> 12));
              out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
              out += static_cast<char>(0x80 | (cp & 0x3F));
            } else {
              out += static_cast<char>(0xF0 | (cp >> 18));
              out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
              out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
              out += static_cast<char>(0x80 | (cp & 0x3F));
            }
            break;
          }
          case '\n':
          case ' ':
          case '\t':
          case '\r':
            if (!multi) return fail(el, ec, "a line-ending backslash outside a \"\"\" string");
            while (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r') advance();
            continue;
          default:
            return fail(el, ec, fmt::format("unknown escape \\{}", e == '\n' ? 'n' : e));
        }
        advance();
        continue;
      }
      out += ch;
      advance();
    }
  }
  // Skips any value: string, array, inline table or a bare scalar (number, boolean, date).
  bool skip_value(int depth) {
    if (depth > 64) return failed(line_, col_, "values nested more than 64 deep");
    char c = peek();
    if (c == '"' || c == '\'') return read_string().has_value();
    if (c == '[') {
      advance();
      for (;;) {
        skip_space_and_newlines();
        if (peek() == ']') {
          advance();
          return true;
        }
        if (!skip_value(depth + 1)) return false;
        if (!array_item_ends("an array")) return false;
      }
    }
    if (c == '{') {
      advance();
      skip_space();
      if (peek() == '}') {
        advance();
        return true;
      }
      for (;;) {
        if (!read_key()) return false;
        skip_space();
        if (!expect('=')) return false;
        skip_space();
        if (!skip_value(depth + 1)) return false;
        skip_space();
        if (peek() == ',') {
          advance();
          continue;
        }
        return expect('}');
      }
    }
    std::string bare;
    while (std::isalnum(static_cast<unsigned char>(peek())) || peek() == '_' || peek() == '-' ||
           peek() == '+' || peek() == '.' || peek() == ':') {
      bare += peek();
      advance();
    }
    if (bare.empty()) {
      return failed(line_, col_,
                    done() ? "the file ends where a value was expected"
                           : fmt::format("expected a value, found '{}'", peek()));
    }
    return true;
  }
  bool read_hosts_array(std::vector<PiholeRecord>* records) {
    advance();  // [
    for (;;) {
      skip_space_and_newlines();
      if (peek() == ']') {
        advance();
        return true;
      }
      if (peek() != '"' && peek() != '\'') {
        return failed(line_, col_,
                      done() ? "the file ends inside dns.hosts"
                             : "each entry of dns.hosts must be a string \"ADDRESS NAME\"");
      }
      int l = line_, c = col_ + (peek(1) == peek() && peek(2) == peek() ? 3 : 1);
      auto s = read_string();
      if (!s) return false;
      if (s->find('\n') != std::string::npos) {
        return failed(l, c, "a dns.hosts entry must be one line");
      }
      if (!parse_record(*s, l, c, records, error_)) return false;
      if (!array_item_ends("dns.hosts")) return false;
    }
  }

  std::string_view text_;
  ImportError* error_;
  size_t pos_ = 0;
  int line_ = 1;
  int col_ = 1;
};

}  // namespace

PiholeFormat detect_pihole_format(std::string_view file_name, std::string_view text) {
  if (file_name.size() >= 5 && file_name.substr(file_name.size() - 5) == ".toml") {
    return PiholeFormat::kToml;
  }
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    auto line = text.substr(pos, end - pos);
    pos = end + 1;
    size_t first = line.find_first_not_of(" \t\r");
    if (first == std::string_view::npos || line[first] == '#') continue;
    if (line[first] == '[') return PiholeFormat::kToml;
    auto eq = line.find('=');
    auto space = line.find_first_of(" \t", first);
    if (eq != std::string_view::npos && (space == std::string_view::npos || eq < space ||
                                         line.find_first_not_of(" \t", space) == eq)) {
      return PiholeFormat::kToml;
    }
    return PiholeFormat::kCustomList;
  }
  return PiholeFormat::kCustomList;
}

std::optional<std::vector<PiholeRecord>> parse_custom_list(std::string_view text,
                                                           ImportError* error) {
  std::vector<PiholeRecord> records;
  size_t pos = 0;
  int line_no = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    auto line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (auto nul = line.find('\0'); nul != std::string_view::npos) {
      *error = {line_no, static_cast<int>(nul) + 1, "a NUL byte: not a text file"};
      return std::nullopt;
    }
    if (auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    size_t first = line.find_first_not_of(" \t\r");
    if (first == std::string_view::npos) continue;
    size_t last = line.find_last_not_of(" \t\r");
    if (!parse_record(line.substr(first, last - first + 1), line_no, static_cast<int>(first) + 1,
                      &records, error)) {
      return std::nullopt;
    }
  }
  return records;
}

std::optional<std::vector<PiholeRecord>> parse_pihole_toml(std::string_view text,
                                                           ImportError* error) {
  if (auto nul = text.find('\0'); nul != std::string_view::npos) {
    int line = 1 + static_cast<int>(std::count(text.begin(), text.begin() + nul, '\n'));
    *error = {line, 1, "a NUL byte: not a text file"};
    return std::nullopt;
  }
  return Toml(text, error).run();
}

Fragment import_pihole(const std::vector<PiholeRecord>& records, const ImportNames& names,
                       const std::string& source_name) {
  Fragment f;
  auto lower = [](std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  std::string zone;
  if (names.zone) {
    zone = lower(*names.zone);
  } else {
    std::map<std::string, int> count;
    std::vector<std::string> order;
    for (const auto& r : records) {
      auto dot = r.name.rfind('.');
      if (dot == std::string::npos || looks_ipv6(r.address)) continue;
      auto last = lower(r.name.substr(dot + 1));
      if (count[last]++ == 0) order.push_back(last);
    }
    int best = 0;
    for (const auto& z : order) {
      if (count[z] > best) {
        best = count[z];
        zone = z;
      }
    }
  }
  std::map<std::string, const PiholeRecord*> seen;
  std::vector<std::string> unnamed_addresses;
  for (const auto& r : records) {
    std::string text = r.address + " " + r.name;
    if (looks_ipv6(r.address)) {
      f.unexpressed.push_back({r.line, text,
                               "an IPv6 record: labgate's names answer with services' IPv4 "
                               "addresses"});
      continue;
    }
    std::string name = lower(r.name);
    std::string suffix = "." + zone;
    if (zone.empty() || name.size() <= suffix.size() ||
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) {
      f.unexpressed.push_back(
          {r.line, text,
           zone.empty() ? "a name without a domain: labgate's names live under one zone"
                        : fmt::format("not under the zone {}: labgate answers one zone (choose "
                                      "another with --zone)",
                                      zone)});
      continue;
    }
    std::string relative = name.substr(0, name.size() - suffix.size());
    bool labels = true;
    for (size_t start = 0; start <= relative.size();) {
      size_t dot = relative.find('.', start);
      if (dot == std::string::npos) dot = relative.size();
      if (!is_label(relative.substr(start, dot - start))) labels = false;
      start = dot + 1;
    }
    if (!labels) {
      f.unexpressed.push_back({r.line, text,
                               "not RFC 1123 labels (letters, digits and '-'): labgate's names "
                               "are"});
      continue;
    }
    if (auto it = seen.find(relative); it != seen.end()) {
      if (it->second->address == r.address) {
        f.notes.push_back(fmt::format("line {} repeats line {}", r.line, it->second->line));
      } else {
        f.unexpressed.push_back(
            {r.line, text,
             fmt::format("{} is also {} (line {}): a labgate name points at one service", r.name,
                         it->second->address, it->second->line)});
      }
      continue;
    }
    seen[relative] = &r;
    auto mapped = names.services.find(r.address);
    std::string service;
    if (mapped != names.services.end()) {
      service = mapped->second;
    } else {
      service = derived_name("svc", r.address);
      if (std::find(unnamed_addresses.begin(), unnamed_addresses.end(), r.address) ==
          unnamed_addresses.end()) {
        unnamed_addresses.push_back(r.address);
      }
    }
    f.names.push_back({relative, service, r.address, r.line});
  }
  std::sort(f.unexpressed.begin(), f.unexpressed.end(),
            [](const auto& a, const auto& b) { return a.line < b.line; });
  f.zone = f.names.empty() && zone.empty() ? "" : zone;
  size_t expressed = f.names.size();
  f.header = {
      fmt::format(
          "labgate import pihole: {} record{} from {}, {} name{} under {}, {} not expressed",
          records.size(), records.size() == 1 ? "" : "s", source_name, expressed,
          expressed == 1 ? "" : "s", zone.empty() ? "no zone" : zone, f.unexpressed.size()),
      "A labgate name points at a service, and its answer depends on who asks (docs/config.md, "
      "`dns`): add `upstreams` and merge into labgate.yaml, then run `labgate check`.",
  };
  for (const auto& a : unnamed_addresses) {
    f.notes.push_back(fmt::format(
        "{}: name the service it stands for with --service {}=NAME (a record pointing at the "
        "gateway stands for the service behind its forwards, e.g. the ingress)",
        a, a));
  }
  if (f.zone.empty() && f.names.empty()) {
    f.notes.insert(f.notes.begin(), "no names to import");
  }
  return f;
}

}  // namespace labgate::importers
