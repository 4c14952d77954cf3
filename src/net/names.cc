#include "net/names.h"

#include <algorithm>
#include <cctype>

namespace labgate {

bool is_dns_label(std::string_view label) {
  if (label.empty() || label.size() > 63) return false;
  if (label.front() == '-' || label.back() == '-') return false;
  return std::all_of(label.begin(), label.end(),
                     [](unsigned char c) { return std::isalnum(c) || c == '-'; });
}

bool is_dns_name(std::string_view name, bool allow_wildcard) {
  if (name.empty() || name.size() > 253) return false;
  bool first = true;
  while (true) {
    size_t dot = name.find('.');
    std::string_view label = name.substr(0, dot);
    bool ok = is_dns_label(label) || (first && allow_wildcard && label == "*");
    if (!ok) return false;
    if (dot == std::string_view::npos) return true;
    name.remove_prefix(dot + 1);
    first = false;
  }
}

bool is_interface_name(std::string_view name) {
  if (name.empty() || name.size() > 15 || name == "." || name == "..") return false;
  return std::none_of(name.begin(), name.end(), [](unsigned char c) {
    return c == '/' || c == ':' || std::isspace(c) || !std::isprint(c);
  });
}

namespace {

bool is_plain_interface_char(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '-' || c == '_';
}

}  // namespace

std::optional<char> first_unplain_interface_char(std::string_view name) {
  for (char c : name)
    if (!is_plain_interface_char(static_cast<unsigned char>(c))) return c;
  return std::nullopt;
}

bool is_plain_interface_name(std::string_view name) {
  return is_interface_name(name) && !first_unplain_interface_char(name);
}

namespace {

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      size_t substitute = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
      row[j] = std::min({above + 1, row[j - 1] + 1, substitute});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

std::string closest_match(std::string_view word, const std::vector<std::string>& candidates) {
  if (word.size() > 64) return {};  // not a typo of anything a topology names
  std::string best;
  size_t best_distance = SIZE_MAX;
  for (const auto& c : candidates) {
    size_t d = edit_distance(word, c);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  // A likely typo: at most a third of the word changed, and at least one character kept.
  size_t limit = std::max<size_t>(1, std::max(word.size(), best.size()) / 3);
  return best_distance <= limit ? best : std::string{};
}

}  // namespace labgate
