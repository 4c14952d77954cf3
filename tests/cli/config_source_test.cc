// read_config(): what the command line reads as a topology file, and what it refuses before
// reading (issue 12: /dev/zero, a FIFO or a huge file used to be read until memory ran out).
#include "cli/config_source.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

#include <gtest/gtest.h>

#include "diag/diagnostic.h"
#include "topology/loader.h"

namespace labgate {
namespace {

namespace fs = std::filesystem;

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
#else
constexpr bool kSanitized = false;
#endif

// Runs `body` in a child process with a time limit (SIGALRM) and a memory limit, and returns its
// exit status, or -1 when it was killed: an unbounded read fails the test instead of hanging it
// or exhausting the machine's memory.
int run_bounded(const std::function<int()>& body, unsigned seconds = 10) {
  pid_t pid = ::fork();
  if (pid == 0) {
    // AddressSanitizer reserves terabytes of address space for its shadow: there, the time limit
    // alone bounds the child.
    if (!kSanitized) {
      rlimit memory{1UL << 30, 1UL << 30};
      ::setrlimit(RLIMIT_AS, &memory);
    }
    ::alarm(seconds);
    ::_exit(body());
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// 0 when read_config(path) refuses the path with an error that names it and contains `says`.
int refuses(const std::string& path, const std::string& says) {
  std::string error;
  auto source = read_config(path, &error);
  if (source) return 1;
  if (error.find(path) == std::string::npos) return 2;
  if (error.find(says) == std::string::npos) return 3;
  return 0;
}

class ConfigSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("labgate-config-source-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(ConfigSourceTest, ReadsARegularFileWhole) {
  std::string path = (dir_ / "t.yaml").string();
  std::ofstream(path) << "networks: {}\n";
  std::string error;
  auto source = read_config(path, &error);
  ASSERT_TRUE(source) << error;
  EXPECT_EQ(source->name, path);
  EXPECT_EQ(source->text, "networks: {}\n");
}

TEST_F(ConfigSourceTest, RefusesAnEndlessDevice) {
  EXPECT_EQ(run_bounded([] { return refuses("/dev/zero", "a character device, not a file"); }), 0);
  EXPECT_EQ(run_bounded([] { return refuses("/dev/urandom", "a character device"); }), 0);
}

TEST_F(ConfigSourceTest, RefusesAFifoWithOrWithoutAWriter) {
  std::string path = (dir_ / "fifo").string();
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  // No writer: open() must not block.
  EXPECT_EQ(run_bounded([&] { return refuses(path, "a FIFO (named pipe), not a file"); }), 0);
  // A writer that never stops.
  pid_t writer = ::fork();
  if (writer == 0) {
    ::alarm(20);
    int fd = ::open(path.c_str(), O_WRONLY);
    std::string chunk(65536, 'x');
    while (::write(fd, chunk.data(), chunk.size()) > 0) {
    }
    ::_exit(0);
  }
  EXPECT_EQ(run_bounded([&] { return refuses(path, "a FIFO (named pipe), not a file"); }), 0);
  ::kill(writer, SIGKILL);
  ::waitpid(writer, nullptr, 0);
}

TEST_F(ConfigSourceTest, RefusesADirectory) {
  EXPECT_EQ(refuses(dir_.string(), "a directory, not a file"), 0);
}

TEST_F(ConfigSourceTest, ReadsAHugeFileOnlyUpToTheLimit) {
  // A sparse 3 GB file: read whole, it would take 3 GB of memory (the child has 1 GiB).
  std::string path = (dir_ / "huge.yaml").string();
  { std::ofstream out(path); }
  fs::resize_file(path, 3'000'000'000ULL);
  EXPECT_EQ(run_bounded([&] {
              std::string error;
              auto source = read_config(path, &error);
              if (!source) return 1;
              if (source->text.size() != kMaxTopologyBytes + 1) return 2;
              Diagnostics diagnostics;
              check_topology(source->text, diagnostics);
              if (diagnostics.all().size() != 1 || diagnostics.all()[0].code != "file-too-large")
                return 3;
              return 0;
            }),
            0);
}

}  // namespace
}  // namespace labgate
