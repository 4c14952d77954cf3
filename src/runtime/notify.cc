#include "runtime/notify.h"

#include <systemd/sd-daemon.h>
#include <time.h>

#include <string>

#include <fmt/format.h>

namespace labgate::runtime {

void notify_ready(std::string_view status) {
  std::string message = fmt::format("READY=1\nSTATUS={}", status);
  sd_notify(0, message.c_str());
}

void notify_reloading() {
  // systemd >= 253 wants the monotonic time with RELOADING=1 (Type=notify-reload).
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  uint64_t usec = uint64_t(now.tv_sec) * 1000000 + uint64_t(now.tv_nsec) / 1000;
  std::string message = fmt::format("RELOADING=1\nMONOTONIC_USEC={}", usec);
  sd_notify(0, message.c_str());
}

void notify_stopping() {
  sd_notify(0, "STOPPING=1");
}

}  // namespace labgate::runtime
