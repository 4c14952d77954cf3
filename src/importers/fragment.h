// The fragment of a labgate file that an importer writes: networks, services, forwards and DNS
// names in the file's vocabulary (docs/config.md), plus what the importer could not express.
//
// Importers are pure: they turn text into a Fragment, and write_fragment turns a Fragment into
// YAML text with a comment for every source line it came from. The fragment is text for a person
// to complete and paste into labgate.yaml; it does not depend on the topology loader.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/ip_address.h"

namespace labgate::importers {

// A problem that stops an import: a syntax error at a 1-based line and column.
struct ImportError {
  int line = 0;
  int column = 0;
  std::string message;
};

// "FILE:LINE:COL: error: message".
std::string format_import_error(const std::string& file, const ImportError& e);

// Names the user chose for what the importer finds, from `--network KEY=NAME` (KEY an interface
// or a subnet) and `--service ADDRESS=NAME`; unnamed things get names derived from what they are.
struct ImportNames {
  std::map<std::string, std::string> networks;
  std::map<std::string, std::string> services;
  std::optional<std::string> zone;
};

// Parses "KEY=NAME" into names->networks or ->services; false, with *error set, when NAME is not an
// RFC 1123 label or KEY is empty.
bool add_name_mapping(std::string_view spec, std::map<std::string, std::string>& into,
                      std::string* error);

struct FragmentNetwork {
  std::string name;
  std::string interface;  // empty: unknown
  std::string subnet;     // empty: unknown
  std::string address;    // empty: unknown
  bool masquerade = false;
  bool uplink = false;
  std::vector<int> lines;  // the source lines that told the importer about it
};

struct FragmentPort {
  std::string name;
  int number = 0;
  std::string protocol = "tcp";  // tcp or udp
};

struct FragmentService {
  std::string name;
  std::string address;
  std::vector<FragmentPort> ports;
};

struct FragmentForward {
  std::string network;
  int port = 0;
  std::string service;
  std::string port_name;
  bool snat = false;
  std::vector<int> lines;  // the DNAT rule, then any SNAT rule that hid its clients
};

struct FragmentName {
  std::string name;  // relative to the zone
  std::string service;
  std::string address;
  int line = 0;
};

// An app (docs/config.md, "apps"): a Kubernetes Service and how it is exposed. Empty strings and
// false are "absent" (the writer leaves the key out, so the loader's default applies).
struct FragmentApp {
  std::string name;
  std::vector<std::string> from;  // "FILE:LINE Kind namespace/name" of each object it came from
  std::string namespace_;
  std::string service;
  int port = 0;
  bool https = false;
  std::string ca;            // a ConfigMap with the backend's CA (a BackendTLSPolicy's); "": none
  std::string ingress_host;  // an nginx Ingress
  std::string gateway_name, gateway_namespace, gateway_section, gateway_host;  // an HTTPRoute
  std::string ingress_service;                                                 // "": the default
  bool tailscale = false;
  std::string device;  // "": the app's name
  bool funnel = false;
  std::vector<std::string> tags;
  std::string proxy_group;
  std::string issuer;
  std::string secret;              // "": "<app>-tls"
  std::vector<std::string> notes;  // comments written under the app
};

// A source line the importer could not express in the file's vocabulary, and why. With `file`
// set, it is written as FILE:LINE (importers of several files).
struct Unexpressed {
  int line = 0;
  std::string text;
  std::string reason;
  std::string file = {};
};

struct Fragment {
  std::vector<std::string> header;  // comment lines, without "# "
  std::vector<FragmentNetwork> networks;
  std::vector<FragmentService> services;
  std::vector<FragmentForward> forwards;
  std::string zone;  // empty: no dns section
  std::vector<FragmentName> names;
  std::vector<FragmentApp> apps;
  std::vector<std::string> notes;  // comment lines after the sections
  std::vector<Unexpressed> unexpressed;
};

// The fragment as YAML with comments. Sections with nothing in them are left out.
std::string write_fragment(const Fragment& fragment);

// ---- small helpers shared by the importers ----

// An IPv4 address as net/ parses it (dotted quad, no leading zeros); nullopt for anything else,
// IPv6 included (the rules and records labgate imports are IPv4 ones for now).
std::optional<IpAddress> parse_ipv4(std::string_view text);
// "A.B.C.D/LEN" (host bits zero) or a bare address (a /32).
std::optional<IpPrefix> parse_ipv4_prefix(std::string_view text);
// An RFC 1123 label: 1-63 of [a-z0-9-], not starting or ending with '-' (lower case only).
bool is_label(std::string_view text);
// "192.168.100.80" -> "svc-192-168-100-80"; an interface "eth0.10" -> "eth0-10".
std::string derived_name(std::string_view prefix, std::string_view text);
// "lines 3, 4" / "line 3".
std::string describe_lines(const std::vector<int>& lines);

}  // namespace labgate::importers
