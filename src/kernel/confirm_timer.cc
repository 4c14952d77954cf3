#include "kernel/confirm_timer.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include <fmt/format.h>

namespace labgate {
namespace {

void sleep_seconds(int seconds) {
  timespec left{seconds, 0};
  while (nanosleep(&left, &left) != 0 && errno == EINTR) {
  }
}

// In the grandchild: no descriptor of the parent survives (a pipe held open would keep a caller
// waiting for EOF, e.g. `$(labgate apply --confirm 60)`).
void detach_descriptors(int keep) {
  int max_fd = static_cast<int>(sysconf(_SC_OPEN_MAX));
  if (max_fd < 0 || max_fd > 65536) max_fd = 65536;
  for (int fd = 0; fd < max_fd; ++fd)
    if (fd != keep) close(fd);
  int null = open("/dev/null", O_RDWR);
  if (null >= 0) {
    dup2(null, 0);
    dup2(null, 1);
    dup2(null, 2);
    if (null > 2) close(null);
  }
}

}  // namespace

Status start_confirm_timer(int seconds, const std::function<int()>& on_expiry, pid_t* timer_pid) {
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0)
    return Status::error(fmt::format("cannot start the confirm timer: {}", std::strerror(errno)));
  pid_t child = fork();
  if (child < 0) {
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    return Status::error(fmt::format("cannot start the confirm timer: {}", std::strerror(errno)));
  }
  if (child == 0) {
    close(pipe_fds[0]);
    setsid();
    signal(SIGHUP, SIG_IGN);
    pid_t grandchild = fork();
    if (grandchild != 0) {
      // Report the timer's pid (or -1) and let the grandchild be adopted by init.
      ssize_t unused = write(pipe_fds[1], &grandchild, sizeof grandchild);
      (void)unused;
      _exit(0);
    }
    detach_descriptors(-1);
    sleep_seconds(seconds);
    _exit(on_expiry());
  }
  close(pipe_fds[1]);
  pid_t grandchild = -1;
  ssize_t n;
  do {
    n = read(pipe_fds[0], &grandchild, sizeof grandchild);
  } while (n < 0 && errno == EINTR);
  close(pipe_fds[0]);
  int status = 0;
  waitpid(child, &status, 0);
  if (n != static_cast<ssize_t>(sizeof grandchild) || grandchild <= 0)
    return Status::error("cannot start the confirm timer: fork failed");
  *timer_pid = grandchild;
  return Status::ok_status();
}

}  // namespace labgate
