// Helpers for the table-driven loader and validator tests.
//
// Every row starts from kValidBase, a small topology with no diagnostics at all, changes one
// thing in it, and lists every diagnostic the result must produce: position, severity and code.
// Listing all of them (not just "contains") is what proves that one mistake gives one error.
#pragma once

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "diag/diagnostic.h"
#include "topology/loader.h"

namespace labgate::testing {

// Line numbers matter: the tables below refer to them.
inline constexpr std::string_view kValidBase =
    "networks:\n"                     //  1
    "  lan:\n"                        //  2
    "    interface: vmbr0\n"          //  3
    "    subnet: 192.168.1.0/24\n"    //  4
    "    address: 192.168.1.55\n"     //  5
    "    router: 192.168.1.1\n"       //  6
    "    uplink: true\n"              //  7
    "  cluster:\n"                    //  8
    "    interface: vmbr1\n"          //  9
    "    subnet: 192.168.100.0/24\n"  // 10
    "    address: 192.168.100.1\n"    // 11
    "    masquerade: true\n"          // 12
    "hosts:\n"                        // 13
    "  node-1:\n"                     // 14
    "    network: cluster\n"          // 15
    "    address: 192.168.100.60\n"   // 16
    "  vip:\n"                        // 17
    "    network: cluster\n"          // 18
    "    address: 192.168.100.50\n"   // 19
    "    held_by: node-1\n"           // 20
    "pools:\n"                        // 21
    "  lb:\n"                         // 22
    "    network: cluster\n"          // 23
    "    range: 192.168.100.80-85\n"  // 24
    "services:\n"                     // 25
    "  ingress:\n"                    // 26
    "    address: 192.168.100.80\n"   // 27
    "    ports:\n"                    // 28
    "      http: 80\n"                // 29
    "      https: 443\n"              // 30
    "  api:\n"                        // 31
    "    address: 192.168.100.50\n"   // 32
    "    ports:\n"                    // 33
    "      api: 6443\n"               // 34
    "forwards:\n"                     // 35
    "  - listen: lan:80\n"            // 36
    "    to: ingress:http\n"          // 37
    "  - listen: lan:6443\n"          // 38
    "    to: api:api\n"               // 39
    "dns:\n"                          // 40
    "  zone: cluster\n"               // 41
    "  names:\n"                      // 42
    "    argocd: ingress\n"           // 43
    "  upstreams:\n"                  // 44
    "    - 192.168.1.1\n";            // 45

// One textual change: `from` must occur exactly once in the document.
struct Edit {
  std::string from;
  std::string to;
};

// kValidBase (or `base`) with each edit applied in order. A non-unique or missing `from` fails
// the current test, so a table row cannot silently test the unchanged document.
inline std::string edited(const std::vector<Edit>& edits, std::string_view base = kValidBase) {
  std::string text(base);
  for (const auto& e : edits) {
    size_t at = text.find(e.from);
    if (at == std::string::npos || text.find(e.from, at + 1) != std::string::npos) {
      ADD_FAILURE() << "edit target must occur exactly once: '" << e.from << "'";
      continue;
    }
    text.replace(at, e.from.size(), e.to);
  }
  return text;
}

// The part of a diagnostic the tables assert on.
struct Expected {
  int line;
  int column;
  Severity severity;
  std::string code;

  bool operator==(const Expected&) const = default;
};

inline Expected error_at(int line, int column, std::string code) {
  return {line, column, Severity::kError, std::move(code)};
}

inline Expected warning_at(int line, int column, std::string code) {
  return {line, column, Severity::kWarning, std::move(code)};
}

inline std::ostream& operator<<(std::ostream& os, const Expected& e) {
  return os << e.line << ":" << e.column << ": "
            << (e.severity == Severity::kError ? "error" : "warning") << " [" << e.code << "]";
}

inline std::vector<Expected> summarize(const Diagnostics& diagnostics) {
  std::vector<Expected> out;
  for (const auto& d : diagnostics.all())
    out.push_back({d.pos.line, d.pos.column, d.severity, d.code});
  return out;
}

// Every diagnostic as the CLI prints it, for failure messages.
inline std::string dump(const Diagnostics& diagnostics) {
  std::string out;
  for (const auto& d : diagnostics.all()) out += format_diagnostic("test.yaml", d) + "\n";
  return out;
}

// A table row: a change to the base document and every diagnostic it must produce, in file
// order. `hint` (optional) must appear in the hint of one of them, e.g. "did you mean 'lan'?".
struct Row {
  std::string name;
  std::vector<Edit> edits;
  std::vector<Expected> expected;
  std::string hint = {};
};

inline std::ostream& operator<<(std::ostream& os, const Row& r) {
  return os << r.name;
}

inline std::string row_name(const ::testing::TestParamInfo<Row>& info) {
  std::string name = info.param.name;
  for (auto& c : name)
    if (!isalnum(static_cast<unsigned char>(c))) c = '_';
  return name;
}

// Runs check_topology on the row's document and compares the whole diagnostic list.
inline void expect_row(const Row& row) {
  std::string text = edited(row.edits);
  Diagnostics diagnostics;
  check_topology(text, diagnostics);
  EXPECT_EQ(summarize(diagnostics), row.expected) << dump(diagnostics) << "--- document:\n" << text;
  if (!row.hint.empty()) {
    bool found = false;
    for (const auto& d : diagnostics.all()) found |= d.hint.find(row.hint) != std::string::npos;
    EXPECT_TRUE(found) << "no hint contains '" << row.hint << "'\n" << dump(diagnostics);
  }
  for (const auto& d : diagnostics.all()) {
    EXPECT_FALSE(d.message.empty()) << d.code;
    EXPECT_NE(d.message.back(), '.') << "messages have no trailing period: " << d.message;
  }
}

}  // namespace labgate::testing
