#include "diag/diagnostic.h"

#include <algorithm>

#include <fmt/format.h>

namespace labgate {

void Diagnostics::error(SourcePos pos, std::string code, std::string message, std::string hint) {
  items_.push_back({Severity::kError, pos, std::move(code), std::move(message), std::move(hint)});
}

void Diagnostics::warning(SourcePos pos, std::string code, std::string message, std::string hint) {
  items_.push_back({Severity::kWarning, pos, std::move(code), std::move(message), std::move(hint)});
}

int Diagnostics::error_count() const {
  return static_cast<int>(std::count_if(items_.begin(), items_.end(), [](const Diagnostic& d) {
    return d.severity == Severity::kError;
  }));
}

int Diagnostics::warning_count() const {
  return static_cast<int>(items_.size()) - error_count();
}

void Diagnostics::sort_by_position() {
  std::stable_sort(items_.begin(), items_.end(), [](const Diagnostic& a, const Diagnostic& b) {
    if (a.pos.line != b.pos.line) return a.pos.line < b.pos.line;
    return a.pos.column < b.pos.column;
  });
}

std::string format_diagnostic(const std::string& file, const Diagnostic& d) {
  const char* severity = d.severity == Severity::kError ? "error" : "warning";
  std::string out = fmt::format("{}:{}:{}: {}: {} [{}]", file, d.pos.line, d.pos.column, severity,
                                d.message, d.code);
  if (!d.hint.empty()) out += fmt::format("\n  hint: {}", d.hint);
  return out;
}

}  // namespace labgate
