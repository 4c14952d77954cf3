#include "kernel/sysctls.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace labgate {

std::optional<std::string> ProcSysctls::path_of(const std::string& name) const {
  if (name.empty() || name.find('/') != std::string::npos) return std::nullopt;
  std::string path = root_;
  size_t start = 0;
  while (true) {
    size_t dot = name.find('.', start);
    std::string part = name.substr(start, dot == std::string::npos ? dot : dot - start);
    if (part.empty()) return std::nullopt;
    path += "/" + part;
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return path;
}

Status ProcSysctls::read(const std::string& name, std::string* value) {
  auto path = path_of(name);
  if (!path) return Status::error(fmt::format("invalid sysctl name '{}'", name));
  std::ifstream in(*path);
  if (!in)
    return Status::error(fmt::format("cannot read sysctl {}: {}", name, std::strerror(errno)),
                         fmt::format("is {} present in this kernel?", *path));
  std::stringstream text;
  text << in.rdbuf();
  *value = text.str();
  while (!value->empty() && (value->back() == '\n' || value->back() == ' ')) value->pop_back();
  return Status::ok_status();
}

Status ProcSysctls::write(const std::string& name, const std::string& value) {
  auto path = path_of(name);
  if (!path) return Status::error(fmt::format("invalid sysctl name '{}'", name));
  std::ofstream out(*path);
  if (out) out << value << "\n";
  if (out) out.flush();
  if (!out)
    return Status::error(
        fmt::format("cannot set sysctl {}={}: {}", name, value, std::strerror(errno)),
        "setting sysctls needs root (CAP_NET_ADMIN in the network namespace)");
  return Status::ok_status();
}

}  // namespace labgate
