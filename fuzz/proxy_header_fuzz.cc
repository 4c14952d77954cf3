// libFuzzer target: the PROXY protocol parser on arbitrary bytes.
// Contract under test: no crash or out-of-bounds read on any input; kDone consumes at most the
// input; every proper prefix of a kDone header is kNeedMore (the parser never decides early); and
// a parsed TCP4 header written back by our writer parses to the same addresses.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "proxy/proxy_header.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace labgate::proxy;
  ProxyParseResult r = parse_proxy_header(data, size);
  if (r.status != ProxyParseStatus::kDone) return 0;
  if (r.consumed == 0 || r.consumed > size) std::abort();
  for (size_t cut = 0; cut < r.consumed; ++cut)
    if (parse_proxy_header(data, cut).status != ProxyParseStatus::kNeedMore) std::abort();
  if (r.header.family == ProxyFamily::kTcp4) {
    std::string again = proxy_header(r.header.version, r.header.v4);
    ProxyParseResult back =
        parse_proxy_header(reinterpret_cast<const uint8_t*>(again.data()), again.size());
    if (back.status != ProxyParseStatus::kDone || back.consumed != again.size() ||
        back.header.v4.source != r.header.v4.source ||
        back.header.v4.destination != r.header.v4.destination ||
        back.header.v4.source_port != r.header.v4.source_port ||
        back.header.v4.destination_port != r.header.v4.destination_port)
      std::abort();
  }
  return 0;
}
