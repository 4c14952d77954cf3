// `labgate check` as a user runs it: the built binary on files in a temporary directory.
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace {

namespace fs = std::filesystem;

struct CliRun {
  int status = -1;
  std::string out;
  std::string err;
};

class CheckCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("labgate-check-cli-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& text) {
    fs::path p = dir_ / name;
    std::ofstream(p) << text;
    return p.string();
  }

  static std::string slurp(const fs::path& p) {
    std::ifstream in(p);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }

  CliRun run(const std::string& args) {
    std::string command = std::string(LABGATE_BINARY) + " " + args + " >" +
                          (dir_ / "out").string() + " 2>" + (dir_ / "err").string();
    CliRun r;
    int raw = std::system(command.c_str());
    r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    r.out = slurp(dir_ / "out");
    r.err = slurp(dir_ / "err");
    return r;
  }

  static std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
  }

  fs::path dir_;
};

TEST_F(CheckCli, BadFileExitsTwoWithPositionedErrors) {
  std::string path = write("bad.yaml",
                           "networks:\n"
                           "  lan:\n"
                           "    interface: vmbr0\n"
                           "    subnet: 192.168.1.0/24\n"
                           "    adress: 192.168.1.55\n"
                           "hosts:\n"
                           "  nas: { network: lam, address: 192.168.1.10 }\n");
  CliRun r = run("check -c " + path);
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
  const std::regex diagnostic("^" + path + R"(:(\d+):(\d+): error: .+ \[[a-z-]+\]$)");
  std::vector<std::string> errors;
  for (const auto& line : lines(r.err)) {
    if (line.starts_with("  hint: ") || line.starts_with("labgate: ")) continue;
    EXPECT_TRUE(std::regex_match(line, diagnostic)) << "unexpected stderr line: " << line;
    errors.push_back(line);
  }
  ASSERT_EQ(errors.size(), 2u) << r.err;
  EXPECT_TRUE(errors[0].starts_with(path + ":5:5: error: unknown key 'adress'")) << errors[0];
  EXPECT_TRUE(errors[1].starts_with(path + ":7:19: error: there is no network named 'lam'"))
      << errors[1];
  EXPECT_NE(r.err.find("  hint: did you mean 'address'?"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("  hint: did you mean 'lan'?"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("labgate: 2 error(s), 0 warning(s) in " + path), std::string::npos) << r.err;
}

TEST_F(CheckCli, SeedChecksCleanly) {
  CliRun r = run(std::string("check -c ") + LABGATE_SOURCE_DIR + "/examples/homelab.yaml");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(r.err.empty()) << r.err;
  EXPECT_NE(r.out.find("ok: 2 networks, 3 hosts, 1 pools, 3 services, 4 forwards, 3 DNS names"),
            std::string::npos)
      << r.out;
}

TEST_F(CheckCli, WarningsDoNotFailTheCheck) {
  std::string path =
      write("warn.yaml",
            "networks:\n"
            "  lan: { interface: vmbr0, subnet: 192.168.1.0/24, address: 192.168.1.55,"
            " uplink: true }\n"
            "services:\n"
            "  nas: { address: 192.168.1.10, ports: { smb: 445 } }\n");
  CliRun r = run("check -c " + path);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find(path + ":2:3: warning: uplink network 'lan' has no router"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find(path + ":4:3: warning: service 'nas' has no forward and no DNS name"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.out.find("(2 warning(s))"), std::string::npos) << r.out;
}

TEST_F(CheckCli, SyntaxErrorExitsTwo) {
  std::string path = write("syntax.yaml", "networks:\n  lan: [1, 2\n");
  CliRun r = run("check -c " + path);
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(
      std::regex_search(r.err, std::regex("^" + path + R"(:\d+:\d+: error: .* \[syntax\])")))
      << r.err;
}

TEST_F(CheckCli, UnreadableFileIsARuntimeFailure) {
  CliRun r = run("check -c " + (dir_ / "missing.yaml").string());
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_NE(r.err.find("cannot read"), std::string::npos) << r.err;
}

// A directory used to be reported as an empty file; /dev/zero used to be read until memory ran out.
TEST_F(CheckCli, ADirectoryOrADeviceIsNotAFile) {
  CliRun dir = run("check -c " + dir_.string());
  EXPECT_EQ(dir.status, 1) << dir.err;
  EXPECT_NE(dir.err.find(dir_.string() + ": cannot read: a directory, not a file"),
            std::string::npos)
      << dir.err;
  CliRun zero = run("check -c /dev/zero");
  EXPECT_EQ(zero.status, 1) << zero.err;
  EXPECT_NE(zero.err.find("/dev/zero: cannot read: a character device, not a file"),
            std::string::npos)
      << zero.err;
}

}  // namespace
