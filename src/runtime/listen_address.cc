#include "runtime/listen_address.h"

#include <charconv>

#include <fmt/format.h>

namespace labgate::runtime {

std::optional<ListenAddress> ListenAddress::parse(std::string_view text, std::string* error) {
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    *error = fmt::format("'{}' is not ADDRESS:PORT", text);
    return std::nullopt;
  }
  std::string why;
  auto address = IpAddress::parse(text.substr(0, colon), &why);
  if (!address) {
    *error = fmt::format("'{}': {}", text, why);
    return std::nullopt;
  }
  if (!address->is_v4()) {  // and "[v6]:port" is the form to accept when dual-stack comes
    *error = fmt::format("'{}': IPv6 is not supported yet", text);
    return std::nullopt;
  }
  std::string_view port_text = text.substr(colon + 1);
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size() ||
      port > 65535) {
    *error = fmt::format("'{}': the port must be a number from 0 to 65535", text);
    return std::nullopt;
  }
  return ListenAddress{*address, static_cast<uint16_t>(port)};
}

std::string ListenAddress::str() const {
  return fmt::format("{}:{}", address.str(), port);
}

}  // namespace labgate::runtime
