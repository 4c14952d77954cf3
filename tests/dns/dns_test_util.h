// Helpers for the DNS tests: building queries with the writer, reading replies with the parser.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dns/message.h"
#include "dns/writer.h"

namespace labgate::dns::testing {

using Bytes = std::vector<uint8_t>;

struct QueryOptions {
  uint16_t id = 0x1234;
  uint16_t flags = flag::kRd;
  uint16_t qclass = klass::kIn;
  bool edns = false;
  uint16_t udp_size = 1232;
};

inline Bytes make_query(const std::string& name, uint16_t qtype, QueryOptions o = {}) {
  Bytes b(512);
  Writer w(b.data(), b.size());
  w.header(o.id, o.flags);
  w.question(*Name::from_text(name), qtype, o.qclass);
  if (o.edns) w.opt(o.udp_size, 0, false);
  b.resize(w.finish());
  return b;
}

}  // namespace labgate::dns::testing
