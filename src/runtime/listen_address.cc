#include "runtime/listen_address.h"

#include <charconv>

#include <fmt/format.h>

namespace labgate::runtime {

Result<ListenAddress> ListenAddress::parse(std::string_view text) {
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos)
    return Status::error(fmt::format("'{}' is not ADDRESS:PORT", text));
  std::string why;
  auto address = IpAddress::parse(text.substr(0, colon), &why);
  if (!address) return Status::error(fmt::format("'{}': {}", text, why));
  if (!address->is_v4())  // and "[v6]:port" is the form to accept when dual-stack comes
    return Status::error(fmt::format("'{}': IPv6 is not supported yet", text));
  std::string_view port_text = text.substr(colon + 1);
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size() ||
      port > 65535)
    return Status::error(fmt::format("'{}': the port must be a number from 0 to 65535", text));
  return ListenAddress{*address, static_cast<uint16_t>(port)};
}

std::string ListenAddress::str() const {
  return fmt::format("{}:{}", address.str(), port);
}

}  // namespace labgate::runtime
