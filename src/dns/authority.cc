#include "dns/authority.h"

#include <fmt/format.h>

#include "dns/message.h"
#include "plan/dns_views.h"

namespace labgate::dns {

const char* to_string(Outcome o) {
  switch (o) {
    case Outcome::kAnswer:
      return "answer";
    case Outcome::kNoData:
      return "nodata";
    case Outcome::kNxDomain:
      return "nxdomain";
    case Outcome::kRefused:
      return "refused";
    case Outcome::kNotLocal:
      return "not-local";
  }
  return "?";
}

namespace {

AnswerWire a_record_wire(uint32_t ttl, uint32_t address) {
  return {0xC0,
          0x0C,  // owner: the question's name, which starts right after the 12-byte header
          0,
          type::kA,
          0,
          klass::kIn,
          static_cast<uint8_t>(ttl >> 24),
          static_cast<uint8_t>(ttl >> 16),
          static_cast<uint8_t>(ttl >> 8),
          static_cast<uint8_t>(ttl),
          0,
          4,
          static_cast<uint8_t>(address >> 24),
          static_cast<uint8_t>(address >> 16),
          static_cast<uint8_t>(address >> 8),
          static_cast<uint8_t>(address)};
}

}  // namespace

Name reverse_name(IpAddress a) {
  if (a.is_v6()) {  // RFC 3596 section 2.5: 32 nibbles, least significant first, in ip6.arpa
    std::string text;
    for (int i = 0; i < 32; ++i) {
      uint64_t half = i < 16 ? a.lo() : a.hi();
      text += fmt::format("{:x}.", (half >> (4 * (i % 16))) & 0xF);
    }
    return *Name::from_text(text + "ip6.arpa");
  }
  uint32_t v = a.v4_value();
  return *Name::from_text(fmt::format("{}.{}.{}.{}.in-addr.arpa", v & 0xFF, (v >> 8) & 0xFF,
                                      (v >> 16) & 0xFF, v >> 24));
}

Result<std::shared_ptr<const Authority>> Authority::build(const DnsPlan& dns,
                                                          const AuthorityOptions& options) {
  auto auth = std::shared_ptr<Authority>(new Authority());
  const std::vector<DnsNetwork>& networks = dns.networks;
  for (size_t v = 0; v < networks.size(); ++v) {
    auth->views_.push_back({networks[v].subnet, static_cast<int>(v)});
    if (networks[v].network == options.loopback_view) auth->loopback_view_ = static_cast<int>(v);
  }
  if (!options.loopback_view.empty() && auth->loopback_view_ < 0) {
    return Result<std::shared_ptr<const Authority>>::failure(
        fmt::format("no network named '{}' for the loopback view", options.loopback_view));
  }
  if (!dns.enabled) return auth;
  auth->unreachable_ = dns.unreachable_nxdomain ? Outcome::kNxDomain : Outcome::kRefused;
  auto zone = Name::from_text(dns.zone);
  if (!zone || zone->is_root()) return auth;  // validation rejects both; answer nothing
  auth->has_zone_ = true;
  auth->zone_ = *zone;
  auth->ttl_ = dns.ttl;

  // The gateway names itself in the zone: it is the zone's name server, and its name resolves
  // to its own address on the asking client's network.
  auto ns = zone->child(dns.gateway_name);
  if (!ns) ns = zone->child("ns");
  auth->ns_name_ = *ns;
  auth->soa_.mname = *ns;
  auth->soa_.rname = zone->child("hostmaster").value_or(*zone);
  auth->soa_.serial = options.serial;
  auth->soa_.minimum = dns.ttl;

  const size_t view_count = networks.size();
  auto entry_for = [&](const Name& name) -> Entry& {
    Entry& e = auth->names_[name];
    e.a_by_view.resize(view_count);
    // Every ancestor up to the apex exists too (as an empty non-terminal unless it owns records).
    for (Name p = name.parent(); p.is_subdomain_of(*zone) && !(p == *zone); p = p.parent())
      auth->names_[p].a_by_view.resize(view_count);
    return e;
  };
  entry_for(*zone).apex = true;

  for (const auto& row : dns.views.names) {
    auto name = Name::from_text(row.fqdn);
    if (!name) continue;
    Entry& e = entry_for(*name);
    e.has_a = true;
    for (size_t v = 0; v < view_count && v < row.views.size(); ++v)
      if (row.views[v].address) e.a_by_view[v] = row.views[v].address->v4_value();
  }
  // The gateway's own name, unless the file uses that name for a service.
  if (auto it = auth->names_.find(*ns); it == auth->names_.end() || !it->second.has_a) {
    Entry& e = entry_for(*ns);
    e.has_a = true;
    for (size_t v = 0; v < view_count; ++v)
      e.a_by_view[v] = networks[v].address.v4_value();  // A records: IPv4 (the loader refuses IPv6)
  }

  // Every name's A record per view, in the form a reply carries it (see AnswerWire).
  for (auto& [name, e] : auth->names_) {
    if (!e.has_a) continue;
    e.a_wire_by_view.resize(view_count);
    for (size_t v = 0; v < view_count; ++v)
      if (e.a_by_view[v]) e.a_wire_by_view[v] = a_record_wire(auth->ttl_, *e.a_by_view[v]);
  }

  // PTR for the addresses whose names resolve: the gateway's, and each named service's first
  // non-wildcard name.
  for (const DnsNetwork& n : networks) auth->ptr_.emplace(reverse_name(n.address), *ns);
  for (const auto& row : dns.views.names) {
    if (row.wildcard || !row.service_address) continue;
    auto name = Name::from_text(row.fqdn);
    if (name) auth->ptr_.emplace(reverse_name(*row.service_address), *name);
  }
  return auth;
}

int Authority::view_for(IpAddress client) const {
  for (const auto& v : views_)
    if (v.subnet.contains(client)) return v.view;
  if (client.is_loopback()) return loopback_view_;
  return -1;
}

const Authority::Entry* Authority::find(const Name& qname) const {
  if (auto it = names_.find(qname); it != names_.end()) return &it->second;
  // RFC 4592: the closest encloser is the longest existing ancestor; only its wildcard child
  // can answer. The apex always exists, so the walk ends there.
  for (Name p = qname.parent();; p = p.parent()) {
    if (names_.count(p) == 0) continue;
    auto wildcard = p.child("*");
    if (!wildcard) return nullptr;
    auto it = names_.find(*wildcard);
    return it == names_.end() ? nullptr : &it->second;
  }
}

Lookup Authority::lookup(const Name& qname, uint16_t qtype, IpAddress client) const {
  Lookup r;
  const int view = view_for(client);
  if (!has_zone_ || !qname.is_subdomain_of(zone_)) {
    auto it = ptr_.find(qname);
    if (it == ptr_.end()) return r;  // kNotLocal
    if (view < 0) {
      r.outcome = Outcome::kRefused;
    } else if (qtype == type::kPtr || qtype == type::kAny) {
      r.outcome = Outcome::kAnswer;
      r.answers[r.answer_count++] = {type::kPtr, 0, &it->second, nullptr};
    } else {
      r.outcome = Outcome::kNoData;
    }
    return r;
  }
  if (view < 0) {
    r.outcome = Outcome::kRefused;
    return r;
  }
  const Entry* e = find(qname);
  if (!e) {
    r.outcome = Outcome::kNxDomain;
    return r;
  }
  if (e->apex) {
    if (qtype == type::kSoa || qtype == type::kAny)
      r.answers[r.answer_count++] = {type::kSoa, 0, nullptr, &soa_};
    if (qtype == type::kNs || qtype == type::kAny)
      r.answers[r.answer_count++] = {type::kNs, 0, &ns_name_, nullptr};
    r.outcome = r.answer_count ? Outcome::kAnswer : Outcome::kNoData;
    return r;
  }
  if (!e->has_a) {
    r.outcome = Outcome::kNoData;
    return r;
  }
  const std::optional<uint32_t>& a = e->a_by_view[view];
  if (!a) {
    // Whatever the type: for this view the name owns nothing (NXDOMAIN says so of every type).
    r.outcome = unreachable_;
    return r;
  }
  if (qtype == type::kA || qtype == type::kAny) {
    r.outcome = Outcome::kAnswer;
    r.answers[r.answer_count++] = {type::kA, *a, nullptr, nullptr};
    r.a_wire = &e->a_wire_by_view[view];
  } else {
    // AAAA and every other type: the name exists but owns no such record. Never forwarded, so a
    // local name cannot leak a public address.
    r.outcome = Outcome::kNoData;
  }
  return r;
}

bool Authority::is_local(const Name& name) const {
  return (has_zone_ && name.is_subdomain_of(zone_)) || ptr_.count(name) != 0;
}

bool Authority::same_local_names(const Authority& other) const {
  if (has_zone_ != other.has_zone_ || (has_zone_ && !(zone_ == other.zone_))) return false;
  if (ptr_.size() != other.ptr_.size()) return false;
  for (const auto& [name, target] : ptr_)
    if (other.ptr_.count(name) == 0) return false;
  return true;
}

}  // namespace labgate::dns
