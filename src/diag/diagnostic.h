// Diagnostics: what is wrong with a user's input, where, and how to fix it.
//
// Contract: every problem found in a topology file becomes one Diagnostic with a 1-based line and
// column, a stable machine-readable code (the "message class" tests assert on), a sentence saying
// what is wrong, and optionally a hint saying how to fix it. Producers append to a Diagnostics list
// and never stop at the first problem, so a user sees everything in one run.
#pragma once

#include <string>
#include <vector>

namespace labgate {

// A position in the source text. line and column are 1-based; 0 means "unknown".
struct SourcePos {
  int line = 0;
  int column = 0;
  bool known() const { return line > 0; }
};

enum class Severity { kError, kWarning };

struct Diagnostic {
  Severity severity = Severity::kError;
  SourcePos pos;
  std::string code;     // stable class, e.g. "unknown-key", "address-outside-subnet"
  std::string message;  // what is wrong, one sentence, no trailing period
  std::string hint;     // how to fix it; may be empty
};

class Diagnostics {
 public:
  void error(SourcePos pos, std::string code, std::string message, std::string hint = {});
  void warning(SourcePos pos, std::string code, std::string message, std::string hint = {});

  const std::vector<Diagnostic>& all() const { return items_; }
  int error_count() const;
  int warning_count() const;
  bool has_errors() const { return error_count() > 0; }

  // Orders diagnostics by position (stable for equal positions) so output follows the file.
  void sort_by_position();

 private:
  std::vector<Diagnostic> items_;
};

// "FILE:LINE:COL: error: message [code]" plus "  hint: ..." on the next line when there is a hint.
std::string format_diagnostic(const std::string& file, const Diagnostic& d);

}  // namespace labgate
