#include "lab/upstream_resolver.h"

#include <fmt/format.h>

namespace labgate {

std::string upstream_resolver_config(const std::vector<IpAddress>& addresses, IpAddress internet) {
  std::string out = "server:\n";
  for (IpAddress a : addresses) out += fmt::format("  interface: {}\n", a.str());
  // In the foreground, without chroot, privilege drop, pid file or syslog: `lab up` starts it
  // with its log in the lab's directory, and `lab down` kills it with the namespace's processes.
  out +=
      "  port: 53\n"
      "  do-daemonize: no\n"
      "  chroot: \"\"\n"
      "  username: \"\"\n"
      "  pidfile: \"\"\n"
      "  use-syslog: no\n"
      "  logfile: \"\"\n"
      "  num-threads: 1\n"
      "  do-ip6: no\n"
      "  access-control: 0.0.0.0/0 allow\n"
      // Everything is answered from local data: a lab never queries the real internet.
      "  local-zone: \".\" static\n";
  out += fmt::format("  local-data: \"{}. 300 IN A {}\"\n", kLabInternetName, internet.str());
  out +=
      "remote-control:\n"
      "  control-enable: no\n";
  return out;
}

}  // namespace labgate
