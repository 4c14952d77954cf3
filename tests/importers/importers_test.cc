// The importers (importers/): table tests of the parsers' errors and of what each rule becomes,
// golden files for whole inputs (tests/importers/golden/; LABGATE_UPDATE_GOLDEN=1 rewrites them),
// and the round trip: the seed's rules and Pi-hole records, imported and merged with the seed's
// networks, give the same topology as examples/homelab.yaml.
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "importers/iptables_save.h"
#include "importers/pihole.h"

namespace labgate::importers {
namespace {

namespace fs = std::filesystem;

const fs::path kGolden = fs::path(LABGATE_SOURCE_DIR) / "tests/importers/golden";

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

ImportNames seed_names() {
  ImportNames n;
  n.networks = {{"vmbr0", "lan"}, {"vmbr1", "cluster"}, {"192.168.100.0/24", "cluster"}};
  n.services = {{"192.168.100.80", "ingress"},
                {"192.168.100.50", "kubernetes-api"},
                {"192.168.100.81", "sftp"},
                {"192.168.1.55", "ingress"}};
  return n;
}

void expect_golden(const std::string& name, const std::string& actual) {
  fs::path p = kGolden / name;
  if (std::getenv("LABGATE_UPDATE_GOLDEN")) std::ofstream(p, std::ios::binary) << actual;
  ASSERT_TRUE(fs::exists(p)) << p << " is missing (LABGATE_UPDATE_GOLDEN=1 writes it)";
  EXPECT_EQ(slurp(p), actual) << "golden " << p;
}

std::string import_iptables_file(const std::string& input, const ImportNames& names) {
  ImportError e;
  auto parsed = parse_iptables(slurp(kGolden / input), &e);
  EXPECT_TRUE(parsed) << format_import_error(input, e);
  if (!parsed) return {};
  return write_fragment(import_iptables(*parsed, names, input));
}

TEST(IptablesImport, GoldenSeedCommands) {
  expect_golden("seed-commands.yaml", import_iptables_file("seed-commands.sh", seed_names()));
  expect_golden("seed-commands-unnamed.yaml", import_iptables_file("seed-commands.sh", {}));
}

TEST(IptablesImport, GoldenProxmoxDockerTailscaleSave) {
  expect_golden("proxmox-docker-tailscale.yaml",
                import_iptables_file("proxmox-docker-tailscale.rules", seed_names()));
}

TEST(IptablesImport, GoldenVariants) {
  expect_golden("variants.yaml", import_iptables_file("variants.sh", seed_names()));
}

TEST(PiholeImport, GoldenCustomListAndToml) {
  for (const auto& [input, golden] : std::vector<std::pair<std::string, std::string>>{
           {"seed-custom.list", "seed-custom.yaml"}, {"pihole.toml", "pihole-toml.yaml"}}) {
    std::string text = slurp(kGolden / input);
    ImportError e;
    auto records = detect_pihole_format(input, text) == PiholeFormat::kToml
                       ? parse_pihole_toml(text, &e)
                       : parse_custom_list(text, &e);
    ASSERT_TRUE(records) << format_import_error(input, e);
    expect_golden(golden, write_fragment(import_pihole(*records, seed_names(), input)));
  }
}

// What one rule becomes, in a one-line nat table.
struct RuleCase {
  std::string rule;
  std::string expect;  // a substring of the fragment
};

TEST(IptablesImport, OneRuleTable) {
  const RuleCase cases[] = {
      {"-A PREROUTING -i vmbr0 -p tcp --dport 80 -j DNAT --to-destination 10.0.0.2",
       "- { listen: vmbr0:80, to: svc-10-0-0-2:http }"},
      {"-I PREROUTING -i vmbr0 -p tcp --dport 81 -j DNAT --to-destination 10.0.0.2:8081",
       "svc-10-0-0-2: { address: 10.0.0.2, ports: { tcp-8081: 8081 } }"},
      {"-A PREROUTING -i vmbr0 -p udp -m udp --dport 53 -j DNAT --to-destination 10.0.0.2",
       "ports: { dns: \"53/udp\" }"},
      {"-A POSTROUTING -s 10.0.0.0/24 -o vmbr0 -j MASQUERADE", "masquerade: true"},
      {"-A POSTROUTING -s 10.0.0.0/24 -o vmbr0 -j MASQUERADE", "uplink: true"},
      {"-A POSTROUTING -s 10.0.0.0/24 -o vmbr0 -j SNAT --to-source 192.168.1.55",
       "address: 192.168.1.55"},
      {"-A PREROUTING -i vmbr0 -p tcp --dport 80 -j DNAT --to-destination 10.0.0.2:80-90",
       "a port range"},
      {"-A PREROUTING -i vmbr0 -p sctp --dport 80 -j DNAT --to-destination 10.0.0.2",
       "only tcp and udp"},
      {"-A PREROUTING -i vmbr0 -p tcp ! --dport 80 -j DNAT --to-destination 10.0.0.2",
       "negated match"},
      {"-A PREROUTING -i vmbr0 -p tcp --dport 80 -m conntrack --ctstate NEW -j DNAT "
       "--to-destination 10.0.0.2",
       "the match -m conntrack"},
      {"-A PREROUTING -i vmbr0 -p tcp --dport 80 -j DNAT", "DNAT without --to-destination"},
      {"-A POSTROUTING -o vmbr0 -j MASQUERADE", "MASQUERADE of everything leaving vmbr0"},
      {"-A POSTROUTING -d 10.0.0.9 -p tcp --dport 22 -j SNAT --to-source 10.0.0.1",
       "no DNAT rule above forwards"},
      {"-A KUBE-SERVICES -j RETURN", "chain KUBE-SERVICES is Kubernetes'"},
      {"-A PVEFW-PREROUTING -j RETURN", "the Proxmox firewall's"},
  };
  for (const auto& c : cases) {
    ImportError e;
    auto parsed = parse_iptables("*nat\n" + c.rule + "\nCOMMIT\n", &e);
    ASSERT_TRUE(parsed) << c.rule << ": " << e.message;
    std::string out = write_fragment(import_iptables(*parsed, {}, "t"));
    EXPECT_NE(out.find(c.expect), std::string::npos) << c.rule << "\n" << out;
  }
}

TEST(IptablesImport, InsertPositionsDecideWhichRuleWins) {
  ImportError e;
  auto parsed = parse_iptables(
      "iptables -t nat -A PREROUTING -i a -p tcp --dport 1 -j DNAT --to-destination 10.0.0.1\n"
      "iptables -t nat -A PREROUTING -i a -p tcp --dport 2 -j DNAT --to-destination 10.0.0.2\n"
      "iptables -t nat -I PREROUTING 2 -i a -p tcp --dport 2 -j DNAT --to-destination 10.0.0.3\n",
      &e);
  ASSERT_TRUE(parsed) << e.message;
  auto order = effective_order(*parsed);
  ASSERT_EQ(order.size(), 3u);
  EXPECT_EQ(order[0].line, 1);
  EXPECT_EQ(order[1].line, 3);
  EXPECT_EQ(order[2].line, 2);
  std::string out = write_fragment(import_iptables(*parsed, {}, "t"));
  EXPECT_NE(out.find("to: svc-10-0-0-3:tcp-2"), std::string::npos) << out;
  EXPECT_NE(out.find("# line 2: "), std::string::npos) << out;
  EXPECT_NE(out.find("already forwarded by line 3"), std::string::npos) << out;
}

struct ErrorCase {
  std::string input;
  int line, column;
  std::string message;  // a substring
};

TEST(IptablesParse, ErrorsAtLineAndColumn) {
  const ErrorCase cases[] = {
      {"-A PREROUTING -j ACCEPT\n", 1, 1, "outside a table"},
      {"*nat\n-A PREROUTING -j ACCEPT\n", 1, 1, "table nat ends without COMMIT"},
      {"*nat\n*filter\nCOMMIT\n", 2, 1, "has no COMMIT"},
      {"*nat\n-A PREROUTING -m comment --comment \"open\nCOMMIT\n", 2, 36, "unterminated double"},
      {"*nat\n-A\nCOMMIT\n", 2, 3, "needs a chain name"},
      {"COMMIT\n", 1, 1, "COMMIT without a table"},
      {"*nat\n:PREROUTING\nCOMMIT\n", 2, 1, "a chain line is"},
      {"echo hello\n", 1, 1, "'echo' is neither"},
      {"  sudo ip6tables -t nat -A PREROUTING -j ACCEPT\n", 1, 8, "IPv4 iptables rules only"},
      {"iptables -t nat -D PREROUTING 1\n", 1, 17, "only -A, -I"},
      {"iptables -t nat -A X -j ACCEPT\n*nat\n", 2, 1, "give one form per file"},
      {"*nat\nCOMMIT\niptables -t nat -A X -j ACCEPT\n", 3, 1, "give one form per file"},
      {"iptables -t nat -A X -j \\", 1, 25, "backslash at the end"},
      {"iptables -t\n", 1, 10, "-t needs a table name"},
  };
  for (const auto& c : cases) {
    ImportError e;
    EXPECT_FALSE(parse_iptables(c.input, &e)) << c.input;
    EXPECT_EQ(e.line, c.line) << c.input << ": " << e.message;
    EXPECT_EQ(e.column, c.column) << c.input << ": " << e.message;
    EXPECT_NE(e.message.find(c.message), std::string::npos) << c.input << ": " << e.message;
  }
}

TEST(IptablesParse, CountersQuotesAndComments) {
  ImportError e;
  auto parsed = parse_iptables(
      "# comment\n*nat\n:PREROUTING ACCEPT [1:2]\n[5:300] -A PREROUTING -i 'vm br' -m comment "
      "--comment \"a \\\"b\\\" # c\" -p tcp --dport 80 -j DNAT --to-destination 10.0.0.2\nCOMMIT\n",
      &e);
  ASSERT_TRUE(parsed) << e.message;
  ASSERT_EQ(parsed->rules.size(), 1u);
  const auto& w = parsed->rules[0].words;
  EXPECT_EQ(w[1].text, "vm br");
  EXPECT_EQ(w[5].text, "a \"b\" # c");
  EXPECT_EQ(parsed->rules[0].line, 4);
}

TEST(PiholeParse, ErrorsAtLineAndColumn) {
  const ErrorCase list_cases[] = {
      {"192.168.1.55 ok.cluster\n  300.1.1.1 bad.cluster\n", 2, 3, "not an IP address"},
      {"192.168.1.55\n", 1, 13, "has no name"},
      {"192.168.1.55 a..b\n", 1, 14, "not a host name"},
      {"192.168.01.55 a.b\n", 1, 1, "not an IP address"},
  };
  for (const auto& c : list_cases) {
    ImportError e;
    EXPECT_FALSE(parse_custom_list(c.input, &e)) << c.input;
    EXPECT_EQ(e.line, c.line) << c.input << ": " << e.message;
    EXPECT_EQ(e.column, c.column) << c.input << ": " << e.message;
    EXPECT_NE(e.message.find(c.message), std::string::npos) << c.input << ": " << e.message;
  }
  const ErrorCase toml_cases[] = {
      {"[dns]\nhosts = [\n  \"192.168.1.55 a.cluster\",\n  \"1.2.3 b.cluster\"\n]\n", 4, 4,
       "not an IP address"},
      {"[dns]\nhosts = \"1.2.3.4 a.b\"\n", 2, 9, "must be an array"},
      {"[dns]\nhosts = [ 1 ]\n", 2, 11, "must be a string"},
      {"[dns]\nhosts = [\"1.2.3.4 a.b\"\n", 3, 1, "ends inside dns.hosts"},
      {"[dns]\nhosts = []\nhosts = []\n", 3, 1, "defined twice (first at line 2)"},
      {"dns.hosts = []\n[dns]\nhosts = []\n", 3, 1, "defined twice"},
      {"[dns\nhosts = []\n", 1, 5, "expected ']'"},
      {"[dns]\nx = \"open\n", 2, 5, "unterminated string"},
      {"[dns]\nx = 1 2\n", 2, 7, "after the value"},
      {"[dns]\nx = \"\\q\"\n", 2, 6, "unknown escape"},
      {"[dns]\nx = [1, 2\n", 3, 1, "ends inside an array"},
      {"[dns]\nx = { a = 1\n", 2, 12, "expected '}'"},
      {"[dns]\nupstreams = []\n", 3, 1, "no dns.hosts"},
      {"= 1\n", 1, 1, "expected a key"},
  };
  for (const auto& c : toml_cases) {
    ImportError e;
    EXPECT_FALSE(parse_pihole_toml(c.input, &e)) << c.input;
    EXPECT_EQ(e.line, c.line) << c.input << ": " << e.message;
    EXPECT_EQ(e.column, c.column) << c.input << ": " << e.message;
    EXPECT_NE(e.message.find(c.message), std::string::npos) << c.input << ": " << e.message;
  }
}

TEST(PiholeParse, DottedKeysAndDetection) {
  ImportError e;
  auto r = parse_pihole_toml("dns.hosts = [ \"10.0.0.1 a.lab\" ] # x\n", &e);
  ASSERT_TRUE(r) << e.message;
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].name, "a.lab");
  EXPECT_EQ((*r)[0].column, 25);  // the name's column, inside the string
  EXPECT_EQ(detect_pihole_format("x.toml", ""), PiholeFormat::kToml);
  EXPECT_EQ(detect_pihole_format("custom.list", "# c\n\n[dns]\n"), PiholeFormat::kToml);
  EXPECT_EQ(detect_pihole_format("custom.list", "# c\n1.2.3.4 a.b\n"), PiholeFormat::kCustomList);
  EXPECT_EQ(detect_pihole_format("-", "dns.hosts = []\n"), PiholeFormat::kToml);
}

// ---- the round trip through the built binary ----

struct CmdResult {
  int status = -1;
  std::string out;
};

CmdResult run(const std::string& command) {
  CmdResult r;
  FILE* p = ::popen(command.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int st = ::pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

// The text of `yaml` without its top-level section `key` (a line "key:" up to the next line that
// starts in column 1 with neither a space nor '#').
std::string drop_section(const std::string& yaml, const std::string& key) {
  std::istringstream in(yaml);
  std::string line, out;
  bool dropping = false;
  while (std::getline(in, line)) {
    if (line.rfind(key + ":", 0) == 0) {
      dropping = true;
      continue;
    }
    if (dropping && !line.empty() && line[0] != ' ' && line[0] != '#') dropping = false;
    if (!dropping) out += line + "\n";
  }
  return out;
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
  return s;
}

TEST(ImportRoundTrip, SeedRulesAndRecordsGiveTheSeedTopology) {
  fs::path dir = fs::temp_directory_path() / ("labgate-import-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::string bin = LABGATE_BINARY;
  std::string src = LABGATE_SOURCE_DIR;
  CmdResult ipt = run(bin + " import iptables " + (kGolden / "seed-commands.sh").string() +
                      " --network vmbr0=lan --service 192.168.100.80=ingress"
                      " --service 192.168.100.50=kubernetes-api --service 192.168.100.81=sftp");
  ASSERT_EQ(ipt.status, 0) << ipt.out;
  CmdResult ph = run(bin + " import pihole " + (kGolden / "seed-custom.list").string() +
                     " --service 192.168.1.55=ingress");
  ASSERT_EQ(ph.status, 0) << ph.out;

  // The seed's networks, hosts and pools (what the rules do not say), with the fragments.
  std::string seed = slurp(fs::path(src) / "examples/homelab.yaml");
  // The seed's apps give the names Pi-hole's records give here.
  std::string base = drop_section(
      drop_section(drop_section(drop_section(seed, "services"), "forwards"), "dns"), "apps");
  std::string merged =
      base + drop_section(ipt.out, "networks") + ph.out + "  upstreams: [192.168.1.1]\n";
  // Without the old rules' SNAT, the seed's own choice (docs/config.md, migrating).
  std::string no_snat = replace_all(merged, ", snat: true", "");
  std::ofstream(dir / "merged.yaml") << merged;
  std::ofstream(dir / "no-snat.yaml") << no_snat;

  CmdResult check = run(bin + " check -c " + (dir / "merged.yaml").string() + " 2>&1");
  EXPECT_EQ(check.status, 0) << check.out << "\n" << merged;
  EXPECT_NE(check.out.find("ok: 2 networks, 3 hosts, 1 pools, 3 services, 4 forwards, 3 DNS names"),
            std::string::npos)
      << check.out;

  CmdResult imported = run(bin + " show --json -c " + (dir / "no-snat.yaml").string());
  CmdResult original = run(bin + " show --json -c " + src + "/examples/homelab.yaml");
  ASSERT_EQ(imported.status, 0);
  ASSERT_EQ(original.status, 0);
  EXPECT_EQ(imported.out, original.out);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace labgate::importers
