// Split-horizon DNS views: what each name of the file resolves to, depending on who asks.
//
// The rule (docs/config.md, "dns"): a client asks from one of the gateway's networks.
//   - If the name's service is on the client's own network, the answer is the service's address:
//     the client reaches it directly, without the gateway.
//   - Otherwise, if some forward listens on the client's network and targets the service, the
//     answer is the gateway's address on the client's network: that is where the forwards listen.
//   - Otherwise there is no answer (the server replies REFUSED): the client could not reach the
//     service, and a local name must not leak an address it cannot use.
//
// The same functions serve `show`, the DNS server and `verify`, so all three agree by
// construction. Contract: pure; reads only the topology; never fails (unknown services and
// entities that failed to load yield kRefused with a reason).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/ip_address.h"
#include "topology/topology.h"

namespace labgate {

enum class DnsAnswerKind {
  kService,  // the service's own address (client on the service's network)
  kGateway,  // the gateway's address on the client's network (reached through forwards)
  kRefused,  // no answer: REFUSED
};

// "service", "gateway", "refused".
const char* to_string(DnsAnswerKind kind);

struct DnsView {
  DnsAnswerKind kind = DnsAnswerKind::kRefused;
  std::optional<IpAddress> address;  // set iff kind != kRefused
  // kGateway: indexes into Topology::forwards of the forwards on the client's network that target
  // the service, in file order. Empty otherwise.
  std::vector<size_t> forwards;
  std::string reason;  // why, as a sentence for humans (no trailing period)
};

struct PolicyPlan;

// What `name` resolves to for a client on `client_network`. With `policy` (a file with zones, in
// routed mode), a service on another network that no forward on the client's network reaches is
// answered with its own address where the policy lets the client's zone reach one of its ports,
// and REFUSED where it does not: never an address the client cannot use.
DnsView resolve_view(const Topology& topology, const DnsName& name, const Network& client_network,
                     const PolicyPlan* policy = nullptr);

// Every name of the file against every network of the gateway.
struct DnsNameViews {
  std::string name;     // as in the file, relative to the zone: "argocd", "*.apps"
  std::string fqdn;     // "argocd.cluster"
  std::string service;  // the service it points at
  std::optional<IpAddress> service_address;  // its address; nullopt if the service failed to load
  bool wildcard = false;
  std::vector<DnsView> views;  // one per DnsViewTable::networks, in the same order
};

struct DnsViewTable {
  std::vector<std::string> networks;  // the client networks: every network that loaded, in order
  std::vector<DnsNameViews> names;    // every name that loaded, in file order
};

DnsViewTable build_dns_views(const Topology& topology);

// The name of the zone (Topology::zone_names(): dns.names and the apps' hosts) that answers a query
// for `qname` (a fully qualified name, any case, with or without the final dot), or nullopt if none
// does. An exact name wins; otherwise the wildcard at the closest existing ancestor answers, as RFC
// 4592 says: with names "*.apps" and "x.apps", "a.apps.cluster" matches "*.apps", but
// "a.x.apps.cluster" matches nothing, and "apps.cluster" itself matches nothing (it exists only as
// the parent of other names). Linear in the number of names: it is the reference behaviour; a
// server answering many queries may index the names, and its tests can compare against this
// function.
std::optional<DnsName> match_name(const Topology& topology, std::string_view qname);

}  // namespace labgate
