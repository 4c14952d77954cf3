#include "plan/nft_diff.h"

#include <algorithm>
#include <vector>

#include <fmt/format.h>

namespace labgate {
namespace {

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

// One line of the edit script: ' ' kept, '-' removed, '+' added.
struct Edit {
  char op;
  std::string_view line;
};

// Above this many cells the LCS table is not worth its memory; see the header.
constexpr size_t kMaxLcsCells = 16 * 1000 * 1000;

std::vector<Edit> edit_script(const std::vector<std::string_view>& a,
                              const std::vector<std::string_view>& b) {
  size_t prefix = 0;
  while (prefix < a.size() && prefix < b.size() && a[prefix] == b[prefix]) ++prefix;
  size_t suffix = 0;
  while (suffix < a.size() - prefix && suffix < b.size() - prefix &&
         a[a.size() - 1 - suffix] == b[b.size() - 1 - suffix])
    ++suffix;
  std::vector<Edit> edits;
  for (size_t i = 0; i < prefix; ++i) edits.push_back({' ', a[i]});
  size_t n = a.size() - prefix - suffix, m = b.size() - prefix - suffix;
  if (n * m <= kMaxLcsCells) {
    // lcs[i][j]: length of the LCS of a[prefix+i..] and b[prefix+j..].
    std::vector<uint32_t> lcs((n + 1) * (m + 1), 0);
    auto at = [&](size_t i, size_t j) -> uint32_t& { return lcs[i * (m + 1) + j]; };
    for (size_t i = n; i-- > 0;)
      for (size_t j = m; j-- > 0;)
        at(i, j) = a[prefix + i] == b[prefix + j] ? at(i + 1, j + 1) + 1
                                                  : std::max(at(i + 1, j), at(i, j + 1));
    size_t i = 0, j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && a[prefix + i] == b[prefix + j]) {
        edits.push_back({' ', a[prefix + i]});
        ++i, ++j;
      } else if (i < n && (j == m || at(i + 1, j) >= at(i, j + 1))) {
        edits.push_back({'-', a[prefix + i++]});  // removals first, as diff -u prints them
      } else {
        edits.push_back({'+', b[prefix + j++]});
      }
    }
  } else {
    for (size_t i = 0; i < n; ++i) edits.push_back({'-', a[prefix + i]});
    for (size_t j = 0; j < m; ++j) edits.push_back({'+', b[prefix + j]});
  }
  for (size_t i = a.size() - suffix; i < a.size(); ++i) edits.push_back({' ', a[i]});
  return edits;
}

}  // namespace

std::string unified_diff(std::string_view old_text, std::string_view new_text,
                         std::string_view old_label, std::string_view new_label, int context) {
  if (old_text == new_text) return "";
  std::vector<Edit> edits = edit_script(split_lines(old_text), split_lines(new_text));
  std::string out = fmt::format("--- {}\n+++ {}\n", old_label, new_label);
  size_t ctx = static_cast<size_t>(std::max(context, 0));
  size_t k = 0;
  while (k < edits.size()) {
    if (edits[k].op == ' ') {
      ++k;
      continue;
    }
    // A hunk: from `ctx` lines before this change to `ctx` lines after the last change that is
    // at most 2*ctx unchanged lines from the previous one.
    size_t begin = k > ctx ? k - ctx : 0;
    size_t end = k;
    size_t last_change = k;
    while (end < edits.size()) {
      if (edits[end].op != ' ')
        last_change = end;
      else if (end - last_change > 2 * ctx)
        break;
      ++end;
    }
    end = std::min(edits.size(), last_change + ctx + 1);
    // Line numbers (1-based) of the hunk's first line in each text.
    size_t old_line = 1, new_line = 1;
    for (size_t i = 0; i < begin; ++i) {
      old_line += edits[i].op != '+';
      new_line += edits[i].op != '-';
    }
    size_t old_count = 0, new_count = 0;
    std::string body;
    for (size_t i = begin; i < end; ++i) {
      old_count += edits[i].op != '+';
      new_count += edits[i].op != '-';
      body += fmt::format("{}{}\n", edits[i].op, edits[i].line);
    }
    out += fmt::format("@@ -{},{} +{},{} @@\n", old_count ? old_line : old_line - 1, old_count,
                       new_count ? new_line : new_line - 1, new_count);
    out += body;
    k = end;
  }
  return out;
}

}  // namespace labgate
