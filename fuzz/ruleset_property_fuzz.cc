// libFuzzer target: the property of issue 12 item 1. For any file `labgate check` accepts, the
// generated nft and iptables text parses into exactly the statements the plan intends, whatever
// the interface names are.
//
// Input: byte 0 holds flags, byte 1 the length of the first interface name, then the first name
// and the second (each at most 32 bytes). The names replace vmbr0 and vmbr1 in the seed twice:
//  A. in the YAML (as double-quoted scalars, every byte escaped, so any byte is reachable): if
//     check accepts the file, the property must hold;
//  B. in the validated Topology directly, as if the validator had missed them: the generators
//     must either refuse (UnsafeText) or produce text for which the property holds.
// The property: lex the text as nft (resp. iptables-restore) does, and compare it token by token
// with the text of the same plan whose interfaces are placeholder names. The two must have the
// same tokens, except that a placeholder's quoted string (nft) or word (iptables) holds the real
// name, unchanged, and that name is plain (net/names.h) — so no name ended a string, started a
// statement, or became a wildcard.
#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "diag/diagnostic.h"
#include "net/names.h"
#include "plan/forwarding_plan.h"
#include "plan/iptables_ruleset.h"
#include "plan/nft_ruleset.h"
#include "plan/text_quote.h"
#include "topology/loader.h"
#include "topology/seed.h"

namespace {

using labgate::Topology;

struct Token {
  enum Kind { kWord, kString, kComment, kNewline, kPunct } kind;
  std::string text;
  bool operator==(const Token&) const = default;
};

// nft's scanner: a double-quoted string runs to the next '"'; '#' starts a comment to the end of
// the line; ';', '{', '}' and newlines separate statements; anything else is a word.
std::vector<Token> lex_nft(std::string_view s) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (c == ' ' || c == '\t') {
      ++i;
    } else if (c == '\n') {
      out.push_back({Token::kNewline, "\n"});
      ++i;
    } else if (c == ';' || c == '{' || c == '}') {
      out.push_back({Token::kPunct, std::string(1, c)});
      ++i;
    } else if (c == '#') {
      size_t end = s.find('\n', i);
      if (end == std::string_view::npos) end = s.size();
      out.push_back({Token::kComment, std::string(s.substr(i, end - i))});
      i = end;
    } else if (c == '"') {
      size_t end = s.find('"', i + 1);
      if (end == std::string_view::npos) __builtin_trap();  // an unterminated string
      out.push_back({Token::kString, std::string(s.substr(i + 1, end - i - 1))});
      i = end + 1;
    } else {
      size_t end = i;
      while (end < s.size() &&
             std::string_view(" \t\n;{}\"#").find(s[end]) == std::string_view::npos)
        ++end;
      out.push_back({Token::kWord, std::string(s.substr(i, end - i))});
      i = end;
    }
  }
  return out;
}

// iptables-restore: a line is split at spaces and tabs outside double quotes; '#' at the start of
// a line is a comment.
std::vector<Token> lex_iptables(std::string_view s) {
  std::vector<Token> out;
  size_t i = 0;
  bool line_start = true;
  while (i < s.size()) {
    char c = s[i];
    if (c == '\n') {
      out.push_back({Token::kNewline, "\n"});
      line_start = true;
      ++i;
    } else if (c == ' ' || c == '\t') {
      ++i;
    } else if (c == '#' && line_start) {
      size_t end = s.find('\n', i);
      if (end == std::string_view::npos) end = s.size();
      out.push_back({Token::kComment, std::string(s.substr(i, end - i))});
      i = end;
    } else {
      line_start = false;
      std::string word;
      bool quoted = false, any_quote = false;
      while (i < s.size() &&
             (quoted || std::string_view(" \t\n").find(s[i]) == std::string_view::npos)) {
        if (s[i] == '\\' && i + 1 < s.size()) {
          word += s[i + 1];
          i += 2;
          continue;
        }
        if (s[i] == '"') {
          quoted = !quoted;
          any_quote = true;
        } else {
          word += s[i];
        }
        ++i;
      }
      if (quoted) __builtin_trap();  // an unterminated quote
      out.push_back({any_quote ? Token::kString : Token::kWord, word});
    }
  }
  return out;
}

// `actual` must equal `reference` token by token, except where `reference` holds a placeholder
// (as `kind`): there `actual` holds exactly the real name the placeholder stands for.
void expect_same_statements(const std::vector<Token>& actual, const std::vector<Token>& reference,
                            Token::Kind kind, const std::map<std::string, std::string>& names) {
  if (actual.size() != reference.size()) __builtin_trap();  // a statement or token more or less
  for (size_t i = 0; i < actual.size(); ++i) {
    if (actual[i] == reference[i] && !names.contains(reference[i].text)) continue;
    auto it = names.find(reference[i].text);
    if (it == names.end()) __builtin_trap();  // a token that is not a name differs
    if (reference[i].kind != kind || actual[i].kind != kind) __builtin_trap();
    if (actual[i].text != it->second) __builtin_trap();  // the name changed on its way
    // Written, so it must be a plain name: nothing nft or iptables reads as a wildcard ('*',
    // '+'), an escape or a separator, even inside its string.
    if (!labgate::is_plain_interface_name(actual[i].text)) __builtin_trap();
  }
}

// Checks the property on a topology whose interface names may be anything.
void check_property(const Topology& t) {
  std::string nft, iptables;
  labgate::ForwardingPlan plan = labgate::compile_forwarding_plan(t);
  try {
    nft = labgate::compile_nft_script(plan, "fuzz");
    iptables = labgate::compile_iptables_restore(plan, "fuzz");
  } catch (const labgate::UnsafeText&) {
    bool any_unplain = false;
    for (const auto& n : t.networks) any_unplain |= !labgate::is_plain_interface_name(n.interface);
    if (!any_unplain) __builtin_trap();  // refused a plain name
    return;
  }
  Topology placeholders = t;
  std::map<std::string, std::string> names;  // placeholder -> real name
  for (size_t i = 0; i < placeholders.networks.size(); ++i) {
    std::string p = fmt::format("lgplaceholder{}", i);
    names[p] = t.networks[i].interface;
    placeholders.networks[i].interface = p;
  }
  labgate::ForwardingPlan reference_plan = labgate::compile_forwarding_plan(placeholders);
  expect_same_statements(lex_nft(nft), lex_nft(labgate::compile_nft_script(reference_plan, "fuzz")),
                         Token::kString, names);
  expect_same_statements(lex_iptables(iptables),
                         lex_iptables(labgate::compile_iptables_restore(reference_plan, "fuzz")),
                         Token::kWord, names);
}

std::string yaml_double_quoted(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s)
    out += std::isalnum(c) ? std::string(1, static_cast<char>(c)) : fmt::format("\\x{:02x}", c);
  return out + "\"";
}

std::string replaced(std::string text, std::string_view from, const std::string& to) {
  if (size_t at = text.find(from); at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

const Topology& seed() {
  static const Topology t = [] {
    labgate::Diagnostics d;
    Topology s = labgate::check_topology(labgate::seed_topology_text(), d);
    if (d.has_errors() || s.networks.size() != 2) __builtin_trap();
    return s;
  }();
  return t;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const uint8_t flags = data[0];
  std::string_view rest(reinterpret_cast<const char*>(data) + 2, size - 2);
  size_t first = std::min<size_t>(data[1] % 33, rest.size());
  std::string a(rest.substr(0, first)), b(rest.substr(first, 32));

  // A. Through the YAML, the loader and the validator.
  std::string text(labgate::seed_topology_text());
  text = replaced(text, "interface: vmbr0\n", "interface: " + yaml_double_quoted(a) + "\n");
  text = replaced(text, "interface: vmbr1\n", "interface: " + yaml_double_quoted(b) + "\n");
  if (flags & 1) text = replaced(text, "    inbound: drop\n", "    inbound: accept\n");
  if (flags & 2) text = replaced(text, "    masquerade: true\n", "");
  labgate::Diagnostics d;
  Topology t = labgate::check_topology(text, d);
  if (!d.has_errors()) {
    for (const auto& n : t.networks)
      if (!labgate::is_plain_interface_name(n.interface)) __builtin_trap();  // accepted, unplain
    check_property(t);
  }

  // B. Straight into the model, as if the validator had missed them.
  Topology raw = seed();
  raw.networks[0].interface = a;
  raw.networks[1].interface = b;
  check_property(raw);
  return 0;
}
