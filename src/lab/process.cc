#include "lab/process.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <thread>

#include <fmt/format.h>

namespace labgate {
namespace {

// A memfd holding `text`, positioned at 0, for a child's stdin (no pipe to deadlock on).
int memfd_with(const std::string& text) {
  int fd = memfd_create("labgate-stdin", MFD_CLOEXEC);
  if (fd < 0) return -1;
  size_t off = 0;
  while (off < text.size()) {
    ssize_t n = write(fd, text.data() + off, text.size() - off);
    if (n <= 0) {
      close(fd);
      return -1;
    }
    off += static_cast<size_t>(n);
  }
  lseek(fd, 0, SEEK_SET);
  return fd;
}

std::vector<char*> c_argv(std::vector<std::string>& argv) {
  std::vector<char*> out;
  for (auto& a : argv) out.push_back(a.data());
  out.push_back(nullptr);
  return out;
}

// In a forked child: die with the parent, which may already be gone.
void die_with_parent(pid_t parent) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(127);
}

}  // namespace

std::string self_executable() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "labgate";
  return std::string(buf, static_cast<size_t>(n));
}

std::string netns_path(const std::string& netns) {
  return "/run/netns/" + netns;
}

std::vector<CommandResult> run_commands(const std::vector<Command>& commands) {
  struct Running {
    pid_t pid = -1;
    int out = -1;
  };
  std::vector<CommandResult> results(commands.size());
  std::vector<Running> running(commands.size());
  pid_t parent = getpid();
  for (size_t i = 0; i < commands.size(); ++i) {
    int in = memfd_with(commands[i].input);
    int pipe_fds[2];
    if (in < 0 || pipe2(pipe_fds, O_CLOEXEC) != 0) {
      if (in >= 0) close(in);
      results[i].output = fmt::format("cannot start {}: {}", commands[i].argv[0], strerror(errno));
      continue;
    }
    pid_t pid = fork();
    if (pid == 0) {
      die_with_parent(parent);
      dup2(in, 0);
      dup2(pipe_fds[1], 1);
      dup2(pipe_fds[1], 2);
      std::vector<std::string> argv = commands[i].argv;
      execvp(argv[0].c_str(), c_argv(argv).data());
      dprintf(2, "cannot run %s: %s\n", argv[0].c_str(), strerror(errno));
      _exit(127);
    }
    close(in);
    close(pipe_fds[1]);
    if (pid < 0) {
      close(pipe_fds[0]);
      results[i].output = fmt::format("cannot fork: {}", strerror(errno));
      continue;
    }
    running[i] = Running{pid, pipe_fds[0]};
  }
  // Drain every child's output until all pipes close, then reap.
  for (;;) {
    std::vector<pollfd> fds;
    std::vector<size_t> owner;
    for (size_t i = 0; i < running.size(); ++i)
      if (running[i].out >= 0) {
        fds.push_back(pollfd{running[i].out, POLLIN, 0});
        owner.push_back(i);
      }
    if (fds.empty()) break;
    if (poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR) break;
    for (size_t k = 0; k < fds.size(); ++k) {
      if (!fds[k].revents) continue;
      char buf[4096];
      ssize_t n = read(fds[k].fd, buf, sizeof buf);
      if (n > 0) {
        results[owner[k]].output.append(buf, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        close(fds[k].fd);
        running[owner[k]].out = -1;
      }
    }
  }
  for (size_t i = 0; i < running.size(); ++i) {
    if (running[i].pid < 0) continue;
    int status = 0;
    while (waitpid(running[i].pid, &status, 0) < 0 && errno == EINTR) {
    }
    results[i].status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  return results;
}

CommandResult run_command(const Command& command) {
  return run_commands({command})[0];
}

Result<pid_t> start_in_netns(const std::string& netns, std::vector<std::string> argv,
                             const std::string& log_path, int timeout_ms) {
  int ns = open(netns_path(netns).c_str(), O_RDONLY | O_CLOEXEC);
  if (ns < 0) {
    return Result<pid_t>::failure(
        fmt::format("cannot open namespace {}: {}", netns, strerror(errno)));
  }
  int ready[2];
  if (pipe2(ready, O_CLOEXEC) != 0) {
    Status failed = Status::error(fmt::format("pipe: {}", strerror(errno)));
    close(ns);
    return failed;
  }
  int log = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid == 0) {
    die_with_parent(parent);
    setsid();
    if (setns(ns, CLONE_NEWNET) != 0) {
      dprintf(log >= 0 ? log : 2, "setns %s: %s\n", netns.c_str(), strerror(errno));
      _exit(126);
    }
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, 0);
    if (log >= 0) {
      dup2(log, 1);
      dup2(log, 2);
    }
    // The ready pipe's write end becomes fd 3, kept across exec.
    if (ready[1] == 3)
      fcntl(3, F_SETFD, 0);
    else
      dup2(ready[1], 3);
    bool reports_ready = false;
    for (auto& a : argv)
      if (a == kReadyFdPlaceholder) {
        a = "3";
        reports_ready = true;
      }
    // Already inside the lab's namespace, where `lab down` finds it: it may outlive us now.
    if (!reports_ready) prctl(PR_SET_PDEATHSIG, 0);
    execvp(argv[0].c_str(), c_argv(argv).data());  // a bare name is looked up in PATH
    dprintf(2, "cannot run %s: %s\n", argv[0].c_str(), strerror(errno));
    _exit(127);
  }
  close(ns);
  close(ready[1]);
  if (log >= 0) close(log);
  if (pid < 0) {
    Status failed = Status::error(fmt::format("fork: {}", strerror(errno)));
    close(ready[0]);
    return failed;
  }
  bool reports_ready = std::find(argv.begin(), argv.end(), kReadyFdPlaceholder) != argv.end();
  if (!reports_ready) {
    close(ready[0]);
    return pid;
  }
  pollfd p{ready[0], POLLIN, 0};
  char line[64] = {};
  ssize_t n = -1;
  if (poll(&p, 1, timeout_ms) > 0) n = read(ready[0], line, sizeof line - 1);
  close(ready[0]);
  if (n <= 0 || strncmp(line, "ready", 5) != 0) {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    return Result<pid_t>::failure(fmt::format("{} did not report ready within {} ms (see {})",
                                              argv[0], timeout_ms, log_path));
  }
  return pid;
}

namespace {

// Every process of the machine but this one, by the numeric entries of /proc, whose pid `keep`
// accepts.
template <class Keep>
std::vector<pid_t> other_processes_where(Keep keep) {
  std::vector<pid_t> out;
  DIR* proc = opendir("/proc");
  if (!proc) return out;
  pid_t self = getpid();
  while (dirent* e = readdir(proc)) {
    char* end = nullptr;
    long pid = strtol(e->d_name, &end, 10);
    if (*end != '\0' || pid <= 0 || pid == self) continue;
    if (keep(static_cast<pid_t>(pid))) out.push_back(static_cast<pid_t>(pid));
  }
  closedir(proc);
  return out;
}

}  // namespace

std::vector<pid_t> processes_in_netns(const std::string& netns) {
  struct stat target;
  if (stat(netns_path(netns).c_str(), &target) != 0) return {};
  return other_processes_where([&](pid_t pid) {
    struct stat st;
    return stat(fmt::format("/proc/{}/ns/net", pid).c_str(), &st) == 0 &&
           st.st_ino == target.st_ino && st.st_dev == target.st_dev;
  });
}

std::vector<pid_t> processes_naming(const std::string& text) {
  return other_processes_where([&](pid_t pid) {
    std::ifstream in(fmt::format("/proc/{}/cmdline", pid), std::ios::binary);
    std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return cmdline.find(text) != std::string::npos;
  });
}

bool process_alive(pid_t pid) {
  if (pid <= 0 || kill(pid, 0) != 0) return false;
  std::ifstream stat(fmt::format("/proc/{}/stat", pid));
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  auto close_paren = text.rfind(')');
  if (close_paren == std::string::npos || close_paren + 2 >= text.size()) return true;
  return text[close_paren + 2] != 'Z';
}

void kill_and_wait(const std::vector<pid_t>& pids, int timeout_ms) {
  for (pid_t p : pids) kill(p, SIGKILL);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (pid_t p : pids) {
    // Our own children (a server started by this process) must be reaped to disappear.
    waitpid(p, nullptr, WNOHANG);
    while (process_alive(p) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      waitpid(p, nullptr, WNOHANG);
    }
  }
}

}  // namespace labgate
