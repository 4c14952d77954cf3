// libFuzzer target: what the forwarder does with an upstream's reply, on arbitrary bytes.
// Contract under test: check_reply and prepare_reply read any input without a crash or an
// out-of-bounds read; and every reply write_reply builds from a reply both accepted, for a UDP
// client (512 or 1232 bytes) or a TCP one, fresh or stale, parses back as a response with the
// client's ID and EDNS, within its limit. Prepared with the seed's Authority (records for local
// names stripped), the same holds, and no record of the result is owned by a local name.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include <memory>
#include <string>

#include "diag/diagnostic.h"
#include "dns/authority.h"
#include "dns/cache.h"
#include "dns/message.h"
#include "dns/upstream.h"
#include "dns/writer.h"
#include "topology/loader.h"
#include "topology/seed.h"

namespace {

using namespace labgate::dns;

// The client's query the reply is relayed to: the question of the input, when it has one.
size_t client_query(const UpstreamQuestion& q, bool edns, uint8_t* out, size_t cap) {
  Writer w(out, cap);
  w.header(0x4242, flag::kRd);
  w.question(q.qname, q.qtype, q.qclass);
  if (edns) w.opt(1232, 0, false);
  return w.finish();
}

const Authority& seed_authority() {
  static const std::shared_ptr<const Authority> authority = [] {
    labgate::Diagnostics diagnostics;
    labgate::Topology t = labgate::check_topology(labgate::seed_topology_text(), diagnostics);
    std::string error;
    return Authority::build(t, {}, &error);
  }();
  return *authority;
}

// Relays `stored` to a UDP client without and with EDNS and to a TCP one; every reply must parse.
void relay(const UpstreamQuestion& asked, const StoredReply& stored) {
  static uint8_t query[512];
  static uint8_t out[kMaxMessageBytes];
  for (int variant = 0; variant < 3; ++variant) {
    const bool edns = variant > 0;
    size_t qn = client_query(asked, edns, query, sizeof query);
    Query q;
    if (parse_query(query, qn, &q) != ParseStatus::kOk) return;
    const size_t limit = variant == 0 ? 512 : variant == 1 ? 1232 : kMaxMessageBytes;
    size_t n = write_reply(stored, q, query, 5, variant == 2, out, limit);
    if (n == 0) continue;
    if (n > limit) __builtin_trap();
    Message m;
    if (parse_message(out, n, &m) != ParseStatus::kOk) __builtin_trap();
    if (m.header.id != 0x4242 || !m.header.qr() || m.edns.present != edns) __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The question and ID the forwarder "sent" are read from the input itself, so accepted
  // replies are reachable; a fixed question exercises rejection.
  UpstreamQuestion asked{*Name::from_text("www.example.com"), type::kA, klass::kIn};
  uint16_t id = 0;
  if (size >= kHeaderBytes) {
    id = static_cast<uint16_t>(data[0] << 8 | data[1]);
    size_t at = kHeaderBytes;
    Name name;
    if (Name::read(data, size, &at, &name) == ParseStatus::kOk && size - at >= 4)
      asked = {name, static_cast<uint16_t>(data[at] << 8 | data[at + 1]),
               static_cast<uint16_t>(data[at + 2] << 8 | data[at + 3])};
  }
  const ReplyCheck check = check_reply(data, size, id, asked);
  StoredReply stored;
  const bool prepared = prepare_reply(asked.qname, asked.qtype, data, size, &stored);
  if (!prepared) return 0;
  if (stored.bytes.size() > size || stored.question_end > stored.bytes.size()) __builtin_trap();
  // The forwarder relays only what check_reply accepted (a response, our ID and question).
  if (check != ReplyCheck::kAccept) return 0;

  relay(asked, stored);

  // The same reply with the local zone's records stripped (the forwarder's way).
  StoredReply local;
  if (!prepare_reply(asked.qname, asked.qtype, data, size, &local, &seed_authority())) return 0;
  Message m;
  if (parse_message(local.bytes.data(), local.bytes.size(), &m) != ParseStatus::kOk ||
      m.edns.present)
    __builtin_trap();
  for (const auto* section : {&m.answers, &m.authority, &m.additional})
    for (const Record& r : *section)
      if (seed_authority().is_local(r.name)) __builtin_trap();
  relay(asked, local);
  return 0;
}
