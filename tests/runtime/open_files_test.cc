// raise_open_files_limit: the soft limit goes up to the hard one (or the cap), never down.
#include "runtime/open_files.h"

#include <gtest/gtest.h>

namespace labgate::runtime {
namespace {

// Restores the test process's limit whatever a test did to it.
class OpenFilesLimitTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &saved_), 0); }
  void TearDown() override { setrlimit(RLIMIT_NOFILE, &saved_); }
  void set_soft(rlim_t soft) {
    rlimit l{soft, saved_.rlim_max};
    ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &l), 0);
  }
  static rlim_t soft_now() {
    rlimit l{};
    getrlimit(RLIMIT_NOFILE, &l);
    return l.rlim_cur;
  }
  rlimit saved_{};
};

TEST_F(OpenFilesLimitTest, RaisesTheSoftLimitToTheCapBelowTheHardLimit) {
  if (saved_.rlim_max != RLIM_INFINITY) {
    ASSERT_GE(saved_.rlim_max, 512u) << "hard limit too low";
  }
  set_soft(256);
  auto raised = raise_open_files_limit(512);
  ASSERT_TRUE(raised) << raised.error();
  EXPECT_EQ(*raised, 512u);
  EXPECT_EQ(soft_now(), 512u);
}

TEST_F(OpenFilesLimitTest, RaisesToTheHardLimitWhenItIsBelowTheCap) {
  // An unlimited hard limit has no value to reach: then the cap is what is reached.
  const rlim_t cap = saved_.rlim_max == RLIM_INFINITY ? 4096 : saved_.rlim_max + 1000;
  const rlim_t expected = saved_.rlim_max == RLIM_INFINITY ? cap : saved_.rlim_max;
  set_soft(256);
  auto raised = raise_open_files_limit(cap);
  ASSERT_TRUE(raised) << raised.error();
  EXPECT_EQ(*raised, expected);
  EXPECT_EQ(soft_now(), expected);
}

TEST_F(OpenFilesLimitTest, NeverLowersAHigherSoftLimit) {
  set_soft(600);
  auto raised = raise_open_files_limit(512);
  ASSERT_TRUE(raised) << raised.error();
  EXPECT_EQ(*raised, 600u);
  EXPECT_EQ(soft_now(), 600u);
}

}  // namespace
}  // namespace labgate::runtime
