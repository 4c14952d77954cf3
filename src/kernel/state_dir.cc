#include "kernel/state_dir.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace labgate {
namespace {

Status io_error(const std::string& what, const std::string& path) {
  return Status::error(fmt::format("cannot {} {}: {}", what, path, std::strerror(errno)),
                       "the state directory needs root; choose another with --state-dir");
}

}  // namespace

StateDir::~StateDir() {
  if (lock_fd_ >= 0) close(lock_fd_);
}

Status StateDir::ensure() {
  // Create each missing component, so a fresh /var/lib/labgate or a test's nested dir works.
  for (size_t pos = 1; pos <= path_.size(); ++pos) {
    if (pos != path_.size() && path_[pos] != '/') continue;
    std::string prefix = path_.substr(0, pos);
    if (mkdir(prefix.c_str(), 0700) != 0 && errno != EEXIST)
      return io_error("create the state directory", prefix);
  }
  return Status::ok_status();
}

Status StateDir::lock() {
  if (lock_fd_ >= 0) return Status::ok_status();
  std::string path = file("lock");
  lock_fd_ = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock_fd_ < 0) return io_error("open", path);
  while (flock(lock_fd_, LOCK_EX) != 0)
    if (errno != EINTR) return io_error("lock", path);
  return Status::ok_status();
}

std::optional<std::string> StateDir::read(const std::string& name) const {
  std::ifstream in(file(name), std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

Status StateDir::write_atomic(const std::string& name, const std::string& content) {
  std::string target = file(name);
  std::string temp = fmt::format("{}.tmp.{}", target, getpid());
  int fd = open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return io_error("create", temp);
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      Status s = io_error("write", temp);
      close(fd);
      unlink(temp.c_str());
      return s;
    }
    done += static_cast<size_t>(n);
  }
  if (fsync(fd) != 0 || close(fd) != 0) {
    Status s = io_error("sync", temp);
    unlink(temp.c_str());
    return s;
  }
  if (rename(temp.c_str(), target.c_str()) != 0) {
    Status s = io_error("rename into", target);
    unlink(temp.c_str());
    return s;
  }
  // Make the rename itself durable.
  int dir = open(path_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    fsync(dir);
    close(dir);
  }
  return Status::ok_status();
}

Status StateDir::remove(const std::string& name) {
  std::string target = file(name);
  if (unlink(target.c_str()) != 0 && errno != ENOENT) return io_error("remove", target);
  return Status::ok_status();
}

void StateDir::append_line(const std::string& name, const std::string& line) {
  std::ofstream(file(name), std::ios::app) << line << "\n";
}

}  // namespace labgate
