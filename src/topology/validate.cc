#include "topology/validate.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "net/names.h"
#include "topology/validate_zones.h"

namespace labgate {
namespace {

// Who claims a static address, and the path of the claim in the file.
struct Claim {
  std::string who;
  std::string path;
};

class Validator {
 public:
  Validator(const Topology& t, Diagnostics& d) : t_(t), d_(d) {}

  void run() {
    // Whether a service is used can only be told when every forward and name was read.
    complete_ = !d_.has_errors();
    networks_by_name_ = index_of(t_.networks);
    hosts_by_name_ = index_of(t_.hosts);
    services_by_name_ = index_of(t_.services);
    networks();
    // Every address and most references depend on the networks: without any, the one error
    // about that is the useful one.
    if (t_.networks.empty()) return;
    hosts();
    services();
    unique_addresses();
    pools();
    forwards();
    dns();
    validate_apps(t_, d_);
    unused_services();
    validate_zones(t_, d_);
  }

 private:
  SourcePos at(const std::string& path) const { return t_.where.value(path); }
  SourcePos key_at(const std::string& path) const { return t_.where.key(path); }

  // Name lookups by hash: a topology may have thousands of hosts and forwards, and every
  // reference is resolved once or twice (Topology::find_* is a linear scan).
  template <typename T>
  using Index = std::unordered_map<std::string_view, const T*>;

  template <typename T>
  static Index<T> index_of(const std::vector<T>& items) {
    Index<T> index;
    index.reserve(items.size());
    for (const auto& i : items) index.emplace(i.name, &i);  // the first of a name, as find_*
    return index;
  }

  const Network* find(const std::vector<Network>&, const std::string& name) const {
    auto it = networks_by_name_.find(name);
    return it == networks_by_name_.end() ? nullptr : it->second;
  }
  const Host* find(const std::vector<Host>&, const std::string& name) const {
    auto it = hosts_by_name_.find(name);
    return it == hosts_by_name_.end() ? nullptr : it->second;
  }
  const Service* find(const std::vector<Service>&, const std::string& name) const {
    auto it = services_by_name_.find(name);
    return it == services_by_name_.end() ? nullptr : it->second;
  }
  const Network* find_network(const std::string& name) const { return find(t_.networks, name); }
  const Host* find_host(const std::string& name) const { return find(t_.hosts, name); }
  const Service* find_service(const std::string& name) const { return find(t_.services, name); }

  template <typename T>
  std::vector<std::string> names_of(const std::vector<T>& items) const {
    std::vector<std::string> out;
    for (const auto& i : items) out.push_back(i.name);
    return out;
  }

  // Reports `name` as unknown unless it exists. An entity that exists but failed to load is
  // "known" (its own error is already reported); callers check `ok` before using its fields.
  template <typename T>
  bool known(const std::vector<T>& items, const std::string& name, const std::string& path,
             const char* what, const char* code) {
    if (find(items, name)) return true;
    std::string suggestion = closest_match(name, names_of(items));
    d_.error(at(path), code, fmt::format("there is no {} named '{}'", what, name),
             suggestion.empty()
                 ? fmt::format("define it under '{}s', or name an existing one", what)
                 : fmt::format("did you mean '{}'?", suggestion));
    return false;
  }

  // The network whose subnet contains `a`, preferring networks that loaded. A network that failed
  // to load may have no subnet (then it contains everything): an address that might be on it is
  // not reported as unreachable, so one mistake in a network yields one error.
  const Network* network_maybe_containing(IpAddress a) const {
    if (const Network* n = t_.network_containing(a)) return n;
    for (const auto& n : t_.networks)
      if (n.subnet.contains(a)) return &n;
    return nullptr;
  }

  // Reports an address that is not a usable host address of `net`.
  void address_in(const Network& net, IpAddress a, const std::string& path,
                  const std::string& what) {
    if (!net.subnet.contains(a)) {
      d_.error(at(path), "address-outside-subnet",
               fmt::format("{} {} is outside network '{}' ({})", what, a.str(), net.name,
                           net.subnet.str()),
               fmt::format("use an address in {}", net.subnet.str()));
    } else if (!net.subnet.is_assignable(a)) {
      d_.error(at(path), "reserved-address",
               fmt::format("{} {} is the {} address of network '{}'", what, a.str(),
                           a == net.subnet.first() ? "network" : "broadcast", net.name),
               fmt::format("use an address between {} and {}", net.subnet.first().next()->str(),
                           // IPv4 only reaches here (IPv6 has no broadcast address to step over)
                           (net.subnet.family() == IpFamily::kV4 ? *net.subnet.last().prev()
                                                                 : net.subnet.last())
                               .str()));
    }
  }

  // The interface name is written into the nft and iptables rulesets: only a name the kernel
  // accepts, made of characters no ruleset language interprets (net/names.h).
  void interface_name(const Network& n, const std::string& path) {
    if (n.interface.empty() || is_plain_interface_name(n.interface)) return;
    std::string why;
    if (auto c = first_unplain_interface_char(n.interface))
      why = std::isprint(static_cast<unsigned char>(*c))
                ? fmt::format("'{}'", *c)
                : fmt::format("byte 0x{:02x}", static_cast<unsigned char>(*c));
    std::string shown_name;
    for (char c : n.interface)
      shown_name += std::isprint(static_cast<unsigned char>(c))
                        ? std::string(1, c)
                        : fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
    d_.error(at(path + ".interface"), "invalid-value",
             why.empty() ? fmt::format("'{}' is not a valid interface name", shown_name)
                         : fmt::format("'{}' is not a valid interface name: it contains {}",
                                       shown_name, why),
             "use 1-15 ASCII letters, digits, '.', '-' or '_' (not '.' or '..'), e.g. vmbr0");
  }

  void networks() {
    // With no networks at all, an error already reported (a missing or malformed 'networks'
    // section) usually explains why; then this one would only repeat it.
    if (t_.networks.empty() && !d_.has_errors()) {
      d_.error(key_at("networks"), "no-networks", "the topology has no networks",
               "describe at least the network the gateway is attached to");
    }
    std::map<std::string, const Network*> interfaces;
    const Network* uplink = nullptr;
    bool any_masquerade = false;
    for (size_t i = 0; i < t_.networks.size(); ++i) {
      const Network& n = t_.networks[i];
      std::string path = "networks." + n.name;
      interface_name(n, path);
      if (!n.ok) continue;
      address_in(n, n.address, path + ".address", "the gateway address");
      if (n.router) {
        address_in(n, *n.router, path + ".router", "the router");
        if (*n.router == n.address)
          d_.error(at(path + ".router"), "duplicate-address",
                   fmt::format("the router of network '{}' is the gateway's own address", n.name),
                   "the router is the next hop beyond this network, e.g. the home router");
      }
      if (auto [it, fresh] = interfaces.emplace(n.interface, &n); !fresh)
        d_.error(at(path + ".interface"), "duplicate-interface",
                 fmt::format("networks '{}' and '{}' both use interface '{}'", it->second->name,
                             n.name, n.interface),
                 "each network is attached by its own interface");
      for (size_t j = 0; j < i; ++j) {
        const Network& o = t_.networks[j];
        if (o.ok && o.subnet.overlaps(n.subnet))
          d_.error(at(path + ".subnet"), "overlapping-subnets",
                   fmt::format("subnet {} of network '{}' overlaps subnet {} of network '{}'",
                               n.subnet.str(), n.name, o.subnet.str(), o.name),
                   "networks attached to the gateway must not share addresses");
      }
      if (n.uplink) {
        if (uplink)
          d_.error(
              at(path + ".uplink"), "several-uplinks",
              fmt::format("networks '{}' and '{}' are both marked uplink", uplink->name, n.name),
              "mark only the network that leads to the internet");
        else
          uplink = &n;
        if (n.masquerade)
          d_.error(at(path + ".masquerade"), "masquerade-uplink",
                   fmt::format("the uplink network '{}' cannot masquerade out of itself", n.name),
                   "set masquerade on the networks behind the gateway instead");
        if (!n.router)
          d_.warning(key_at(path), "uplink-without-router",
                     fmt::format("uplink network '{}' has no router", n.name),
                     "add 'router: ADDRESS' so the gateway can reach the internet");
      }
      any_masquerade |= n.masquerade;
      if (!n.uplink && n.router)
        d_.warning(at(path + ".router"), "router-off-uplink",
                   fmt::format("network '{}' has a router but is not the uplink", n.name),
                   "only the uplink's router is used; add 'uplink: true' or remove 'router'");
    }
    bool any_uplink = std::any_of(t_.networks.begin(), t_.networks.end(),
                                  [](const Network& n) { return n.uplink; });
    // A network that failed to load may be the uplink the file meant: then say nothing.
    bool all_ok =
        std::all_of(t_.networks.begin(), t_.networks.end(), [](const Network& n) { return n.ok; });
    if (any_masquerade && !any_uplink && all_ok) {
      for (const auto& n : t_.networks)
        if (n.ok && n.masquerade)
          d_.error(at("networks." + n.name + ".masquerade"), "masquerade-without-uplink",
                   fmt::format("network '{}' masquerades, but no network is the uplink", n.name),
                   "mark the network that leads to the internet with 'uplink: true'");
    }
  }

  void hosts() {
    for (const auto& h : t_.hosts) {
      std::string path = "hosts." + h.name;
      if (!h.ok) continue;
      if (known(t_.networks, h.network, path + ".network", "network", "unknown-network") &&
          find_network(h.network)->ok)
        address_in(*find_network(h.network), h.address, path + ".address",
                   fmt::format("host '{}' address", h.name));
      if (!h.held_by.empty()) {
        if (h.held_by == h.name) {
          d_.error(at(path + ".held_by"), "invalid-reference",
                   fmt::format("host '{}' cannot hold its own address", h.name),
                   "name the host that carries this virtual IP");
        } else if (known(t_.hosts, h.held_by, path + ".held_by", "host", "unknown-host")) {
          const Host* holder = find_host(h.held_by);
          // Only when both networks exist: an unknown network is reported once, at its use.
          if (holder->ok && holder->network != h.network && find_network(h.network) &&
              find_network(holder->network))
            d_.error(at(path + ".held_by"), "invalid-reference",
                     fmt::format("host '{}' is on network '{}', but its holder '{}' is on '{}'",
                                 h.name, h.network, holder->name, holder->network),
                     "a virtual IP is carried by a host on the same network");
        }
      }
    }
  }

  void services() {
    for (const auto& s : t_.services) {
      if (!s.ok) continue;
      std::string path = "services." + s.name;
      const Network* net = network_maybe_containing(s.address);
      if (net && !net->ok) continue;  // its network's own error is already reported
      if (!net) {
        d_.error(at(path + ".address"), "service-unreachable",
                 fmt::format("service '{}' at {} is on no network of the gateway", s.name,
                             s.address.str()),
                 "the gateway reaches services only on its own networks; fix the address or "
                 "describe the network");
      } else {
        address_in(*net, s.address, path + ".address", fmt::format("service '{}' address", s.name));
      }
      std::set<std::pair<uint16_t, Protocol>> seen;
      for (const auto& p : s.ports)
        if (!seen.insert({p.port, p.protocol}).second)
          d_.error(
              at(path + ".ports." + p.name), "duplicate-port",
              fmt::format("service '{}' lists {}/{} twice", s.name, p.port, to_string(p.protocol)),
              "give each port of a service a different number or protocol");
    }
  }

  // An address may be claimed once by the gateway, a router or a host. A service may sit on a
  // host's address (it runs there) or in a pool, but not on the gateway or another service.
  void unique_addresses() {
    std::map<IpAddress, Claim> claims;
    auto claim = [&](IpAddress a, std::string who, std::string path) {
      auto [it, fresh] = claims.emplace(a, Claim{who, path});
      if (!fresh)
        d_.error(at(path), "duplicate-address",
                 fmt::format("{} is used by both {} and {}", a.str(), it->second.who, who),
                 "every address on a network belongs to one machine");
    };
    for (const auto& n : t_.networks) {
      if (!n.ok) continue;
      claim(n.address, fmt::format("the gateway on '{}'", n.name),
            "networks." + n.name + ".address");
      if (n.router && *n.router != n.address)
        claim(*n.router, fmt::format("the router of '{}'", n.name),
              "networks." + n.name + ".router");
    }
    for (const auto& h : t_.hosts)
      if (h.ok) claim(h.address, fmt::format("host '{}'", h.name), "hosts." + h.name + ".address");
    std::map<IpAddress, std::string> services;
    for (const auto& s : t_.services) {
      if (!s.ok) continue;
      std::string path = "services." + s.name + ".address";
      if (auto it = claims.find(s.address);
          it != claims.end() && !it->second.path.starts_with("hosts.")) {
        d_.error(
            at(path), "duplicate-address",
            fmt::format("service '{}' at {} is on {}", s.name, s.address.str(), it->second.who),
            "a service behind the gateway needs an address of its own");
      }
      if (auto [it, fresh] = services.emplace(s.address, s.name); !fresh)
        d_.error(
            at(path), "duplicate-address",
            fmt::format("services '{}' and '{}' both use {}", it->second, s.name, s.address.str()),
            "merge their ports into one service");
    }
    static_addresses_ = std::move(claims);
  }

  void pools() {
    for (size_t i = 0; i < t_.pools.size(); ++i) {
      const Pool& p = t_.pools[i];
      if (!p.ok) continue;
      std::string path = "pools." + p.name;
      if (!known(t_.networks, p.network, path + ".network", "network", "unknown-network") ||
          !find_network(p.network)->ok)
        continue;
      const Network& net = *find_network(p.network);
      if (!net.subnet.contains(p.range.first) || !net.subnet.contains(p.range.last)) {
        d_.error(at(path + ".range"), "pool-outside-subnet",
                 fmt::format("pool '{}' ({}) is not inside network '{}' ({})", p.name,
                             p.range.str(), net.name, net.subnet.str()),
                 fmt::format("use a range inside {}", net.subnet.str()));
        continue;
      }
      if (!net.subnet.is_assignable(p.range.first) || !net.subnet.is_assignable(p.range.last))
        d_.error(at(path + ".range"), "reserved-address",
                 fmt::format("pool '{}' includes the network or broadcast address of '{}'", p.name,
                             net.name),
                 "start after the network address and end before the broadcast address");
      for (size_t j = 0; j < i; ++j) {
        const Pool& o = t_.pools[j];
        if (o.ok && o.range.overlaps(p.range))
          d_.error(at(path + ".range"), "overlapping-pools",
                   fmt::format("pool '{}' ({}) overlaps pool '{}' ({})", p.name, p.range.str(),
                               o.name, o.range.str()),
                   "pools hand out addresses independently and must be disjoint");
      }
      for (auto it = static_addresses_.lower_bound(p.range.first);
           it != static_addresses_.end() && it->first <= p.range.last; ++it)
        d_.error(at(path + ".range"), "pool-contains-static",
                 fmt::format("pool '{}' ({}) contains {}, the address of {}", p.name, p.range.str(),
                             it->first.str(), it->second.who),
                 "shrink the pool or move the static address out of it");
    }
  }

  void forwards() {
    std::map<std::tuple<std::string, Protocol, uint16_t>, size_t> listeners;
    for (size_t i = 0; i < t_.forwards.size(); ++i) {
      const Forward& f = t_.forwards[i];
      if (!f.ok) continue;
      std::string path = fmt::format("forwards.{}", i);
      bool network_ok =
          known(t_.networks, f.listen_network, path + ".listen", "network", "unknown-network");
      if (!known(t_.services, f.service, path + ".to", "service", "unknown-service") ||
          !find_service(f.service)->ok)
        continue;
      const Service& s = *find_service(f.service);
      const ServicePort* port = s.find_port(f.service_port);
      if (!port) {
        unknown_port(s, f.service_port, path + ".to");
        continue;
      }
      more_targets(f, path, *port);
      if (!network_ok) continue;
      auto key = std::tuple{f.listen_network, port->protocol, f.listen_port};
      if (auto [it, fresh] = listeners.emplace(key, i); !fresh)
        d_.error(at(path + ".listen"), "duplicate-forward",
                 fmt::format("{}:{}/{} is already forwarded by forward #{}", f.listen_network,
                             f.listen_port, to_string(port->protocol), it->second + 1),
                 "a port on a network can be forwarded to one service only");
    }
  }

  void unknown_port(const Service& s, const std::string& port_name, const std::string& path) {
    std::vector<std::string> port_names;
    for (const auto& p : s.ports) port_names.push_back(p.name);
    std::string suggestion = closest_match(port_name, port_names);
    d_.error(at(path), "unknown-port",
             fmt::format("service '{}' has no port named '{}'", s.name, port_name),
             suggestion.empty() ? fmt::format("its ports are: {}", fmt::join(port_names, ", "))
                                : fmt::format("did you mean '{}'?", suggestion));
  }

  // The targets after the first of a forward with `to:` as a list: each must resolve like the
  // first, all are TCP (the proxy balances TCP only), and none repeats another's address:port.
  void more_targets(const Forward& f, const std::string& path, const ServicePort& first_port) {
    if (f.more_targets.empty()) return;
    const Service& first = *find_service(f.service);
    if (first_port.protocol != Protocol::kTcp)
      d_.error(at(path + ".to"), "backend-not-tcp",
               fmt::format("'{}:{}' is {}; a forward with several targets balances TCP only",
                           f.service, f.service_port, to_string(first_port.protocol)),
               "forward each UDP port on its own, or name TCP ports only");
    std::vector<std::pair<IpAddress, uint16_t>> seen = {{first.address, first_port.port}};
    for (size_t k = 0; k < f.more_targets.size(); ++k) {
      const ForwardTarget& t = f.more_targets[k];
      std::string tpath = fmt::format("{}.to.{}", path, k + 1);
      if (!known(t_.services, t.service, tpath, "service", "unknown-service") ||
          !find_service(t.service)->ok)
        continue;
      const Service& s = *find_service(t.service);
      const ServicePort* port = s.find_port(t.service_port);
      if (!port) {
        unknown_port(s, t.service_port, tpath);
        continue;
      }
      if (port->protocol != Protocol::kTcp && first_port.protocol == Protocol::kTcp) {
        d_.error(at(tpath), "backend-not-tcp",
                 fmt::format("'{}:{}' is {}; a forward with several targets balances TCP only",
                             t.service, t.service_port, to_string(port->protocol)),
                 "name TCP ports only");
        continue;
      }
      std::pair<IpAddress, uint16_t> where{s.address, port->port};
      if (std::find(seen.begin(), seen.end(), where) != seen.end()) {
        d_.error(at(tpath), "duplicate-backend",
                 fmt::format("'{}:{}' ({}:{}) is already a target of this forward", t.service,
                             t.service_port, s.address.str(), port->port),
                 "name each backend once");
        continue;
      }
      seen.push_back(where);
    }
  }

  // An address the gateway can send to: in one of its subnets, or anywhere if an uplink router
  // exists (its default route).
  bool reachable(IpAddress a) const {
    if (network_maybe_containing(a)) return true;
    const Network* up = t_.uplink();  // possibly not ok: then its own error is reported
    return up && (!up->ok || up->router.has_value());
  }

  void dns() {
    if (!t_.dns.enabled) return;
    for (const auto& n : t_.dns.names) {
      if (!n.ok) continue;
      known(t_.services, n.service, "dns.names." + n.name, "service", "unknown-service");
    }
    for (size_t i = 0; i < t_.dns.upstreams.size(); ++i) {
      IpAddress a = t_.dns.upstreams[i];
      std::string path = fmt::format("dns.upstreams.{}", i);
      bool is_self = false;
      for (const auto& n : t_.networks) is_self |= n.ok && n.address == a;
      if (is_self)
        d_.error(at(path), "forwarding-loop",
                 fmt::format("upstream {} is the gateway itself: queries would loop", a.str()),
                 "name the resolver labgate forwards to, e.g. the home router");
      else if (!reachable(a))
        d_.error(at(path), "upstream-unreachable",
                 fmt::format("upstream {} is on no network of the gateway and there is no "
                             "uplink router to reach it",
                             a.str()),
                 "use a resolver on one of the networks, or give the uplink a router");
    }
    auto check_networks = [&](const std::vector<std::string>& names, const std::string& key) {
      for (size_t i = 0; i < names.size(); ++i)
        known(t_.networks, names[i], fmt::format("dns.{}.{}", key, i), "network",
              "unknown-network");
    };
    check_networks(t_.dns.listen, "listen");
    check_networks(t_.dns.recursion, "recursion");
  }

  void unused_services() {
    if (!complete_) return;
    const std::vector<std::string> service_names = names_of(t_.services);
    // A reference to an unknown service that was probably meant for one (a typo, already
    // reported with "did you mean") counts as a use of it: one typo, one diagnostic.
    std::unordered_set<std::string_view> used;
    auto use = [&](const std::string& service) {
      if (find_service(service))
        used.insert(service);
      else if (std::string meant = closest_match(service, service_names); !meant.empty())
        used.insert(find_service(meant)->name);
    };
    for (const auto& f : t_.forwards) {
      if (!f.ok) continue;
      use(f.service);
      for (const auto& t : f.more_targets) use(t.service);
    }
    for (const auto& n : t_.dns.names)
      if (n.ok) use(n.service);
    for (const auto& a : t_.apps)
      if (a.ok && !a.ingress_service().empty()) use(a.ingress_service());
    for (const auto& s : t_.services) {
      if (!s.ok) continue;
      if (!used.count(s.name))
        d_.warning(key_at("services." + s.name), "unused-service",
                   fmt::format("service '{}' has no forward and no DNS name", s.name),
                   "add a forward or a name for it, or remove it");
    }
  }

  const Topology& t_;
  Diagnostics& d_;
  Index<Network> networks_by_name_;
  Index<Host> hosts_by_name_;
  Index<Service> services_by_name_;
  // No error was reported before validation: every entity of the file is in the model.
  bool complete_ = true;
  // Addresses of the gateway, routers and hosts, filled by unique_addresses() for pools().
  std::map<IpAddress, Claim> static_addresses_;
};

}  // namespace

void validate(const Topology& topology, Diagnostics& diagnostics) {
  Validator(topology, diagnostics).run();
}

}  // namespace labgate
