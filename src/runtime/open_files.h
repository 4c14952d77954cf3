// The daemon's limit of open files. Every proxied TCP connection holds two sockets and two pipe
// ends (splice), so systemd's default soft limit of 1,024 caps the proxy near 250 connections while
// the hard limit (524,288 on Debian 12) allows far more: the daemon raises its soft limit to the
// hard one at start, as HAProxy and nginx do, instead of failing accept() with EMFILE.
#pragma once

#include <sys/resource.h>

#include "diag/result.h"

namespace labgate::runtime {

// Raises RLIMIT_NOFILE's soft limit to its hard limit, or to `cap` when the hard limit is higher
// (or unlimited). Returns the soft limit in force afterwards; a failure leaves the limit as it was.
Result<rlim_t> raise_open_files_limit(rlim_t cap = 1 << 20);

}  // namespace labgate::runtime
