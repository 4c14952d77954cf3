// Readiness and state for systemd (the sd_notify protocol, Type=notify). Without NOTIFY_SOCKET
// these do nothing.
#pragma once

#include <string_view>

namespace labgate::runtime {

void notify_ready(std::string_view status);
void notify_reloading();  // then notify_ready() when the reload is done, whatever its result
void notify_stopping();

}  // namespace labgate::runtime
