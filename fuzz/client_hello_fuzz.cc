// libFuzzer target: the ClientHello parser on arbitrary bytes.
// Contract under test: any input is answered without a crash, an out-of-bounds read or unbounded
// memory; the verdict does not depend on how the bytes are split (whole, or in pieces whose sizes
// come from the input itself); a kDone name is lower case, non-empty labels, no trailing dot.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "proxy/client_hello.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using labgate::proxy::ClientHelloParser;
  using labgate::proxy::HelloStatus;
  ClientHelloParser whole;
  HelloStatus a = whole.feed(data, size);

  // The same bytes in pieces of 1..16 bytes, sizes taken from the bytes themselves.
  ClientHelloParser pieces;
  HelloStatus b = HelloStatus::kNeedMore;
  for (size_t at = 0; at < size;) {
    size_t n = 1 + data[at] % 16;
    if (n > size - at) n = size - at;
    b = pieces.feed(data + at, n);
    at += n;
  }
  if (size == 0) b = pieces.status();
  if (a != b) std::abort();
  if (a == HelloStatus::kDone) {
    if (whole.server_name() != pieces.server_name()) std::abort();
    const std::string& name = whole.server_name();
    if (!name.empty() && (name.back() == '.' || name.front() == '.')) std::abort();
    for (char c : name)
      if (c >= 'A' && c <= 'Z') std::abort();
  }
  return 0;
}
