// Logging for the daemon: one line per event on stderr, which journald reads.
//
// Under systemd (JOURNAL_STREAM is set) each line starts with a syslog priority prefix ("<3>"),
// which journald turns into the entry's priority; elsewhere lines start with "labgate: ".
// Thread-safe: each line is written with one write(2).
#pragma once

#include <string_view>

namespace labgate::runtime {

void log_info(std::string_view message);
void log_warning(std::string_view message);
void log_error(std::string_view message);

}  // namespace labgate::runtime
