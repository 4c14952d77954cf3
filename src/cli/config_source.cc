#include "cli/config_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <iostream>
#include <system_error>

#include <fmt/format.h>

#include "topology/loader.h"
#include "topology/seed.h"

namespace labgate {
namespace {

std::string errno_text(int error) {
  return std::generic_category().message(error);
}

// What a path that is not a regular file is, for the message that refuses it.
const char* kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

// The file's bytes, at most kMaxTopologyBytes + 1 of them: one more than the loader accepts, so
// the loader still reports a larger file as file-too-large, yet no file, however large, is read
// further. Only regular files are read: a FIFO or a device (/dev/zero, /dev/urandom) can be
// endless, and a directory reads as nothing. O_NONBLOCK keeps open() of a FIFO without a writer
// from blocking; fstat() then refuses it. A file that grows while it is read stops at the bound.
std::optional<std::string> read_file(const std::string& path, std::string* error) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) {
    *error = fmt::format("{}: cannot read: {}", path, errno_text(errno));
    return std::nullopt;
  }
  struct FdCloser {
    int fd;
    ~FdCloser() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    *error = fmt::format("{}: cannot read: {}", path, errno_text(errno));
    return std::nullopt;
  }
  if (!S_ISREG(st.st_mode)) {
    *error = fmt::format("{}: cannot read: {}, not a file; -c names a labgate YAML file", path,
                         kind_of(st.st_mode));
    return std::nullopt;
  }
  const size_t bound = kMaxTopologyBytes + 1;
  std::string text;
  text.resize(std::min<size_t>(bound, st.st_size > 0 ? static_cast<size_t>(st.st_size) + 1 : 4096));
  size_t have = 0;
  while (have < bound) {
    if (have == text.size()) text.resize(std::min(bound, text.size() * 2));
    ssize_t n = ::read(fd, text.data() + have, text.size() - have);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      *error = fmt::format("{}: cannot read: {}", path, errno_text(errno));
      return std::nullopt;
    }
    if (n == 0) break;
    have += static_cast<size_t>(n);
  }
  text.resize(have);
  return text;
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

}  // namespace

std::optional<ConfigSource> read_config(const std::string& explicit_path, std::string* error) {
  if (!explicit_path.empty()) {
    auto text = read_file(explicit_path, error);
    if (!text) return std::nullopt;
    return ConfigSource{explicit_path, std::move(*text)};
  }
  if (exists(kDefaultConfigPath)) {
    std::cerr << "labgate: using " << kDefaultConfigPath << "\n";
    auto text = read_file(kDefaultConfigPath, error);
    if (!text) return std::nullopt;
    return ConfigSource{kDefaultConfigPath, std::move(*text)};
  }
  std::cerr << "labgate: " << kDefaultConfigPath
            << " does not exist; using the built-in seed topology (examples/homelab.yaml)\n";
  return ConfigSource{kSeedTopologyName, std::string(seed_topology_text())};
}

LoadedTopology load_for_command(const std::string& explicit_path, bool compile_plan) {
  LoadedTopology result;
  std::string error;
  auto source = read_config(explicit_path, &error);
  if (!source) {
    std::cerr << "labgate: error: " << error << "\n";
    result.exit_status = kExitFailure;
    return result;
  }
  result.source = std::move(*source);
  Diagnostics diagnostics;
  Topology topology = check_topology(result.source.text, diagnostics);
  for (const auto& d : diagnostics.all())
    std::cerr << format_diagnostic(result.source.name, d) << "\n";
  result.warnings = diagnostics.warning_count();
  if (diagnostics.has_errors()) {
    std::cerr << fmt::format("labgate: {} error(s), {} warning(s) in {}\n",
                             diagnostics.error_count(), diagnostics.warning_count(),
                             result.source.name);
    result.exit_status = kExitConfigError;
    return result;
  }
  result.topology = std::move(topology);
  if (compile_plan) result.plan = compile(*result.topology);
  return result;
}

}  // namespace labgate
