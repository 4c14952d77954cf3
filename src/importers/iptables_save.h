// `labgate import iptables`: iptables rules -> a fragment of a labgate file.
//
// Input, line by line, in either of two forms (they may not be mixed in one file):
//   - iptables-save output: "*nat", ":CHAIN POLICY [p:b]", "-A CHAIN ...", "-I CHAIN [N] ...",
//     "COMMIT", "# comments", optional "[p:b]" counters before a rule (iptables-save -c);
//   - iptables commands, as the seed's document writes them: "[sudo] iptables [-w] [-t TABLE]
//     -A|-I CHAIN ...", also -N/-P/-F/-X (chain bookkeeping, no rule), with "#" comments.
// Words are split as a shell would for these files: blanks, "double" and 'single' quotes, and
// backslash escapes inside double quotes.
//
// The parser is strict about structure (a rule outside a table, an unterminated quote, an unknown
// line, a table never committed) and reports it at LINE:COL; it never judges a rule's options.
// The importer then expresses what labgate can (DNAT in PREROUTING -> services and forwards; SNAT
// of a forward's backend -> `snat: true`; MASQUERADE or SNAT of a subnet -> `masquerade: true`) and
// lists every other rule, with its line and the reason, as a comment.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "importers/fragment.h"

namespace labgate::importers {

struct IptablesWord {
  std::string text;
  int column = 0;  // 1-based column of the word's first character
};

struct IptablesRule {
  int line = 0;
  std::string text;  // the line as written, trimmed
  std::string table;
  std::string chain;
  bool insert = false;              // -I
  int position = 0;                 // -I's position (1 when not given); 0 for -A
  std::vector<IptablesWord> words;  // the rule after "-A CHAIN" / "-I CHAIN [N]"
};

struct IptablesInput {
  std::vector<IptablesRule> rules;  // in file order
  bool command_form = false;
};

std::optional<IptablesInput> parse_iptables(std::string_view text, ImportError* error);

// The rules as the kernel would hold them: per table and chain, -A appended and -I inserted at its
// position, in the order the chains first appear.
std::vector<IptablesRule> effective_order(const IptablesInput& input);

Fragment import_iptables(const IptablesInput& input, const ImportNames& names,
                         const std::string& source_name);

}  // namespace labgate::importers
