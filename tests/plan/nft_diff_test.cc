#include "plan/nft_diff.h"

#include <gtest/gtest.h>

namespace labgate {
namespace {

TEST(UnifiedDiff, EqualTextsHaveNoDiff) {
  EXPECT_EQ(unified_diff("a\nb\n", "a\nb\n", "live", "plan"), "");
  EXPECT_EQ(unified_diff("", "", "live", "plan"), "");
}

TEST(UnifiedDiff, ShowsAChangedLineWithContext) {
  EXPECT_EQ(unified_diff("1\n2\n3\n4\n5\n", "1\n2\nX\n4\n5\n", "live", "plan", 1),
            "--- live\n+++ plan\n@@ -2,3 +2,3 @@\n 2\n-3\n+X\n 4\n");
}

TEST(UnifiedDiff, AdditionsIntoAnEmptyText) {
  EXPECT_EQ(unified_diff("", "a\nb\n", "live", "plan"),
            "--- live\n+++ plan\n@@ -0,0 +1,2 @@\n+a\n+b\n");
}

TEST(UnifiedDiff, SeparatesDistantChangesIntoHunks) {
  std::string a, b;
  for (int i = 0; i < 20; ++i) {
    a += std::to_string(i) + "\n";
    b += (i == 2 || i == 17 ? "x" : std::to_string(i)) + "\n";
  }
  EXPECT_EQ(
      unified_diff(a, b, "o", "n", 1),
      "--- o\n+++ n\n@@ -2,3 +2,3 @@\n 1\n-2\n+x\n 3\n@@ -17,3 +17,3 @@\n 16\n-17\n+x\n 18\n");
}

TEST(UnifiedDiff, KeepsCommonLinesBetweenInsertionsAndDeletions) {
  EXPECT_EQ(unified_diff("a\nb\nc\n", "b\nc\nd\n", "o", "n"),
            "--- o\n+++ n\n@@ -1,3 +1,3 @@\n-a\n b\n c\n+d\n");
}

}  // namespace
}  // namespace labgate
