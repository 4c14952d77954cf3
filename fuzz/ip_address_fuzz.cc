// libFuzzer target: the address, prefix and range parsers (net/ip_address.h) on arbitrary text.
// Contract under test: no crash or out-of-bounds read on any input; a failed parse explains
// itself; a parsed value's str() parses back to the same value (parse -> str -> parse is the
// identity), and str() is a fixed point (canonical text formats to itself); the invariants hold
// (a prefix's host bits are zero and it contains its first and last address; a range is ordered,
// of one family, and holds at least one address).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "net/ip_address.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace labgate;
  std::string_view text(reinterpret_cast<const char*>(data), size);

  std::string error;
  if (auto a = IpAddress::parse(text, &error)) {
    std::string s = a->str();
    auto back = IpAddress::parse(s);
    if (!back || *back != *a || back->str() != s) std::abort();
    if (a->is_v4() && (a->hi() != 0 || a->lo() > 0xffffffffu)) std::abort();
  } else if (error.empty()) {
    std::abort();
  }

  error.clear();
  if (auto p = IpPrefix::parse(text, &error)) {
    if (p->length < 0 || p->length > p->network.bit_width()) std::abort();
    if (IpPrefix::containing(p->network, p->length) != *p) std::abort();
    if (!p->contains(p->first()) || !p->contains(p->last()) || p->last() < p->first()) std::abort();
    auto back = IpPrefix::parse(p->str());
    if (!back || *back != *p) std::abort();
  } else if (error.empty()) {
    std::abort();
  }

  error.clear();
  if (auto r = IpRange::parse(text, &error)) {
    if (r->first.family() != r->last.family() || r->last < r->first || r->size() == 0) std::abort();
    auto back = IpRange::parse(r->str());
    if (!back || *back != *r) std::abort();
  } else if (error.empty()) {
    std::abort();
  }
  return 0;
}
