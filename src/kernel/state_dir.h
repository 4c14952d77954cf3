// The state directory (default /var/lib/labgate/): what labgate needs to remember between runs
// to roll back, restore sysctls, and tell whether a re-apply would change anything.
//
// Files (JSON, see datapath.cc for their fields): applied.json (what the last apply installed and
// how the kernel listed it), previous.json (the live state just before the last apply: the table
// listing or none, and the sysctl values), sysctls-original.json (values before labgate first
// changed them, restored by `remove`), confirm-pending.json (the pid of a confirm timer),
// confirm.log (what the timer did), lock (flock'ed by every command that changes the system).
//
// Invariant: every file is replaced atomically (temporary file in the same directory, fsync,
// rename, fsync of the directory), so a crash leaves either the old or the new content.
#pragma once

#include <optional>
#include <string>

#include "diag/status.h"

namespace labgate {

inline constexpr const char* kDefaultStateDir = "/var/lib/labgate";

class StateDir {
 public:
  explicit StateDir(std::string path) : path_(std::move(path)) {}
  ~StateDir();
  StateDir(const StateDir&) = delete;
  StateDir& operator=(const StateDir&) = delete;

  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

  // Creates the directory (mode 0700) if needed.
  Status ensure();
  // Takes the directory's lock (blocking), held until this object is destroyed.
  Status lock();

  // The content of `name`, or nullopt if it does not exist (or cannot be read).
  std::optional<std::string> read(const std::string& name) const;
  Status write_atomic(const std::string& name, const std::string& content);
  // Removes `name`; no error if it does not exist.
  Status remove(const std::string& name);
  // Appends one line to `name` (a log; not atomic, never read back by labgate).
  void append_line(const std::string& name, const std::string& line);

 private:
  std::string path_;
  int lock_fd_ = -1;
};

}  // namespace labgate
