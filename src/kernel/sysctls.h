// Kernel parameters (sysctls) by dotted name, e.g. net.ipv4.ip_forward.
//
// ProcSysctls reads and writes files under /proc/sys (net.ipv4.ip_forward is
// /proc/sys/net/ipv4/ip_forward). /proc/sys/net is per network namespace, so a labgate run
// inside `ip netns exec` changes that namespace's values only. The root is a parameter so tests
// can point it at a directory.
#pragma once

#include <optional>
#include <string>

#include "diag/status.h"

namespace labgate {

class Sysctls {
 public:
  virtual ~Sysctls() = default;
  // The current value, without the trailing newline.
  virtual Status read(const std::string& name, std::string* value) = 0;
  virtual Status write(const std::string& name, const std::string& value) = 0;
};

class ProcSysctls final : public Sysctls {
 public:
  explicit ProcSysctls(std::string root = "/proc/sys") : root_(std::move(root)) {}
  Status read(const std::string& name, std::string* value) override;
  Status write(const std::string& name, const std::string& value) override;

  // "net.ipv4.ip_forward" -> ROOT/net/ipv4/ip_forward. nullopt for names that could escape the
  // root ("..", "/", empty components).
  std::optional<std::string> path_of(const std::string& name) const;

 private:
  std::string root_;
};

}  // namespace labgate
