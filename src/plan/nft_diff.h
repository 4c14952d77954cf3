// A line diff of two rulesets (or any texts), unified-style, for `labgate plan`.
//
// Contract: pure. Returns "" when the texts are equal. Otherwise "--- OLD\n+++ NEW\n" and hunks
// "@@ -a,b +c,d @@" with `context` unchanged lines around each change. The diff is minimal
// (longest common subsequence) for inputs up to a few thousand differing lines; beyond that the
// differing middle is shown as removed then added, which is still a correct diff.
#pragma once

#include <string>
#include <string_view>

namespace labgate {

std::string unified_diff(std::string_view old_text, std::string_view new_text,
                         std::string_view old_label, std::string_view new_label, int context = 3);

}  // namespace labgate
