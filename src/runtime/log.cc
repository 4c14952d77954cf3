#include "runtime/log.h"

#include <unistd.h>

#include <cstdlib>
#include <string>

namespace labgate::runtime {
namespace {

bool under_journald() {
  static const bool value = std::getenv("JOURNAL_STREAM") != nullptr;
  return value;
}

void write_line(const char* priority, const char* label, std::string_view message) {
  std::string line;
  line.reserve(message.size() + 32);
  if (under_journald()) {
    line += priority;
  } else {
    line += "labgate: ";
    line += label;
  }
  line += message;
  line += '\n';
  // One write per line keeps lines from different threads whole; a failed write to stderr has
  // nowhere to be reported.
  ssize_t ignored = ::write(STDERR_FILENO, line.data(), line.size());
  (void)ignored;
}

}  // namespace

void log_info(std::string_view message) {
  write_line("<6>", "", message);
}
void log_warning(std::string_view message) {
  write_line("<4>", "warning: ", message);
}
void log_error(std::string_view message) {
  write_line("<3>", "error: ", message);
}

}  // namespace labgate::runtime
