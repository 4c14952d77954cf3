// Authoritative answers for the local zone, computed from the Topology, split by who asks.
//
// Built once per loaded topology (at start and at each reload) into lookup tables, then queried
// concurrently by every event loop: an Authority is immutable after build(), so sharing one
// between threads needs no locks.
//
// Which address a name gives to which network is decided by plan/dns_views.h (resolve_view), the
// same function `labgate show` prints, so the server and `show` agree by construction. This file
// adds the DNS around it: the zone apex (SOA, NS), empty non-terminals and wildcards (RFC 4592),
// NODATA and NXDOMAIN with the SOA (RFC 2308), PTR for the addresses that have names.
//
// A client is "on" a network when its source address is in the network's subnet. A client on no
// network gets REFUSED for local names; tests may map loopback clients to one network's view.
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "diag/result.h"
#include "dns/name.h"
#include "dns/writer.h"
#include "net/ip_address.h"
#include "plan/plan.h"

namespace labgate::dns {

struct AuthorityOptions {
  uint32_t serial = 1;  // the SOA serial; the runtime passes the load time
  // Clients in 127.0.0.0/8 are answered with this network's view (for tests on loopback).
  std::string loopback_view;
};

enum class Outcome : uint8_t {
  kAnswer,    // NOERROR with records, AA
  kNoData,    // NOERROR, no records, SOA in authority, AA
  kNxDomain,  // NXDOMAIN, SOA in authority, AA
  kRefused,   // a local name this client gets no answer for
  kNotLocal,  // not in the local zone: the forwarder's business
};
const char* to_string(Outcome o);

// One answer record; its owner is always the query name (wildcards are synthesized, RFC 4592).
struct AnswerRecord {
  uint16_t type = 0;
  uint32_t address = 0;          // A
  const Name* target = nullptr;  // NS, PTR
  const Soa* soa = nullptr;      // SOA
};

// An A record as it travels in a reply whose question sits right after the header: owner a
// compression pointer to offset 12 (the question's name), type A, class IN, TTL, RDLENGTH 4, the
// address. 16 bytes, precomputed once per name and view so the common answer is one copy.
inline constexpr size_t kAnswerWireBytes = 16;
using AnswerWire = std::array<uint8_t, kAnswerWireBytes>;

struct Lookup {
  Outcome outcome = Outcome::kNotLocal;
  AnswerRecord answers[2];
  int answer_count = 0;
  // Set with an A answer (answers[0], answer_count 1): the same record in wire form, see
  // AnswerWire. Valid as long as the Authority; nullptr for every other outcome and type.
  const AnswerWire* a_wire = nullptr;
};

class Authority {
 public:
  // From the Plan's DNS part (plan/plan.h). With no `dns:` section, no name is local. Fails only
  // if options.loopback_view names no network.
  static Result<std::shared_ptr<const Authority>> build(const DnsPlan& dns,
                                                        const AuthorityOptions& options);

  Lookup lookup(const Name& qname, uint16_t qtype, IpAddress client) const;

  // Whether labgate answers `name` itself (the zone and everything below it, and the reverse names
  // it has PTR records for): data for such a name never comes from an upstream.
  bool is_local(const Name& name) const;
  // Whether `other` has exactly the local names this one has (the same zone, or none, and the same
  // reverse names): is_local agrees for every name. The DNS service keeps its caches across a
  // reload only then, since what prepare_reply strips from a cached reply depends on it.
  bool same_local_names(const Authority& other) const;

  // The view (index into the topology's networks) for a client address, or -1.
  int view_for(IpAddress client) const;

  bool has_zone() const { return has_zone_; }
  const Name& zone() const { return zone_; }
  const Soa& soa() const { return soa_; }
  uint32_t ttl() const { return ttl_; }

 private:
  struct Entry {
    bool apex = false;
    bool has_a = false;  // false: an empty non-terminal (exists, owns nothing)
    // Per view: the A record's address, or nullopt where this client gets REFUSED.
    std::vector<std::optional<uint32_t>> a_by_view;
    // Per view, filled at the end of build(): the A record in wire form where a_by_view has one.
    std::vector<AnswerWire> a_wire_by_view;
  };
  struct ViewNetwork {
    IpPrefix subnet;
    int view;
  };

  const Entry* find(const Name& qname) const;

  bool has_zone_ = false;
  Name zone_;
  Soa soa_;
  Name ns_name_;
  uint32_t ttl_ = 60;
  std::vector<ViewNetwork> views_;
  int loopback_view_ = -1;
  // The answer to a name of the zone that a view cannot reach: REFUSED, or NXDOMAIN when the file
  // says `unreachable: nxdomain`.
  Outcome unreachable_ = Outcome::kRefused;
  std::unordered_map<Name, Entry, NameHash> names_;
  std::unordered_map<Name, Name, NameHash> ptr_;  // "80.100.168.192.in-addr.arpa" -> target
};

// "80.100.168.192.in-addr.arpa."
Name reverse_name(IpAddress address);

}  // namespace labgate::dns
