// ProcSysctls against a directory, StateDir's atomic writes, and nft error classification.
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "kernel/nftables_ruleset.h"
#include "kernel/state_dir.h"
#include "kernel/sysctls.h"

namespace labgate {
namespace {

using ::testing::HasSubstr;

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/labgate-kernel-test-XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(ProcSysctls, MapsDottedNamesToFilesAndRefusesEscapes) {
  ProcSysctls sysctls("/proc/sys");
  EXPECT_EQ(sysctls.path_of("net.ipv4.ip_forward"), "/proc/sys/net/ipv4/ip_forward");
  for (const char* bad : {"", "net..ip_forward", "net/ipv4", ".net", "net."})
    EXPECT_FALSE(sysctls.path_of(bad)) << bad;
}

TEST(ProcSysctls, ReadsAndWritesValuesUnderItsRoot) {
  TempDir root;
  std::filesystem::create_directories(root.path() + "/net/ipv4");
  std::ofstream(root.path() + "/net/ipv4/ip_forward") << "0\n";
  ProcSysctls sysctls(root.path());
  std::string value;
  ASSERT_TRUE(sysctls.read("net.ipv4.ip_forward", &value).ok());
  EXPECT_EQ(value, "0");
  ASSERT_TRUE(sysctls.write("net.ipv4.ip_forward", "1").ok());
  ASSERT_TRUE(sysctls.read("net.ipv4.ip_forward", &value).ok());
  EXPECT_EQ(value, "1");
  Status missing = sysctls.read("net.ipv4.no_such_thing", &value);
  EXPECT_FALSE(missing.ok());
  EXPECT_THAT(missing.message(), HasSubstr("net.ipv4.no_such_thing"));
}

TEST(StateDir, WritesAtomicallyAndLeavesNoTemporaryFiles) {
  TempDir root;
  StateDir dir(root.path() + "/a/b");
  ASSERT_TRUE(dir.ensure().ok());
  ASSERT_TRUE(dir.lock().ok());
  EXPECT_FALSE(dir.read("x.json"));
  ASSERT_TRUE(dir.write_atomic("x.json", "one").ok());
  ASSERT_TRUE(dir.write_atomic("x.json", "two").ok());
  EXPECT_EQ(dir.read("x.json"), "two");
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
    ++files;
    EXPECT_EQ(e.path().filename().string().find(".tmp."), std::string::npos) << e.path();
  }
  EXPECT_EQ(files, 2);  // x.json and the lock
  ASSERT_TRUE(dir.remove("x.json").ok());
  ASSERT_TRUE(dir.remove("x.json").ok());  // removing what is gone is fine
  EXPECT_FALSE(dir.read("x.json"));
}

TEST(NftErrorStatus, ExplainsPrivilegeKernelSupportAndRefusal) {
  Status perm =
      nft_error_status("apply the ruleset",
                       "netlink: Error: cache initialization failed: Operation not permitted\n");
  EXPECT_EQ(perm.message(),
            "cannot apply the ruleset: cache initialization failed: Operation not permitted");
  EXPECT_THAT(perm.hint(), HasSubstr("root"));

  Status missing = nft_error_status(
      "apply the ruleset",
      "internal:0:0-0: Error: Could not process rule: No such file or directory\n\n");
  EXPECT_THAT(missing.message(), HasSubstr("lacks an nf_tables feature"));
  EXPECT_THAT(missing.hint(), HasSubstr("modprobe"));

  Status refused =
      nft_error_status("check the ruleset",
                       "Error: syntax error, unexpected drop\n\t\tiifname \"a\"b\" drop\n"
                       "\t\t           ^^^^\n",
                       "table inet labgate {\n\tchain c {\n\t\tiifname \"a\"b\" drop\n");
  EXPECT_EQ(refused.message(),
            "cannot check the ruleset: the ruleset was refused: line 3: syntax error, "
            "unexpected drop");
  EXPECT_THAT(refused.to_string(), HasSubstr("(hint: "));
}

}  // namespace
}  // namespace labgate
