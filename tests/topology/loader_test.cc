// The loader's diagnostics: the shape of the document and the syntax of each value. Each row
// changes one thing in a valid topology and lists every diagnostic that must follow.
#include "topology/loader.h"

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "plan/plan.h"
#include "topology/topology_test_util.h"

namespace labgate {
namespace {

using testing::error_at;
using testing::Row;
using testing::warning_at;

TEST(Loader, ValidBaseHasNoDiagnostics) {
  Diagnostics diagnostics;
  Topology t = check_topology(testing::kValidBase, diagnostics);
  EXPECT_TRUE(diagnostics.all().empty()) << testing::dump(diagnostics);
  EXPECT_EQ(t.networks.size(), 2u);
  EXPECT_EQ(t.hosts.size(), 2u);
  EXPECT_EQ(t.pools.size(), 1u);
  EXPECT_EQ(t.services.size(), 2u);
  EXPECT_EQ(t.forwards.size(), 2u);
  EXPECT_EQ(t.dns.names.size(), 1u);
}

class LoaderRows : public ::testing::TestWithParam<Row> {};

TEST_P(LoaderRows, ReportsExactlyTheseDiagnostics) {
  testing::expect_row(GetParam());
}

// clang-format off
INSTANTIATE_TEST_SUITE_P(Shape, LoaderRows, ::testing::Values(
    // syntax
    Row{"syntax_unclosed_flow_list", {{"    - 192.168.1.1\n", "    - [192.168.1.1\n"}},
        {error_at(46, 1, "syntax")}},
    Row{"syntax_bad_indentation", {{"    router: 192.168.1.1\n", "     router: 192.168.1.1\n"}},
        {error_at(6, 12, "syntax")}},
    Row{"syntax_second_colon", {{"    router: 192.168.1.1\n", "    router: 192.168.1.1: x\n"}},
        {error_at(6, 24, "syntax")}},
    Row{"syntax_tab_indentation", {{"    - 192.168.1.1\n", "\t- 192.168.1.1\n"}},
        {error_at(45, 1, "syntax")}},  // at the tab (yaml-cpp said column 2)
    Row{"syntax_undefined_alias", {{"    held_by: node-1\n", "    held_by: *holder\n"}},
        {error_at(20, 14, "syntax")}},
    Row{"syntax_unknown_token", {{"    held_by: node-1\n", "    held_by: @node-1\n"}},
        {error_at(20, 14, "syntax")}},
    Row{"syntax_two_documents", {{"    - 192.168.1.1\n", "    - 192.168.1.1\n---\nnetworks: {}\n"}},
        {error_at(46, 1, "syntax")}, "remove the '---' line"},
    Row{"syntax_document_after_end_marker", {{"    - 192.168.1.1\n", "    - 192.168.1.1\n...\n# next\nnetworks: {}\n"}},
        {error_at(48, 1, "syntax")}, "remove the '---' line"},
    // unknown-key, with "did you mean" for typos and the known keys otherwise
    Row{"unknown_key_typo", {{"    uplink: true\n", "    uplnk: true\n"}},
        {error_at(7, 5, "unknown-key")}, "did you mean 'uplink'?"},
    Row{"unknown_key_section_typo", {{"pools:\n", "pool:\n"}},
        {error_at(21, 1, "unknown-key")}, "did you mean 'pools'?"},
    Row{"unknown_key_no_suggestion", {{"    masquerade: true\n", "    masquerade: true\n    colour: red\n"}},
        {error_at(13, 5, "unknown-key")}, "known keys: interface, subnet, address"},
    // A misspelt required key is one error (unknown-key), not also missing-key.
    Row{"unknown_key_misspelt_required", {{"    address: 192.168.1.55\n", "    adress: 192.168.1.55\n"}},
        {error_at(5, 5, "unknown-key")}, "did you mean 'address'?"},
    Row{"unknown_key_in_forward", {{"    to: ingress:http\n", "    too: ingress:http\n"}},
        {error_at(37, 5, "unknown-key")}, "did you mean 'to'?"},
    Row{"unknown_key_in_port", {{"      api: 6443\n", "      api: { port: 6443, protcol: tcp }\n"}},
        {error_at(34, 26, "unknown-key")}, "did you mean 'protocol'?"},
    // yaml-cpp does not merge '<<' keys: one error, and no missing-key for what it would bring.
    Row{"unknown_key_merge", {{"  cluster:\n    interface: vmbr1\n", "  cluster:\n    <<: { interface: vmbr1 }\n"}},
        {error_at(9, 5, "unknown-key")}, "write the keys out"},
    // duplicate-key
    Row{"duplicate_key", {{"    interface: vmbr0\n", "    interface: vmbr0\n    interface: vmbr9\n"}},
        {error_at(4, 5, "duplicate-key")}},
    Row{"duplicate_top_level_key", {{"dns:\n", "pools: {}\ndns:\n"}},
        {error_at(40, 1, "duplicate-key")}},
    // missing-key: at the map that lacks it
    Row{"missing_subnet", {{"    subnet: 192.168.1.0/24\n", ""}},
        {error_at(3, 5, "missing-key")}, "add 'subnet: ...'"},
    Row{"missing_host_network", {{"    network: cluster\n    address: 192.168.100.60\n",
                                  "    address: 192.168.100.60\n"}},
        {error_at(15, 5, "missing-key")}, "add 'network: ...'"},
    Row{"missing_forward_to", {{"    to: api:api\n", ""}},
        {error_at(38, 5, "missing-key")}},
    Row{"missing_dns_zone", {{"  zone: cluster\n", ""}},
        {error_at(41, 3, "missing-key")}},
    Row{"missing_ports_value", {{"    ports:\n      api: 6443\n", "    ports:\n"}},
        {error_at(33, 5, "missing-key")}, "add e.g. 'http: 80'"},
    Row{"empty_ports_map", {{"    ports:\n      api: 6443\n", "    ports: {}\n"}},
        {error_at(33, 12, "missing-key")}, "add e.g. 'http: 80'"},
    Row{"missing_networks", {{"networks:\n  lan:\n", "nets:\n  lan:\n"}},
        // Nothing else is checked without networks: every other rule would only echo this.
        {error_at(1, 1, "unknown-key"), error_at(1, 1, "missing-key")}},
    // wrong-type
    Row{"wrong_type_boolean", {{"    uplink: true\n", "    uplink: yes\n"}},
        {error_at(7, 13, "wrong-type")}},
    Row{"wrong_type_list_for_address", {{"    address: 192.168.100.60\n", "    address: [192.168.100.60]\n"}},
        {error_at(16, 14, "wrong-type")}},
    Row{"wrong_type_empty_value", {{"    address: 192.168.100.60\n", "    address:\n"}},
        {error_at(16, 5, "wrong-type")}},
    Row{"wrong_type_section", {{"  upstreams:\n    - 192.168.1.1\n", "  upstreams: 192.168.1.1\n"}},
        {error_at(44, 14, "wrong-type")}, "upstreams: [192.168.1.1]"},
    Row{"wrong_type_forwards_map", {{"forwards:\n  - listen: lan:80\n    to: ingress:http\n  - listen: lan:6443\n    to: api:api\n",
                                     "forwards:\n  first: { listen: lan:80, to: ingress:http }\n"}},
        {error_at(36, 3, "wrong-type")}},
    Row{"wrong_type_host_entry", {{"  vip:\n    network: cluster\n    address: 192.168.100.50\n    held_by: node-1\n",
                                   "  vip: 192.168.100.50\n"}},
        {error_at(17, 8, "wrong-type")}},
    Row{"wrong_type_key", {{"    argocd: ingress\n", "    [argocd]: ingress\n"}},
        {error_at(43, 5, "wrong-type")}},
    // invalid-value: the syntax of one value
    Row{"invalid_address", {{"192.168.100.60", "192.168.100.600"}},
        {error_at(16, 14, "invalid-value")}, "e.g. 192.168.100.60"},
    Row{"invalid_subnet_host_bits", {{"192.168.1.0/24", "192.168.1.5/24"}},
        {error_at(4, 13, "invalid-value")}},
    Row{"invalid_range_backwards", {{"192.168.100.80-85", "192.168.100.85-80"}},
        {error_at(24, 12, "invalid-value")}, "FIRST-LAST"},
    Row{"invalid_port_number", {{"      https: 443\n", "      https: 70000\n"}},
        {error_at(30, 14, "invalid-value")}},
    Row{"invalid_port_protocol", {{"      https: 443\n", "      https: 443/sctp\n"}},
        {error_at(30, 14, "invalid-value")}},
    Row{"invalid_interface", {{"    interface: vmbr1\n", "    interface: vmbr1:0\n"}},
        {error_at(9, 16, "invalid-value")}, "e.g. vmbr0"},
    Row{"invalid_listen_no_port", {{"  - listen: lan:80\n", "  - listen: lan\n"}},
        {error_at(36, 13, "invalid-value")}, "NETWORK:PORT"},
    Row{"invalid_listen_port", {{"  - listen: lan:80\n", "  - listen: lan:99999\n"}},
        {error_at(36, 13, "invalid-value")}},
    Row{"invalid_to_port_name", {{"    to: ingress:http\n", "    to: 'ingress:'\n"}},
        {error_at(37, 9, "invalid-value")}, "name a port of the service"},
    Row{"invalid_via", {{"    to: api:api\n", "    to: api:api\n    via: magic\n"}},
        {error_at(40, 10, "invalid-value")}},
    Row{"invalid_inbound", {{"    masquerade: true\n", "    masquerade: true\n    inbound: reject\n"}},
        {error_at(13, 14, "invalid-value")}},
    Row{"invalid_zone", {{"  zone: cluster\n", "  zone: bad_zone\n"}},
        {error_at(41, 9, "invalid-value")}},
    Row{"invalid_ttl", {{"  zone: cluster\n", "  zone: cluster\n  ttl: -5\n"}},
        {error_at(42, 8, "invalid-value")}},
    Row{"invalid_query_log_entries", {{"  zone: cluster\n", "  zone: cluster\n  query_log: { entries: 0 }\n"}},
        {error_at(42, 25, "invalid-value")}},
    Row{"unknown_query_log_key", {{"  zone: cluster\n", "  zone: cluster\n  query_log: { entires: 10 }\n"}},
        {error_at(42, 16, "unknown-key")}, "did you mean 'entries'"},
    Row{"invalid_unreachable", {{"  zone: cluster\n", "  zone: cluster\n  unreachable: drop\n"}},
        {error_at(42, 16, "invalid-value")}},
    Row{"invalid_version", {{"networks:\n  lan:\n", "version: 2\nnetworks:\n  lan:\n"}},
        {error_at(1, 10, "invalid-value")}},
    Row{"invalid_upstream", {{"    - 192.168.1.1\n", "    - 192.168.1\n"}},
        {error_at(45, 7, "invalid-value")}},
    Row{"invalid_reference_name", {{"    held_by: node-1\n", "    held_by: Node_1\n"}},
        {error_at(20, 14, "invalid-value")}},
    // the http section (line 46 on): ADDRESS:PORT, a boolean
    Row{"invalid_http_listen_no_port", {{"    - 192.168.1.1\n", "    - 192.168.1.1\nhttp:\n  listen: 127.0.0.1\n"}},
        {error_at(47, 11, "invalid-value")}, "ADDRESS:PORT"},
    Row{"invalid_http_listen_address", {{"    - 192.168.1.1\n", "    - 192.168.1.1\nhttp:\n  listen: 127.0.0:9153\n"}},
        {error_at(47, 11, "invalid-value")}, "ADDRESS:PORT"},
    Row{"invalid_http_listen_port", {{"    - 192.168.1.1\n", "    - 192.168.1.1\nhttp:\n  listen: 127.0.0.1:0\n"}},
        {error_at(47, 11, "invalid-value")}},
    Row{"invalid_http_enabled", {{"    - 192.168.1.1\n", "    - 192.168.1.1\nhttp:\n  enabled: yes\n"}},
        {error_at(47, 12, "wrong-type")}},
    Row{"unknown_http_key", {{"    - 192.168.1.1\n", "    - 192.168.1.1\nhttp:\n  listne: 127.0.0.1:9153\n"}},
        {error_at(47, 3, "unknown-key")}, "listen"},
    // invalid-name (RFC 1123 labels for object names; DNS names may start with '*')
    Row{"invalid_name_pool", {{"  lb:\n", "  lb_1:\n"}},
        {error_at(22, 3, "invalid-name")}, "RFC 1123"},
    Row{"invalid_name_dns", {{"    argocd: ingress\n", "    argo_cd: ingress\n"}},
        {error_at(43, 5, "invalid-name")}},
    Row{"invalid_name_dns_inner_wildcard", {{"    argocd: ingress\n", "    apps.*: ingress\n"}},
        {error_at(43, 5, "invalid-name")}},
    Row{"invalid_name_port", {{"      https: 443\n", "      -https: 443\n"}},
        {error_at(30, 7, "invalid-name")}},
    // duplicate-name
    Row{"duplicate_host", {{"    held_by: node-1\n",
                            "    held_by: node-1\n  node-1:\n    network: cluster\n    address: 192.168.100.61\n"}},
        {error_at(21, 3, "duplicate-name")}},
    Row{"duplicate_dns_name_case", {{"    argocd: ingress\n", "    argocd: ingress\n    ArgoCD: api\n"}},
        {error_at(44, 5, "duplicate-name")}}),
    testing::row_name);
// clang-format on

// The types carry IPv6, the program does not yet: an IPv6 value is one error at its line, with
// its own message, and never reaches the model.
TEST(Loader, WildcardDnsNameIsAccepted) {
  Diagnostics diagnostics;
  auto t = check_topology(testing::edited({{"    argocd: ingress\n", "    \"*.apps\": ingress\n"}}),
                          diagnostics);
  EXPECT_TRUE(diagnostics.all().empty()) << testing::dump(diagnostics);
  ASSERT_EQ(t.dns.names.size(), 1u);
  EXPECT_EQ(t.fqdn(t.dns.names[0]), "*.apps.cluster");
}

// `recursion:` unset lets every network recurse; a list only those; an empty list none.
TEST(Loader, RecursionEmptyListMeansNoNetwork) {
  struct Case {
    const char* recursion_line;  // added under dns:, "" for none
    bool lan, cluster;
  };
  const Case cases[] = {
      {"", true, true},
      {"  recursion: [cluster]\n", false, true},
      {"  recursion: []\n", false, false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.recursion_line);
    Diagnostics diagnostics;
    Topology t = check_topology(
        testing::edited(
            {{"  zone: cluster\n", std::string("  zone: cluster\n") + c.recursion_line}}),
        diagnostics);
    EXPECT_FALSE(diagnostics.has_errors()) << testing::dump(diagnostics);
    EXPECT_EQ(t.dns.may_recurse("lan"), c.lan);
    EXPECT_EQ(t.dns.may_recurse("cluster"), c.cluster);
  }
}

// dns.query_log: off by default; `entries` is the bound the Plan carries to the daemon.
TEST(Loader, QueryLogIsOffUnlessTheFileTurnsItOn) {
  Diagnostics none;
  EXPECT_EQ(compile(check_topology(testing::edited({}), none)).dns.query_log_entries, 0u);
  Diagnostics diagnostics;
  Topology t = check_topology(
      testing::edited({{"  zone: cluster\n", "  zone: cluster\n  query_log: { entries: 1000 }\n"}}),
      diagnostics);
  EXPECT_FALSE(diagnostics.has_errors()) << testing::dump(diagnostics);
  EXPECT_EQ(t.dns.query_log_entries, 1000u);
  EXPECT_EQ(compile(t).dns.query_log_entries, 1000u);
  EXPECT_EQ(t.where.value("dns.query_log.entries").line, 42);
}

// Without an `http:` section the endpoint is on, on loopback; the file may move it or turn it off.
TEST(Loader, HttpSectionDefaultsToLoopback) {
  struct Case {
    const char* section;  // appended to the document
    bool enabled;
    const char* address;
    uint16_t port;
  };
  const Case cases[] = {
      {"", true, "127.0.0.1", 9153},
      {"http:\n", true, "127.0.0.1", 9153},
      {"http:\n  listen: 192.168.100.1:9100\n", true, "192.168.100.1", 9100},
      {"http:\n  enabled: false\n", false, "127.0.0.1", 9153},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.section);
    Diagnostics diagnostics;
    Topology t = check_topology(std::string(testing::kValidBase) + c.section, diagnostics);
    EXPECT_FALSE(diagnostics.has_errors()) << testing::dump(diagnostics);
    EXPECT_EQ(t.http.enabled, c.enabled);
    EXPECT_EQ(t.http.address.str(), c.address);
    EXPECT_EQ(t.http.port, c.port);
  }
}

TEST(Loader, UdpPortsInBothForms) {
  Diagnostics diagnostics;
  auto t = check_topology(
      testing::edited(
          {{"      api: 6443\n",
            "      api: 6443\n      dns: 53/udp\n      dns-tcp: { port: 53, protocol: tcp }\n"}}),
      diagnostics);
  // The two new ports are unused, but that is not a diagnostic: only unused services are.
  EXPECT_TRUE(diagnostics.all().empty()) << testing::dump(diagnostics);
  const Service* api = t.find_service("api");
  ASSERT_NE(api, nullptr);
  ASSERT_EQ(api->ports.size(), 3u);
  EXPECT_EQ(api->ports[1].port, 53);
  EXPECT_EQ(api->ports[1].protocol, Protocol::kUdp);
  EXPECT_EQ(api->ports[2].protocol, Protocol::kTcp);
}

TEST(Loader, EmptyDocumentsAreEmptyFile) {
  for (const char* text : {"", "\n\n", "# only a comment\n", "---\n", "~\n"}) {
    Diagnostics diagnostics;
    check_topology(text, diagnostics);
    EXPECT_EQ(testing::summarize(diagnostics),
              std::vector<testing::Expected>{error_at(1, 1, "empty-file")})
        << "'" << text << "'\n"
        << testing::dump(diagnostics);
  }
}

TEST(Loader, OneDocumentWithMarkersIsFine) {
  Diagnostics diagnostics;
  check_topology("%YAML 1.2\n--- # the topology\n" + std::string(testing::kValidBase) + "...\n",
                 diagnostics);
  EXPECT_TRUE(diagnostics.all().empty()) << testing::dump(diagnostics);
}

TEST(Loader, TextYamlCppReadsAsNothingIsASyntaxError) {
  // Found by the fuzzer: yaml-cpp reads this as an empty document (and LoadAll as endless empty
  // documents). It is not an empty file.
  Diagnostics diagnostics;
  check_topology("# comment\n, address: 10.1.2.3}}\n\xff\xff\xeenan2\n", diagnostics);
  EXPECT_EQ(testing::summarize(diagnostics),
            std::vector<testing::Expected>{error_at(2, 1, "syntax")})
      << testing::dump(diagnostics);
}

TEST(Loader, FileTooLargeIsRefusedBeforeParsing) {
  std::string text(kMaxTopologyBytes + 1, '#');
  Diagnostics diagnostics;
  check_topology(text, diagnostics);
  EXPECT_EQ(testing::summarize(diagnostics),
            std::vector<testing::Expected>{error_at(1, 1, "file-too-large")});
}

TEST(Loader, TopLevelScalarIsOneError) {
  Diagnostics diagnostics;
  check_topology("just words\n", diagnostics);
  EXPECT_EQ(testing::summarize(diagnostics),
            std::vector<testing::Expected>{error_at(1, 1, "wrong-type")})
      << testing::dump(diagnostics);
}

TEST(Loader, DeepNestingIsASyntaxErrorNotACrash) {
  for (const std::string& text :
       {"networks: " + std::string(100000, '['),
        "networks: " + std::string(5000, '[') + std::string(5000, ']'), [] {
          std::string s = "networks:\n";
          for (int i = 1; i < 3000; ++i) s += std::string(i, ' ') + "a:\n";
          return s;
        }()}) {
    Diagnostics diagnostics;
    check_topology(text, diagnostics);
    ASSERT_EQ(diagnostics.all().size(), 1u) << testing::dump(diagnostics);
    EXPECT_EQ(diagnostics.all()[0].code, "syntax");
    EXPECT_GE(diagnostics.all()[0].pos.line, 1);
  }
}

TEST(Loader, AliasesAreReadLikeTheirAnchors) {
  // An anchor reused for two hosts' common fields is legal YAML; a cycle must not hang the loader.
  Diagnostics diagnostics;
  auto t = check_topology(
      testing::edited(
          {{"  node-1:\n    network: cluster\n", "  node-1:\n    network: &net cluster\n"},
           {"  vip:\n    network: cluster\n", "  vip:\n    network: *net\n"}}),
      diagnostics);
  EXPECT_TRUE(diagnostics.all().empty()) << testing::dump(diagnostics);
  EXPECT_EQ(t.find_host("vip")->network, "cluster");

  Diagnostics cyclic;
  check_topology("networks: &a\n  lan: *a\n", cyclic);
  EXPECT_TRUE(cyclic.has_errors());
}

// Malformed values of each kind, each rejected with invalid-value at the value.
struct MalformedCase {
  const char* what;
  const char* line;    // the base line to replace
  const char* prefix;  // the replacement line, before the bad value
  int line_number;
};

TEST(Loader, MalformedValuesAreInvalidValue) {
  const MalformedCase kCases[] = {
      {"address", "    address: 192.168.100.60\n", "    address: ", 16},
      {"subnet", "    subnet: 192.168.1.0/24\n", "    subnet: ", 4},
      {"range", "    range: 192.168.100.80-85\n", "    range: ", 24},
      {"port", "      https: 443\n", "      https: ", 30},
      {"interface", "    interface: vmbr1\n", "    interface: ", 9},
      {"listen", "  - listen: lan:80\n", "  - listen: ", 36},
      {"zone", "  zone: cluster\n", "  zone: ", 41},
  };
  const std::map<std::string, std::vector<std::string>> kBad = {
      {"address",
       {"1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "192.168.100.60/24", "a.b.c.d", "''",
        "' 192.168.100.60'", "1..3.4", "-1.2.3.4"}},
      {"subnet",
       {"192.168.1.0", "192.168.1.0/33", "192.168.1.5/24", "192.168.1.0/-1", "/24", "192.168.1.0/",
        "192.168.1.0/24/1", "300.168.1.0/24", "192.168.1.0/2x"}},
      {"range",
       {"192.168.100.85-80", "192.168.100.80", "192.168.100.80-300", "192.168.100.80-", "x-y",
        "-192.168.100.80", "192.168.100.80-192.168.100"}},
      {"port",
       {"0", "65536", "-1", "http", "80.5", "0x50", "99999999999999999999", "''", "80/", "080",
        "'0443/tcp'"}},
      {"interface",
       {"''", "vmbr0:1", "a/b", "'has space'", "sixteen-chars-xx", ".", "..", "\"tab\\there\""}},
      {"listen",
       {"lan", "'lan:'", "lan:0", "lan:65536", ":80", "Bad_Net:80", "lan:http", "lan:080"}},
      {"zone",
       {"bad_zone", "-lead", "trail-", "a..b", "cluster.", ".cluster", "'*.cluster'",
        std::string(64, 'a'), "'with space'"}},
  };
  for (const auto& c : kCases) {
    for (const auto& bad : kBad.at(c.what)) {
      std::string text = testing::edited({{c.line, std::string(c.prefix) + bad + "\n"}});
      Diagnostics diagnostics;
      check_topology(text, diagnostics);
      int column = static_cast<int>(std::string_view(c.prefix).size()) + 1;
      EXPECT_EQ(testing::summarize(diagnostics),
                std::vector<testing::Expected>{error_at(c.line_number, column, "invalid-value")})
          << c.what << " " << bad << "\n"
          << testing::dump(diagnostics);
    }
  }
}

TEST(Loader, MalformedObjectNamesAreInvalidName) {
  for (const std::string& bad :
       {std::string("lb_1"), std::string("-lb"), std::string("lb-"), std::string(64, 'p'),
        std::string("'l b'"), std::string("lb.x"), std::string("'é'")}) {
    Diagnostics diagnostics;
    check_topology(testing::edited({{"  lb:\n", "  " + bad + ":\n"}}), diagnostics);
    EXPECT_EQ(testing::summarize(diagnostics),
              std::vector<testing::Expected>{error_at(22, 3, "invalid-name")})
        << bad << "\n"
        << testing::dump(diagnostics);
  }
  // 63 characters is the longest label RFC 1123 allows.
  Diagnostics diagnostics;
  check_topology(testing::edited({{"  lb:\n", "  " + std::string(63, 'p') + ":\n"}}), diagnostics);
  EXPECT_TRUE(diagnostics.all().empty()) << testing::dump(diagnostics);
}

TEST(Loader, MessagesQuoteUserTextOnOneShortLine) {
  Diagnostics diagnostics;
  check_topology(testing::edited({{"    interface: vmbr1\n", "    interface: \"vmbr\\n1\\x01" +
                                                                 std::string(200, 'x') + "\"\n"}}),
                 diagnostics);
  ASSERT_EQ(diagnostics.all().size(), 1u) << testing::dump(diagnostics);
  const std::string& message = diagnostics.all()[0].message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  EXPECT_NE(message.find("'vmbr\\n1\\x01xxx"), std::string::npos) << message;
  EXPECT_NE(message.find("...' is not a valid interface name"), std::string::npos) << message;
  EXPECT_LT(message.size(), 120u) << message;
}

TEST(Loader, EmptyValueSaysSoAtItsKey) {
  Diagnostics diagnostics;
  check_topology(testing::edited({{"    router: 192.168.1.1\n", "    router:\n"}}), diagnostics);
  ASSERT_EQ(diagnostics.all().size(), 1u) << testing::dump(diagnostics);
  EXPECT_EQ(diagnostics.all()[0].pos.line, 6);
  EXPECT_EQ(diagnostics.all()[0].pos.column, 5);
  EXPECT_EQ(diagnostics.all()[0].message, "'networks.lan.router' has no value");
}

TEST(Loader, RecordsPositionsOfKeysAndValues) {
  Diagnostics diagnostics;
  Topology t = load_topology(testing::kValidBase, diagnostics);
  EXPECT_EQ(t.where.key("networks.cluster").line, 8);
  EXPECT_EQ(t.where.key("networks.cluster").column, 3);
  EXPECT_EQ(t.where.value("hosts.vip.held_by").line, 20);
  EXPECT_EQ(t.where.value("hosts.vip.held_by").column, 14);
  EXPECT_EQ(t.where.value("forwards.1.to").line, 39);
  EXPECT_EQ(t.where.value("forwards.1.to").column, 9);
  EXPECT_EQ(t.where.value("dns.upstreams.0").line, 45);
  EXPECT_EQ(t.where.value("dns.upstreams.0").column, 7);
}

// IPv6 anywhere an address, prefix or range is read: one clear error at the value, never a crash
// or a generic "invalid address" (labgate reads IPv4 only for now).
TEST(Loader, Ipv6IsNotSupportedYetWhereverAnAddressIsRead) {
  struct Case {
    const char* line;  // the base line to replace
    std::string with;  // the replacement line
    int line_number;
    int column;
  };
  const Case kCases[] = {
      {"    subnet: 192.168.1.0/24\n", "    subnet: fd00:1::/64\n", 4, 13},
      {"    address: 192.168.1.55\n", "    address: fd00:1::55\n", 5, 14},
      {"    router: 192.168.1.1\n", "    router: fe80::1\n", 6, 13},
      {"    address: 192.168.100.60\n", "    address: 2001:db8::60\n", 16, 14},
      {"    address: 192.168.100.60\n", "    address: \"::ffff:192.168.100.60\"\n", 16, 14},
      {"    range: 192.168.100.80-85\n", "    range: fd00::80-fd00::85\n", 24, 12},
      {"    address: 192.168.100.50\n    ports:\n      api: 6443\n",
       "    address: '::1'\n    ports:\n      api: 6443\n", 32, 14},
      {"    - 192.168.1.1\n", "    - 2001:4860:4860::8888\n", 45, 7},
      {"    to: api:api\n",
       "    to: api:api\n    via: proxy\n    accept_proxy: [192.168.1.10, 'fd00::/64']\n", 41, 34},
  };
  for (const auto& c : kCases) {
    Diagnostics diagnostics;
    check_topology(testing::edited({{c.line, c.with}}), diagnostics);
    EXPECT_EQ(testing::summarize(diagnostics),
              std::vector<testing::Expected>{error_at(c.line_number, c.column, "ipv6-unsupported")})
        << c.with << testing::dump(diagnostics);
    ASSERT_FALSE(diagnostics.all().empty());
    EXPECT_NE(diagnostics.all()[0].message.find("IPv6 is not supported yet"), std::string::npos)
        << diagnostics.all()[0].message;
  }
}

// Text with ':' that is not IPv6 stays an ordinary invalid value.
TEST(Loader, ColonsThatAreNotIpv6AreInvalidValues) {
  for (const char* bad : {"1.2.3.4:80", "fd00:::1", "gggg::1", "'::g'"}) {
    Diagnostics diagnostics;
    check_topology(testing::edited({{"    address: 192.168.100.60\n",
                                     std::string("    address: ") + bad + "\n"}}),
                   diagnostics);
    EXPECT_EQ(testing::summarize(diagnostics),
              std::vector<testing::Expected>{error_at(16, 14, "invalid-value")})
        << bad << "\n"
        << testing::dump(diagnostics);
  }
}

// A NUL in a value (written as an escape) is named as such, shown as \0, never as garbage.
TEST(Loader, NulInAValueIsShownAndRefused) {
  Diagnostics diagnostics;
  check_topology(testing::edited({{"    interface: vmbr1\n", "    interface: \"vm\\0br1\"\n"}}),
                 diagnostics);
  ASSERT_EQ(testing::summarize(diagnostics),
            std::vector<testing::Expected>{error_at(9, 16, "invalid-value")})
      << testing::dump(diagnostics);
  EXPECT_EQ(diagnostics.all()[0].message, "'interface' contains a NUL character: 'vm\\0br1'");
  EXPECT_NE(diagnostics.all()[0].hint.find("NUL is not allowed"), std::string::npos);
}

// A raw NUL byte in the file is a syntax error at its position.
TEST(Loader, RawNulByteIsASyntaxErrorAtItsPosition) {
  Diagnostics diagnostics;
  std::string text =
      testing::edited({{"    interface: vmbr1\n", std::string("    interface: vm\0br1\n", 22)}});
  check_topology(text, diagnostics);
  // libfyaml alone would stop reading at the NUL and report the rest of the file as missing.
  ASSERT_EQ(testing::summarize(diagnostics),
            std::vector<testing::Expected>{error_at(9, 18, "syntax")})
      << testing::dump(diagnostics);
  EXPECT_NE(diagnostics.all()[0].message.find("NUL byte"), std::string::npos);
}

// A directive line other than %YAML 1.x is refused at its position, before libfyaml, whose
// directive scanner can loop on a malformed one; after a CR-only line break too.
TEST(Loader, DirectiveLinesAreRefusedAtTheirPosition) {
  for (const std::string& text : {std::string("%YAML1.2\n---\n") + std::string(testing::kValidBase),
                                  std::string("version: 1\r%TAG ! x\r")}) {
    Diagnostics diagnostics;
    check_topology(text, diagnostics);
    const SourcePos at = text[0] == '%' ? SourcePos{1, 1} : SourcePos{2, 1};
    ASSERT_EQ(testing::summarize(diagnostics),
              std::vector<testing::Expected>{error_at(at.line, at.column, "syntax")})
        << testing::dump(diagnostics);
    EXPECT_NE(diagnostics.all()[0].message.find("directives"), std::string::npos);
  }
}

// CR-only line endings (old Mac files) are line breaks, as YAML 1.2 says: the file checks, and
// positions count CRs as line ends. (yaml-cpp read such a file as one empty line.)
TEST(Loader, CrOnlyLineEndingsAreLineBreaks) {
  std::string base(testing::kValidBase);
  std::string cr = base;
  std::replace(cr.begin(), cr.end(), '\n', '\r');
  Diagnostics clean;
  Topology t = check_topology(cr, clean);
  EXPECT_TRUE(clean.all().empty()) << testing::dump(clean);
  EXPECT_EQ(t.hosts.size(), 2u);
  std::string bad = testing::edited({{"192.168.100.60", "192.168.100.600"}});
  std::replace(bad.begin(), bad.end(), '\n', '\r');
  Diagnostics diagnostics;
  check_topology(bad, diagnostics);
  EXPECT_EQ(testing::summarize(diagnostics),
            std::vector<testing::Expected>{error_at(16, 14, "invalid-value")})
      << testing::dump(diagnostics);
  // CRLF too.
  std::string crlf;
  for (char c : base) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
  Diagnostics windows;
  check_topology(crlf, windows);
  EXPECT_TRUE(windows.all().empty()) << testing::dump(windows);
}

}  // namespace
}  // namespace labgate
