// The sd_notify protocol as labgate speaks it: one datagram to $NOTIFY_SOCKET, a path or an
// abstract name ('@'), nothing at all without it.
#include "runtime/notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include <gtest/gtest.h>

namespace labgate::runtime {
namespace {

// A datagram socket standing in for systemd's, bound to `name` as NOTIFY_SOCKET spells it.
struct StandInSystemd {
  int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  explicit StandInSystemd(const std::string& name) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, name.data(), name.size());
    if (name[0] == '@') address.sun_path[0] = '\0';
    EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address),
                     static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size())),
              0);
    timeval tv{2, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setenv("NOTIFY_SOCKET", name.c_str(), 1);
  }
  ~StandInSystemd() {
    ::unsetenv("NOTIFY_SOCKET");
    ::close(fd);
  }
  std::string next() {
    char buffer[512];
    ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    return n > 0 ? std::string(buffer, static_cast<size_t>(n)) : "";
  }
};

TEST(Notify, SendsEachStateToAnAbstractSocket) {
  StandInSystemd systemd("@labgate-notify-test-" + std::to_string(::getpid()));
  notify_ready("serving 3 names");
  EXPECT_EQ(systemd.next(), "READY=1\nSTATUS=serving 3 names");
  notify_reloading();
  EXPECT_EQ(systemd.next().rfind("RELOADING=1\nMONOTONIC_USEC=", 0), 0u);
  notify_stopping();
  EXPECT_EQ(systemd.next(), "STOPPING=1");
}

TEST(Notify, SendsToASocketPath) {
  std::string path = "/tmp/labgate-notify-test-" + std::to_string(::getpid()) + ".sock";
  ::unlink(path.c_str());
  {
    StandInSystemd systemd(path);
    notify_stopping();
    EXPECT_EQ(systemd.next(), "STOPPING=1");
  }
  ::unlink(path.c_str());
}

// Without NOTIFY_SOCKET, or with a name that is neither a path nor abstract, nothing is sent
// (and nothing fails): the stand-in, bound where such a name could be mistaken to point, gets no
// datagram.
TEST(Notify, SendsNothingWithoutTheVariableOrWithARelativeName) {
  std::string name = "labgate-notify-test-relative-" + std::to_string(::getpid());
  StandInSystemd systemd("@" + name);
  timeval short_wait{0, 200000};
  ::setsockopt(systemd.fd, SOL_SOCKET, SO_RCVTIMEO, &short_wait, sizeof short_wait);
  ::unsetenv("NOTIFY_SOCKET");
  notify_stopping();
  EXPECT_EQ(systemd.next(), "");
  ::setenv("NOTIFY_SOCKET", name.c_str(), 1);  // relative: sd_notify(3) ignores it too
  notify_stopping();
  EXPECT_EQ(systemd.next(), "");
  ::setenv("NOTIFY_SOCKET", ("/" + std::string(200, 'x')).c_str(), 1);  // longer than sun_path
  notify_stopping();
  EXPECT_EQ(systemd.next(), "");
}

}  // namespace
}  // namespace labgate::runtime
