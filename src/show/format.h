// Small text helpers shared by the renderers of `labgate show`: compact address ranges, port
// lists, and aligned tables. Pure functions on strings.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "net/ip_address.h"
#include "plan/address_plan.h"
#include "topology/topology.h"

namespace labgate::show {

// "192.168.100.80" for one address; "192.168.100.80-85" when only the last octet differs (as the
// seed writes ranges); "10.0.0.1-10.0.1.1" otherwise.
std::string compact_range(const IpRange& r);

// "http:80 https:443"; a UDP port carries its protocol: "dns:53/udp".
std::string port_list(const std::vector<ServicePort>& ports);

// What a member of a network is, for the pictures: "virtual IP held by node1", "service
// http:80", "pool of 6 addresses"; "" for a plain host.
std::string member_detail(const AddressPlanEntry& e);

// The number of terminal columns `s` takes: one per code point. Good for ASCII and the box
// drawing characters and arrows the renderers use (none of them is wide or combining).
size_t display_width(std::string_view s);

// The display width of the widest line of `text` (lines end with '\n').
size_t max_line_width(const std::string& text);

// `s` followed by spaces up to `width` columns (never truncated).
std::string pad(std::string_view s, size_t width);

// Rows of cells printed in aligned columns, two spaces apart, each line prefixed by `indent`.
// The last cell of a row is not padded and lines carry no trailing spaces.
class TextTable {
 public:
  explicit TextTable(std::string indent = "  ") : indent_(std::move(indent)) {}
  void add_row(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }
  std::string render() const;

 private:
  std::string indent_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace labgate::show
