#include "runtime/open_files.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace labgate::runtime {

Result<rlim_t> raise_open_files_limit(rlim_t cap) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0)
    return Result<rlim_t>::failure(fmt::format("getrlimit(RLIMIT_NOFILE): {}", strerror(errno)));
  rlim_t wanted = limit.rlim_max == RLIM_INFINITY ? cap : std::min(limit.rlim_max, cap);
  if (limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur >= wanted) return limit.rlim_cur;
  rlimit raised{wanted, limit.rlim_max};
  if (setrlimit(RLIMIT_NOFILE, &raised) != 0)
    return Result<rlim_t>::failure(
        fmt::format("setrlimit(RLIMIT_NOFILE, {}): {}", wanted, strerror(errno)));
  return wanted;
}

}  // namespace labgate::runtime
