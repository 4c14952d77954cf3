#include "runtime/signals.h"

#include <signal.h>

#include <cerrno>

namespace labgate::runtime {
namespace {

sigset_t daemon_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  return set;
}

}  // namespace

void block_daemon_signals() {
  sigset_t set = daemon_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int wait_for_stop(const std::function<void()>& on_reload) {
  sigset_t set = daemon_signals();
  while (true) {
    int sig = sigwaitinfo(&set, nullptr);
    if (sig < 0) {
      if (errno == EINTR) continue;
      return SIGTERM;  // cannot wait for signals: stop rather than run unstoppable
    }
    if (sig == SIGHUP) {
      on_reload();
      continue;
    }
    return sig;
  }
}

}  // namespace labgate::runtime
