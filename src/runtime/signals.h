// The daemon's signals: SIGTERM and SIGINT stop it, SIGHUP reloads it.
//
// They are blocked in every thread (block_daemon_signals() before any thread starts, so threads
// inherit the mask) and taken synchronously by the main thread with sigwaitinfo, so no handler
// runs at an arbitrary point and reload code may do anything.
#pragma once

#include <functional>

namespace labgate::runtime {

void block_daemon_signals();

// Blocks until SIGTERM or SIGINT (returns its number); runs on_reload for each SIGHUP meanwhile.
int wait_for_stop(const std::function<void()>& on_reload);

}  // namespace labgate::runtime
