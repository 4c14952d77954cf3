// Golden files: compares a test's output with tests/<dir>/golden/<name>; with
// LABGATE_UPDATE_GOLDEN=1 in the environment the file is rewritten instead.
#pragma once

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

namespace labgate::test_support {

// `relative` is the file's path below the source tree, e.g. "tests/k8s/golden/seed-talos.yaml".
inline void expect_golden(const std::string& relative, const std::string& actual) {
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
