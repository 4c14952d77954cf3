// An IPv4 address and port to listen on, as written on the command line: "192.168.1.55:53".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "diag/result.h"
#include "net/ip_address.h"

namespace labgate::runtime {

struct ListenAddress {
  IpAddress address;
  uint16_t port = 0;  // 0: let the kernel choose (the first socket's port is reused by the rest)

  // "A.B.C.D:PORT"; a failure saying what is wrong on anything else.
  static Result<ListenAddress> parse(std::string_view text);
  std::string str() const;
  bool operator==(const ListenAddress&) const = default;
};

}  // namespace labgate::runtime
