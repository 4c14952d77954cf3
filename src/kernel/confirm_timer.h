// The confirm timer of `labgate apply --confirm N`: a detached process that outlives the
// terminal (and the `ip netns exec`, or ssh session) that started it.
//
// start_confirm_timer() double-forks: the child calls setsid() (no controlling terminal, so no
// SIGHUP when the session ends), the grandchild closes every inherited descriptor, points
// stdin/stdout/stderr at /dev/null, sleeps `seconds`, then calls `on_expiry` and exits with the
// status it returns (non-zero when the rollback failed). The
// caller gets the grandchild's pid, records it in the state directory, and `labgate confirm`
// ends the timer with SIGTERM. The timer inherits the network namespace, so it rolls back the
// namespace where apply ran.
#pragma once

#include <sys/types.h>

#include <functional>

#include "diag/status.h"

namespace labgate {

Status start_confirm_timer(int seconds, const std::function<int()>& on_expiry, pid_t* timer_pid);

}  // namespace labgate
