#include "importers/iptables_save.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <set>

#include <fmt/format.h>

namespace labgate::importers {
namespace {

// ---- words ----

bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\r';
}

// Splits one line into words; a word starting with an unquoted '#' ends the line.
std::optional<std::vector<IptablesWord>> split_words(std::string_view line, int line_no,
                                                     ImportError* error) {
  std::vector<IptablesWord> words;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && is_blank(line[i])) ++i;
    if (i >= line.size() || line[i] == '#') break;
    IptablesWord w;
    w.column = static_cast<int>(i) + 1;
    while (i < line.size() && !is_blank(line[i])) {
      char c = line[i];
      if (c == '"' || c == '\'') {
        size_t open = i++;
        for (;;) {
          if (i >= line.size()) {
            *error = {line_no, static_cast<int>(open) + 1,
                      fmt::format("unterminated {} quote", c == '"' ? "double" : "single")};
            return std::nullopt;
          }
          if (line[i] == c) {
            ++i;
            break;
          }
          if (c == '"' && line[i] == '\\' && i + 1 < line.size()) ++i;
          w.text += line[i++];
        }
      } else if (c == '\\') {
        if (i + 1 >= line.size()) {
          *error = {line_no, static_cast<int>(i) + 1,
                    "a backslash at the end of a line (continued lines are not read: join them)"};
          return std::nullopt;
        }
        w.text += line[i + 1];
        i += 2;
      } else {
        w.text += c;
        ++i;
      }
    }
    words.push_back(std::move(w));
  }
  return words;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (is_blank(s.front()) || s.front() == '\n')) s.remove_prefix(1);
  while (!s.empty() && (is_blank(s.back()) || s.back() == '\n')) s.remove_suffix(1);
  return s;
}

bool is_number(std::string_view s, int min, int max, int* out) {
  int v = 0;
  if (s.empty() || s.size() > 10 || (s.size() > 1 && s[0] == '0')) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || v < min || v > max) return false;
  *out = v;
  return true;
}

bool is_chain_name(std::string_view s) {
  return !s.empty() && s.size() <= 28 && s[0] != '-' && s[0] != '!';
}

bool is_rule_command(std::string_view w) {
  return w == "-A" || w == "--append" || w == "-I" || w == "--insert";
}

// Reads "CHAIN [N] rest..." after -A/-I; words[at] is the command word.
bool read_rule(const std::vector<IptablesWord>& words, size_t at, int line_no,
               std::string_view text, const std::string& table, IptablesRule* rule,
               ImportError* error) {
  rule->line = line_no;
  rule->text = std::string(trim(text));
  rule->table = table;
  rule->insert = words[at].text == "-I" || words[at].text == "--insert";
  if (at + 1 >= words.size() || !is_chain_name(words[at + 1].text)) {
    int col = at + 1 < words.size() ? words[at + 1].column
                                    : words[at].column + static_cast<int>(words[at].text.size());
    *error = {line_no, col, fmt::format("{} needs a chain name", words[at].text)};
    return false;
  }
  rule->chain = words[at + 1].text;
  size_t next = at + 2;
  if (rule->insert) {
    rule->position = 1;
    int n = 0;
    if (next < words.size() && is_number(words[next].text, 1, 1 << 30, &n)) {
      rule->position = n;
      ++next;
    }
  }
  rule->words.assign(words.begin() + static_cast<long>(next), words.end());
  return true;
}

}  // namespace

std::optional<IptablesInput> parse_iptables(std::string_view text, ImportError* error) {
  IptablesInput input;
  enum class Form { kUnknown, kSave, kCommand } form = Form::kUnknown;
  std::string table;  // the open table of the save form
  int table_line = 0;
  int line_no = 0;
  size_t pos = 0;
  auto set_form = [&](Form f, int col) {
    if (form != Form::kUnknown && form != f) {
      *error = {line_no, col,
                f == Form::kSave
                    ? "iptables-save lines after iptables commands: give one form per file"
                    : "an iptables command after iptables-save lines: give one form per file"};
      return false;
    }
    form = f;
    return true;
  };
  while (pos <= text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (line.find('\0') != std::string_view::npos) {
      *error = {line_no, static_cast<int>(line.find('\0')) + 1, "a NUL byte: not a text file"};
      return std::nullopt;
    }
    auto words = split_words(line, line_no, error);
    if (!words) return std::nullopt;
    if (words->empty()) {
      if (end == text.size()) break;
      continue;
    }
    const auto& w = *words;
    const std::string& first = w[0].text;
    size_t at = 0;
    // iptables-save -c writes "[packets:bytes]" before each rule.
    if (first.size() > 2 && first.front() == '[' && first.back() == ']' && w.size() > 1 &&
        is_rule_command(w[1].text)) {
      at = 1;
    }
    const std::string& head = w[at].text;
    if (head[0] == '*' && at == 0) {
      if (!set_form(Form::kSave, w[0].column)) return std::nullopt;
      if (!table.empty()) {
        *error = {
            line_no, w[0].column,
            fmt::format("table {} (line {}) has no COMMIT before this one", table, table_line)};
        return std::nullopt;
      }
      table = head.substr(1);
      table_line = line_no;
      if (table.empty() || w.size() > 1) {
        *error = {line_no, w[0].column, "a table line is '*' and one table name, e.g. *nat"};
        return std::nullopt;
      }
    } else if (head[0] == ':' && at == 0) {
      if (!set_form(Form::kSave, w[0].column)) return std::nullopt;
      if (table.empty()) {
        *error = {line_no, w[0].column, "a chain line outside a table (no *TABLE before it)"};
        return std::nullopt;
      }
      if (!is_chain_name(head.substr(1)) || w.size() < 2) {
        *error = {line_no, w[0].column,
                  "a chain line is ':CHAIN POLICY [packets:bytes]', e.g. ':PREROUTING ACCEPT "
                  "[0:0]'"};
        return std::nullopt;
      }
    } else if (head == "COMMIT" && at == 0) {
      if (!set_form(Form::kSave, w[0].column)) return std::nullopt;
      if (table.empty()) {
        *error = {line_no, w[0].column, "COMMIT without a table (no *TABLE before it)"};
        return std::nullopt;
      }
      table.clear();
    } else if (is_rule_command(head)) {
      if (!set_form(Form::kSave, w[at].column)) return std::nullopt;
      if (table.empty()) {
        *error = {line_no, w[at].column, "a rule outside a table (no *TABLE before it)"};
        return std::nullopt;
      }
      IptablesRule rule;
      if (!read_rule(w, at, line_no, line, table, &rule, error)) return std::nullopt;
      input.rules.push_back(std::move(rule));
    } else {
      // The command form: [sudo] iptables[-legacy|-nft] options...
      size_t i = 0;
      if (w[i].text == "sudo") ++i;
      if (i >= w.size()) {
        *error = {line_no, w[0].column, "sudo without a command"};
        return std::nullopt;
      }
      std::string program = w[i].text;
      if (auto slash = program.rfind('/'); slash != std::string::npos) {
        program = program.substr(slash + 1);
      }
      if (program == "ip6tables" || program == "ip6tables-legacy" || program == "ip6tables-nft") {
        *error = {line_no, w[i].column,
                  "an ip6tables command: labgate import reads IPv4 iptables rules only"};
        return std::nullopt;
      }
      if (program != "iptables" && program != "iptables-legacy" && program != "iptables-nft") {
        *error = {line_no, w[i].column,
                  fmt::format("'{}' is neither an iptables-save line (*TABLE, :CHAIN, -A, -I, "
                              "COMMIT) nor an iptables command",
                              w[i].text)};
        return std::nullopt;
      }
      if (!set_form(Form::kCommand, w[i].column)) return std::nullopt;
      input.command_form = true;
      std::string cmd_table = "filter";
      std::vector<IptablesWord> rest;  // without -t/-w and their values
      for (size_t j = i + 1; j < w.size(); ++j) {
        const std::string& t = w[j].text;
        if (t == "-t" || t == "--table") {
          if (j + 1 >= w.size()) {
            *error = {line_no, w[j].column, "-t needs a table name"};
            return std::nullopt;
          }
          cmd_table = w[++j].text;
        } else if (t.rfind("--table=", 0) == 0) {
          cmd_table = t.substr(8);
        } else if (t == "-w" || t == "--wait") {
          int n = 0;
          if (j + 1 < w.size() && is_number(w[j + 1].text, 0, 1 << 30, &n)) ++j;
        } else {
          rest.push_back(w[j]);
        }
      }
      if (rest.empty()) {
        *error = {line_no, w[i].column, "an iptables command without -A, -I, -N, -P, -F or -X"};
        return std::nullopt;
      }
      const std::string& command = rest[0].text;
      if (is_rule_command(command)) {
        IptablesRule rule;
        if (!read_rule(rest, 0, line_no, line, cmd_table, &rule, error)) return std::nullopt;
        input.rules.push_back(std::move(rule));
      } else if (command == "-N" || command == "-P" || command == "-F" || command == "-X" ||
                 command == "-Z" || command == "--new-chain" || command == "--policy" ||
                 command == "--flush" || command == "--delete-chain" || command == "--zero") {
        // Chain bookkeeping: no rule to import.
      } else {
        *error = {line_no, rest[0].column,
                  fmt::format("'{}': only -A, -I (rules) and -N, -P, -F, -X, -Z are read; apply "
                              "-D/-R by hand and give the resulting rules (iptables-save)",
                              command)};
        return std::nullopt;
      }
    }
    if (end == text.size()) break;
  }
  if (!table.empty()) {
    *error = {table_line, 1, fmt::format("table {} ends without COMMIT", table)};
    return std::nullopt;
  }
  return input;
}

std::vector<IptablesRule> effective_order(const IptablesInput& input) {
  std::vector<std::pair<std::string, std::string>> chains;
  std::map<std::pair<std::string, std::string>, std::vector<IptablesRule>> rules;
  for (const auto& r : input.rules) {
    auto key = std::make_pair(r.table, r.chain);
    auto& list = rules[key];
    if (list.empty() && std::find(chains.begin(), chains.end(), key) == chains.end()) {
      chains.push_back(key);
    }
    if (r.insert) {
      size_t at = std::min(static_cast<size_t>(r.position - 1), list.size());
      list.insert(list.begin() + static_cast<long>(at), r);
    } else {
      list.push_back(r);
    }
  }
  std::vector<IptablesRule> out;
  for (const auto& key : chains) {
    for (auto& r : rules[key]) out.push_back(std::move(r));
  }
  return out;
}

namespace {

// What a rule says, in the terms the importer understands; anything else is in `unknown`.
struct RuleTerms {
  std::string protocol, in_interface, out_interface, source, destination, dport, target;
  std::string to_destination, to_source;
  std::vector<std::string> unknown;  // why the rule is beyond labgate, one reason per option
};

RuleTerms read_terms(const IptablesRule& rule) {
  RuleTerms t;
  const auto& w = rule.words;
  for (size_t i = 0; i < w.size(); ++i) {
    const std::string& o = w[i].text;
    auto value = [&](std::string* into) {
      if (i + 1 >= w.size()) {
        t.unknown.push_back(fmt::format("{} without a value", o));
        return;
      }
      *into = w[++i].text;
    };
    std::string ignored;
    if (o == "!") {
      t.unknown.push_back("a negated match (!)");
    } else if (o == "-p" || o == "--protocol") {
      value(&t.protocol);
    } else if (o == "-i" || o == "--in-interface") {
      value(&t.in_interface);
    } else if (o == "-o" || o == "--out-interface") {
      value(&t.out_interface);
    } else if (o == "-s" || o == "--source" || o == "--src") {
      value(&t.source);
    } else if (o == "-d" || o == "--destination" || o == "--dst") {
      value(&t.destination);
    } else if (o == "--dport" || o == "--destination-port") {
      value(&t.dport);
    } else if (o == "-j" || o == "--jump") {
      value(&t.target);
    } else if (o == "--to-destination") {
      value(&t.to_destination);
    } else if (o == "--to-source") {
      value(&t.to_source);
    } else if (o == "--comment") {
      value(&ignored);
    } else if (o == "-m" || o == "--match") {
      value(&ignored);
      if (ignored != "tcp" && ignored != "udp" && ignored != "comment" && !ignored.empty()) {
        t.unknown.push_back(fmt::format("the match -m {}", ignored));
      }
    } else if (o == "-g" || o == "--goto") {
      value(&ignored);
      t.unknown.push_back(fmt::format("a goto to chain {}", ignored));
    } else if (!o.empty() && o[0] == '-') {
      t.unknown.push_back(fmt::format("the option {}", o));
      if (i + 1 < w.size() && !w[i + 1].text.empty() && w[i + 1].text[0] != '-' &&
          w[i + 1].text != "!") {
        ++i;  // its value
      }
    } else {
      t.unknown.push_back(fmt::format("the word '{}'", o));
    }
  }
  return t;
}

std::string tool_of_chain(std::string_view chain) {
  if (chain.rfind("DOCKER", 0) == 0) return "Docker's";
  if (chain.rfind("PVEFW-", 0) == 0 || chain.rfind("tap", 0) == 0 || chain.rfind("veth", 0) == 0 ||
      chain.rfind("fwbr", 0) == 0) {
    return "the Proxmox firewall's";
  }
  if (chain.rfind("ts-", 0) == 0) return "Tailscale's";
  if (chain.rfind("KUBE-", 0) == 0 || chain.rfind("CNI-", 0) == 0 ||
      chain.rfind("CILIUM", 0) == 0) {
    return "Kubernetes'";
  }
  if (chain.rfind("LIBVIRT", 0) == 0) return "libvirt's";
  return "another tool's";
}

std::string well_known_port_name(int port) {
  switch (port) {
    case 22:
      return "ssh";
    case 25:
      return "smtp";
    case 53:
      return "dns";
    case 80:
      return "http";
    case 443:
      return "https";
    case 3306:
      return "mysql";
    case 5432:
      return "postgres";
    case 6443:
      return "api";
    case 8006:
      return "proxmox";
    case 8080:
      return "http-alt";
    case 8443:
      return "https-alt";
    default:
      return {};
  }
}

class Importer {
 public:
  Importer(const ImportNames& names, const std::string& source) : names_(names), source_(source) {}

  Fragment run(const IptablesInput& input) {
    auto rules = effective_order(input);
    // DNAT first: the SNAT rules that hide a forward's clients refer to it, wherever they are.
    for (const auto& r : rules) {
      if (r.table == "nat" && r.chain == "PREROUTING") prerouting(r);
    }
    for (const auto& r : rules) {
      if (r.table == "nat" && r.chain == "POSTROUTING") postrouting(r);
    }
    for (const auto& r : rules) {
      if (r.table == "nat" && (r.chain == "PREROUTING" || r.chain == "POSTROUTING")) continue;
      if (r.table != "nat") {
        no(r, fmt::format("a rule of the {} table: labgate writes its own filtering (a network's "
                          "`inbound`), and leaves other tools' rules alone",
                          r.table));
      } else if (r.chain == "OUTPUT" || r.chain == "INPUT") {
        no(r, fmt::format("nat {}: the gateway's own connections; labgate forwards traffic that "
                          "arrives on a network",
                          r.chain));
      } else {
        no(r,
           fmt::format("chain {} is {}: leave it to that tool", r.chain, tool_of_chain(r.chain)));
      }
    }
    place_snat_sources();
    return finish(input);
  }

 private:
  void no(const IptablesRule& r, std::string reason) {
    fragment_.unexpressed.push_back({r.line, r.text, std::move(reason)});
  }

  FragmentNetwork& network_by_interface(const std::string& interface, int line) {
    return network_by(&FragmentNetwork::interface, interface, line, [&] {
      auto it = names_.networks.find(interface);
      return it != names_.networks.end() ? it->second : derived_name("", interface);
    });
  }

  FragmentNetwork& network_by_subnet(const std::string& subnet, int line) {
    return network_by(&FragmentNetwork::subnet, subnet, line, [&] {
      auto it = names_.networks.find(subnet);
      return it != names_.networks.end() ? it->second
                                         : derived_name("net", subnet.substr(0, subnet.find('/')));
    });
  }

  // The network of the fragment whose `field` is `value` (noting `line` as one of its sources),
  // or a new one named by `name_it()` (made unique) when there is none.
  template <class NameIt>
  FragmentNetwork& network_by(std::string FragmentNetwork::*field, const std::string& value,
                              int line, NameIt name_it) {
    for (auto& n : fragment_.networks) {
      if (n.*field == value) {
        add_line(n.lines, line);
        return n;
      }
    }
    FragmentNetwork n;
    n.name = unique_network_name(name_it());
    n.*field = value;
    n.lines.push_back(line);
    fragment_.networks.push_back(std::move(n));
    return fragment_.networks.back();
  }

  std::string unique_network_name(std::string name) {
    std::string base = name;
    for (int i = 2; std::any_of(fragment_.networks.begin(), fragment_.networks.end(),
                                [&](const auto& n) { return n.name == name; });
         ++i) {
      name = fmt::format("{}-{}", base, i);
    }
    return name;
  }

  static void add_line(std::vector<int>& lines, int line) {
    if (std::find(lines.begin(), lines.end(), line) == lines.end()) lines.push_back(line);
  }

  // The service at `address`, with a port (number, protocol), created as needed.
  std::pair<std::string, std::string> service_port(const std::string& address, int number,
                                                   const std::string& protocol) {
    auto sit = std::find_if(fragment_.services.begin(), fragment_.services.end(),
                            [&](const auto& s) { return s.address == address; });
    if (sit == fragment_.services.end()) {
      auto named = names_.services.find(address);
      FragmentService s;
      s.name = named != names_.services.end() ? named->second : derived_name("svc", address);
      s.address = address;
      fragment_.services.push_back(std::move(s));
      sit = fragment_.services.end() - 1;
    }
    for (const auto& p : sit->ports) {
      if (p.number == number && p.protocol == protocol) return {sit->name, p.name};
    }
    auto taken = [&](const std::string& n) {
      return std::any_of(sit->ports.begin(), sit->ports.end(),
                         [&](const auto& p) { return p.name == n; });
    };
    std::string name = well_known_port_name(number);
    if (name.empty() || taken(name)) name = fmt::format("{}-{}", protocol, number);
    sit->ports.push_back({name, number, protocol});
    return {sit->name, name};
  }

  void prerouting(const IptablesRule& r) {
    RuleTerms t = read_terms(r);
    if (t.target != "DNAT") {
      if (t.target.empty()) {
        no(r, "a rule without a target (-j): it only counts packets");
      } else if (t.target == "REDIRECT") {
        no(r,
           "REDIRECT to a port of the gateway itself: run that service on the gateway, or use "
           "a `via: proxy` forward");
      } else if (t.target == "ACCEPT" || t.target == "RETURN") {
        no(r,
           fmt::format("-j {} in nat PREROUTING: an exception for other tools' rules", t.target));
      } else {
        no(r, fmt::format("jumps to chain {}, {}: leave it to that tool", t.target,
                          tool_of_chain(t.target)));
      }
      return;
    }
    if (!t.unknown.empty())
      return no(r, "DNAT with " + t.unknown.front() +
                       ", which labgate "
                       "forwards cannot express");
    if (t.protocol != "tcp" && t.protocol != "udp") {
      return no(r, t.protocol.empty() ? "DNAT without -p tcp or -p udp: labgate forwards one port"
                                      : "DNAT of protocol " + t.protocol + ": only tcp and udp");
    }
    int port = 0;
    if (!is_number(t.dport, 1, 65535, &port)) {
      return no(r, t.dport.empty()
                       ? "DNAT without --dport: labgate forwards one port at a time"
                       : "--dport " + t.dport + " is not one port (ranges are not forwards)");
    }
    if (t.in_interface.empty()) {
      return no(r,
                "DNAT without -i: a labgate forward listens on one network; add -i IFACE to "
                "say which, or write the forward by hand");
    }
    if (!t.source.empty()) {
      return no(r, "DNAT only for sources " + t.source +
                       ": labgate forwards take every client of the network");
    }
    std::optional<IpAddress> listen_address;
    if (!t.destination.empty()) {
      auto d = parse_ipv4_prefix(t.destination);
      if (!d || d->length != 32) {
        return no(r, "DNAT for destination " + t.destination +
                         ": a forward listens on the gateway's one address on its network");
      }
      listen_address = d->network;
    }
    // --to-destination ADDRESS[:PORT]
    std::string to = t.to_destination;
    std::string to_address = to.substr(0, to.find(':'));
    int to_port = port;
    auto backend = parse_ipv4(to_address);
    if (!backend) {
      return no(r, to.empty() ? "DNAT without --to-destination"
                              : "--to-destination " + to + " is not one IPv4 address[:port]");
    }
    if (auto colon = to.find(':');
        colon != std::string::npos &&
        !is_number(std::string_view(to).substr(colon + 1), 1, 65535, &to_port)) {
      return no(r, "--to-destination " + to + ": a port range; labgate forwards to one port");
    }
    FragmentNetwork& net = network_by_interface(t.in_interface, r.line);
    if (listen_address) {
      std::string a = listen_address->str();
      if (net.address.empty()) net.address = a;
      if (net.address != a) {
        fragment_.notes.push_back(fmt::format(
            "line {}: DNAT for {} on {}, but another rule says the gateway's address there is {}",
            r.line, a, net.name, net.address));
      }
    }
    std::string backend_text = backend->str();
    for (auto& f : fragment_.forwards) {
      if (f.network != net.name || f.port != port) continue;
      const auto& s = *std::find_if(fragment_.services.begin(), fragment_.services.end(),
                                    [&](const auto& s) { return s.name == f.service; });
      const auto& p = *std::find_if(s.ports.begin(), s.ports.end(),
                                    [&](const auto& p) { return p.name == f.port_name; });
      if (p.protocol != t.protocol) continue;
      if (s.address == backend_text && p.number == to_port) {
        fragment_.notes.push_back(
            fmt::format("line {} repeats line {} (a rule typed again with -A is added again)",
                        r.line, f.lines.front()));
        add_line(f.lines, r.line);
      } else {
        no(r, fmt::format("{}:{}/{} is already forwarded by line {}, which the kernel matches "
                          "first: this rule never matches",
                          net.name, port, t.protocol, f.lines.front()));
      }
      return;
    }
    auto [service, port_name] = service_port(backend_text, to_port, t.protocol);
    fragment_.forwards.push_back({net.name, port, service, port_name, false, {r.line}});
  }

  void postrouting(const IptablesRule& r) {
    RuleTerms t = read_terms(r);
    if (t.target != "SNAT" && t.target != "MASQUERADE") {
      if (t.target == "ACCEPT" || t.target == "RETURN") {
        return no(r, fmt::format("-j {} in nat POSTROUTING: an exception for other tools' rules",
                                 t.target));
      }
      return no(r, t.target.empty() ? "a rule without a target (-j): it only counts packets"
                                    : fmt::format("jumps to chain {}, {}: leave it to that tool",
                                                  t.target, tool_of_chain(t.target)));
    }
    if (!t.unknown.empty()) {
      return no(r, t.target + " with " + t.unknown.front() + ", which labgate cannot express");
    }
    if (t.target == "SNAT" && parse_ipv4(t.to_source) == std::nullopt) {
      return no(r, t.to_source.empty() ? "SNAT without --to-source"
                                       : "--to-source " + t.to_source + " is not one address");
    }
    bool to_forward = !t.destination.empty() || !t.dport.empty();
    if (to_forward && t.source.empty() && t.target == "SNAT") {
      hide_clients(r, t);
      return;
    }
    if (!to_forward && !t.source.empty()) {
      auto s = parse_ipv4_prefix(t.source);
      if (!s || s->length == 32) {
        return no(r, "source NAT of " + t.source + ": labgate masquerades whole networks");
      }
      if (!t.protocol.empty()) {
        return no(r,
                  "source NAT of -p " + t.protocol + " only: labgate masquerades every protocol");
      }
      FragmentNetwork& inner = network_by_subnet(s->str(), r.line);
      inner.masquerade = true;
      if (!t.out_interface.empty()) {
        FragmentNetwork& up = network_by_interface(t.out_interface, r.line);
        up.uplink = true;
        if (t.target == "SNAT" && up.address.empty()) up.address = t.to_source;
      }
      if (t.target == "SNAT") {
        fragment_.notes.push_back(fmt::format(
            "line {}: SNAT to {} becomes `masquerade: true` (the uplink's address, as the kernel "
            "picks it)",
            r.line, t.to_source));
      }
      return;
    }
    if (t.source.empty() && !to_forward) {
      return no(
          r, fmt::format("{} of everything{}: set `masquerade: true` on each network "
                         "behind the gateway instead",
                         t.target, t.out_interface.empty() ? "" : " leaving " + t.out_interface));
    }
    no(r, t.target +
              " of some sources to some destinations: labgate masquerades whole networks "
              "and SNATs its own forwards only");
  }

  // "SNAT to the gateway for connections to a forward's backend": `snat: true` on those forwards.
  void hide_clients(const IptablesRule& r, const RuleTerms& t) {
    std::optional<IpPrefix> d;
    if (!t.destination.empty()) {
      d = parse_ipv4_prefix(t.destination);
      if (!d) return no(r, "-d " + t.destination + " is not an IPv4 address or prefix");
    }
    int dport = 0;
    if (!t.dport.empty() && !is_number(t.dport, 1, 65535, &dport)) {
      return no(r, "--dport " + t.dport + " is not one port");
    }
    int matched = 0;
    for (auto& f : fragment_.forwards) {
      const auto& s = *std::find_if(fragment_.services.begin(), fragment_.services.end(),
                                    [&](const auto& s) { return s.name == f.service; });
      const auto& p = *std::find_if(s.ports.begin(), s.ports.end(),
                                    [&](const auto& p) { return p.name == f.port_name; });
      if (d && !d->contains(*parse_ipv4(s.address))) continue;
      if (dport && p.number != dport) continue;
      if (!t.protocol.empty() && t.protocol != p.protocol) continue;
      f.snat = true;
      add_line(f.lines, r.line);
      ++matched;
    }
    if (matched == 0) {
      return no(r,
                "SNAT of traffic that no DNAT rule above forwards: labgate SNATs its own "
                "forwards only");
    }
    auto& lines = snat_sources_[t.to_source];
    lines.first.push_back(r.line);
    if (!t.out_interface.empty()) lines.second = t.out_interface;
  }

  void place_snat_sources() {
    for (const auto& [address, where] : snat_sources_) {
      IpAddress a = *parse_ipv4(address);
      FragmentNetwork* net = nullptr;
      for (auto& n : fragment_.networks) {
        auto s = parse_ipv4_prefix(n.subnet);
        if (s && s->contains(a)) net = &n;
      }
      if (!net && !where.second.empty()) net = &network_by_interface(where.second, 0);
      if (net && net->interface.empty() && !where.second.empty()) {
        const std::string& interface = where.second;
        bool taken = std::any_of(fragment_.networks.begin(), fragment_.networks.end(),
                                 [&](const auto& n) { return n.interface == interface; });
        if (!taken) net->interface = where.second;
      }
      if (net && net->address.empty()) {
        net->address = address;
        continue;
      }
      if (net && net->address == address) continue;
      fragment_.notes.push_back(fmt::format(
          "{} is the gateway's address on the services' network (SNAT --to-source, {}): put it "
          "in that network's `address`",
          address, describe_lines(where.first)));
    }
    for (auto& n : fragment_.networks) {
      n.lines.erase(std::remove(n.lines.begin(), n.lines.end(), 0), n.lines.end());
      std::sort(n.lines.begin(), n.lines.end());
    }
  }

  Fragment finish(const IptablesInput& input) {
    std::sort(fragment_.unexpressed.begin(), fragment_.unexpressed.end(),
              [](const auto& a, const auto& b) { return a.line < b.line; });
    bool any_snat = std::any_of(fragment_.forwards.begin(), fragment_.forwards.end(),
                                [](const auto& f) { return f.snat; });
    size_t total = input.rules.size();
    size_t no_count = fragment_.unexpressed.size();
    fragment_.header = {
        fmt::format("labgate import iptables: {} rule{} from {} ({}), {} expressed, {} not", total,
                    total == 1 ? "" : "s", source_,
                    input.command_form ? "iptables commands" : "iptables-save", total - no_count,
                    no_count),
        "A fragment of labgate.yaml (docs/config.md): add the gateway, the networks' missing keys, "
        "hosts, pools and dns, rename the services, then run `labgate check`.",
    };
    if (any_snat) {
      fragment_.header.push_back(
          "`snat: true` keeps the old rules' behaviour (backends see the gateway, not the client); "
          "delete it to keep client addresses when the backends route back through the gateway.");
    }
    return std::move(fragment_);
  }

  const ImportNames& names_;
  std::string source_;
  Fragment fragment_;
  std::map<std::string, std::pair<std::vector<int>, std::string>> snat_sources_;
};

}  // namespace

Fragment import_iptables(const IptablesInput& input, const ImportNames& names,
                         const std::string& source_name) {
  return Importer(names, source_name).run(input);
}

}  // namespace labgate::importers
