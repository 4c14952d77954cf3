// Golden files: compares text with a file under the source tree; LABGATE_UPDATE_GOLDEN=1
// rewrites the file instead (then review it with git diff).
#pragma once

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

namespace labgate::test_support {

// `relative` is under the source tree, e.g. "tests/plan/golden/homelab-vlan.nft".
inline void expect_golden_file(const std::string& relative, const std::string& actual) {
  std::string path = std::string(LABGATE_SOURCE_DIR) + "/" + relative;
  if (const char* update = std::getenv("LABGATE_UPDATE_GOLDEN"); update && *update == '1') {
    std::ofstream(path, std::ios::binary) << actual;
    return;
  }
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in) << "missing golden file " << path << " (run with LABGATE_UPDATE_GOLDEN=1)";
  std::stringstream expected;
  expected << in.rdbuf();
  EXPECT_EQ(actual, expected.str())
      << "golden " << path << " differs; if intended, LABGATE_UPDATE_GOLDEN=1";
}

}  // namespace labgate::test_support
