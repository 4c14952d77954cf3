// libFuzzer target: the DNS message parsers and the responder on arbitrary bytes.
// Contract under test: any input is parsed or refused with a status, never a crash, an
// out-of-bounds read or a hang; and every reply the responder builds, from any input, is a
// well-formed message that our own parser reads back, with the query's ID, within the limit, and
// the same bytes whether or not the responder's precomputed fast path answers.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>

#include "diag/diagnostic.h"
#include "dns/authority.h"
#include "dns/message.h"
#include "dns/responder.h"
#include "plan/plan.h"
#include "topology/loader.h"
#include "topology/seed.h"

namespace {

const labgate::dns::Authority& seed_authority() {
  static const std::shared_ptr<const labgate::dns::Authority> authority = [] {
    labgate::Diagnostics diagnostics;
    labgate::Topology t = labgate::check_topology(labgate::seed_topology_text(), diagnostics);
    return labgate::dns::Authority::build(labgate::compile(t).dns, {}).value();
  }();
  return *authority;
}

void check_reply(const uint8_t* query, size_t size, labgate::IpAddress client,
                 labgate::dns::Transport transport) {
  using namespace labgate::dns;
  uint8_t out[kMaxMessageBytes];
  size_t n = respond(seed_authority(), query, size, client, transport, out, sizeof out);
  if (n == 0) return;
  if (transport == Transport::kUdp && n > kEdnsUdpSize) __builtin_trap();
  Message m;
  if (parse_message(out, n, &m) != ParseStatus::kOk) __builtin_trap();
  if (!m.header.qr() || m.header.id != (query[0] << 8 | query[1])) __builtin_trap();
  // RFC 6891 section 7: a query whose one OPT is sound gets OPT back, whatever else is wrong.
  Edns asked;
  if (find_valid_opt(query, size, &asked) && !m.edns.present) __builtin_trap();
  // The precomputed fast path must say exactly what the record-by-record writer says.
  uint8_t reference[kMaxMessageBytes];
  size_t r = respond_by_writer(seed_authority(), query, size, client, transport, reference,
                               sizeof reference);
  if (r != n || std::memcmp(reference, out, n) != 0) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace labgate::dns;
  Query q;
  parse_query(data, size, &q);
  Message m;
  const ParseStatus whole = parse_message(data, size, &m);
  // find_valid_opt (the FORMERR path) agrees with the whole-message parser wherever that parser
  // accepts: the same OPT or none.
  Edns opt;
  const bool has_opt = find_valid_opt(data, size, &opt);
  if (whole == ParseStatus::kOk &&
      (has_opt != m.edns.present ||
       (has_opt && (opt.udp_size != m.edns.udp_size || opt.version != m.edns.version ||
                    opt.dnssec_ok != m.edns.dnssec_ok))))
    __builtin_trap();
  const labgate::IpAddress lan = labgate::IpAddress::v4(0xC0A80164);      // 192.168.1.100
  const labgate::IpAddress cluster = labgate::IpAddress::v4(0xC0A86414);  // 192.168.100.20
  const labgate::IpAddress outside = labgate::IpAddress::v4(0x0A000001);  // 10.0.0.1, on no network
  check_reply(data, size, lan, Transport::kUdp);
  check_reply(data, size, cluster, Transport::kTcp);
  check_reply(data, size, outside, Transport::kUdp);
  return 0;
}
