#include "runtime/notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <string>

#include <fmt/format.h>

namespace labgate::runtime {
namespace {

// sd_notify(3)'s protocol, written out rather than linked: one datagram to the AF_UNIX socket
// named by $NOTIFY_SOCKET (a path, or an abstract name when it starts with '@'); systemd reads
// the sender's credentials from the socket itself. Linking libsystemd for this one datagram kept
// ~1 MiB of its libraries (libgcrypt, libzstd, liblzma, liblz4, libcap...) resident in the
// daemon. Best effort, as sd_notify: a failure changes nothing for the service.
void send_notification(std::string_view message) {
  const char* name = std::getenv("NOTIFY_SOCKET");
  if (name == nullptr || (name[0] != '/' && name[0] != '@')) return;
  sockaddr_un address{};
  size_t length = std::strlen(name);
  if (length >= sizeof address.sun_path) return;
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, name, length);
  if (name[0] == '@') address.sun_path[0] = '\0';
  int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  ssize_t ignored = ::sendto(fd, message.data(), message.size(), MSG_NOSIGNAL,
                             reinterpret_cast<const sockaddr*>(&address),
                             static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + length));
  (void)ignored;
  ::close(fd);
}

}  // namespace

void notify_ready(std::string_view status) {
  send_notification(fmt::format("READY=1\nSTATUS={}", status));
}

void notify_reloading() {
  // systemd >= 253 wants the monotonic time with RELOADING=1 (Type=notify-reload).
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  uint64_t usec = uint64_t(now.tv_sec) * 1000000 + uint64_t(now.tv_nsec) / 1000;
  send_notification(fmt::format("RELOADING=1\nMONOTONIC_USEC={}", usec));
}

void notify_stopping() {
  send_notification("STOPPING=1");
}

}  // namespace labgate::runtime
