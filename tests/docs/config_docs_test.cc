// Keeps the configuration reference in step with the code, by reading the sources at test time:
//  - every key the JSON Schema knows is documented in docs/config.md;
//  - the schema's keys are exactly the loader's keys, object by object (the loader names its
//    keys in the hint of an unknown-key diagnostic);
//  - every diagnostic code that src/topology/{loader,load_*,yaml_tree,validate}.cc can emit has a
//  row in the
//    reference table of docs/config.md with the right severity, and the table lists no code the
//    sources no longer emit.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "topology/loader.h"

namespace labgate {
namespace {

using ::testing::IsSupersetOf;
using Json = nlohmann::json;

std::string read_source(const std::string& relative) {
  std::ifstream in(std::string(LABGATE_SOURCE_DIR) + "/" + relative, std::ios::binary);
  EXPECT_TRUE(in) << "cannot read " << relative;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

const std::string& config_md() {
  static const std::string text = read_source("docs/config.md");
  return text;
}

const Json& schema() {
  static const Json json = Json::parse(read_source("docs/labgate.schema.json"));
  return json;
}

// --- the schema ---------------------------------------------------------------------------------

// Follows "$ref" (local, "#/definitions/NAME") and single-element "allOf" wrappers, which the
// schema uses to attach a description next to a reference.
const Json& resolve(const Json& node) {
  if (node.contains("$ref")) {
    std::string ref = node["$ref"].get<std::string>();
    const std::string prefix = "#/definitions/";
    EXPECT_EQ(ref.rfind(prefix, 0), 0u) << "unexpected reference " << ref;
    return resolve(schema()["definitions"][ref.substr(prefix.size())]);
  }
  if (node.contains("allOf") && node["allOf"].size() == 1) return resolve(node["allOf"][0]);
  return node;
}

// The property names of the object schema at `node`; for a "oneOf", those of its object branch.
std::set<std::string> property_names(const Json& node) {
  const Json& n = resolve(node);
  std::set<std::string> out;
  if (n.contains("oneOf")) {
    for (const auto& branch : n["oneOf"]) {
      auto keys = property_names(branch);
      out.insert(keys.begin(), keys.end());
    }
    return out;
  }
  if (n.contains("properties"))
    for (const auto& [key, value] : n["properties"].items()) out.insert(key);
  return out;
}

// Every key of every "properties" object anywhere in the schema, with the path where it occurs.
void collect_keys(const Json& node, const std::string& path,
                  std::map<std::string, std::string>& keys) {
  if (node.is_object()) {
    for (const auto& [key, value] : node.items()) {
      if (key == "properties" && value.is_object()) {
        for (const auto& [property, sub] : value.items()) {
          keys.emplace(property, path + "." + property);
          collect_keys(sub, path + "." + property, keys);
        }
      } else {
        collect_keys(value, path + "/" + key, keys);
      }
    }
  } else if (node.is_array()) {
    for (const auto& item : node) collect_keys(item, path, keys);
  }
}

TEST(ConfigDocs, EverySchemaKeyIsDocumented) {
  std::map<std::string, std::string> keys;
  collect_keys(schema(), "", keys);
  // Not vacuous: the schema knows the keys of every section.
  std::set<std::string> names;
  for (const auto& [key, path] : keys) names.insert(key);
  EXPECT_THAT(names, IsSupersetOf({"version", "gateway", "networks", "interface", "inbound",
                                   "held_by", "range", "ports", "protocol", "forwards", "via",
                                   "snat", "dns", "zone", "ttl", "names", "recursion"}));
  for (const auto& [key, path] : keys)
    EXPECT_NE(config_md().find("`" + key + "`"), std::string::npos)
        << "docs/config.md does not mention `" << key << "` (schema " << path << ")";
}

TEST(ConfigDocs, EverySchemaPropertyHasItsOwnDescription) {
  // Editors show a property's own description on hover; one inherited through $ref would be the
  // description of the referenced type, not of the key.
  std::function<void(const Json&, const std::string&)> walk = [&](const Json& node,
                                                                  const std::string& path) {
    if (node.is_object()) {
      if (node.contains("properties")) {
        for (const auto& [key, property] : node["properties"].items()) {
          EXPECT_TRUE(property.contains("description") &&
                      !property["description"].get<std::string>().empty())
              << "property " << path << "/properties/" << key << " has no description";
        }
      }
      for (const auto& [key, value] : node.items()) walk(value, path + "/" + key);
    } else if (node.is_array()) {
      for (size_t i = 0; i < node.size(); ++i) walk(node[i], path + "/" + std::to_string(i));
    }
  };
  walk(schema(), "#");
}

TEST(ConfigDocs, SchemaIsClosedEverywhere) {
  // Every object schema with properties rejects unknown keys, as the loader does.
  std::function<void(const Json&, const std::string&)> walk = [&](const Json& node,
                                                                  const std::string& path) {
    if (node.is_object()) {
      if (node.contains("properties")) {
        EXPECT_EQ(node.value("additionalProperties", Json(true)), Json(false))
            << "object schema at " << path << " is open";
      }
      for (const auto& [key, value] : node.items()) walk(value, path + "/" + key);
    } else if (node.is_array()) {
      for (size_t i = 0; i < node.size(); ++i) walk(node[i], path + "/" + std::to_string(i));
    }
  };
  walk(schema(), "#");
}

// --- the loader's keys, compared with the schema's -----------------------------------------------

// The keys the loader accepts in the object that `document` puts an unknown key into: the loader
// lists them in the hint "known keys: a, b, c" of its unknown-key diagnostic.
std::set<std::string> loader_keys(const std::string& document) {
  Diagnostics diagnostics;
  load_topology(document, diagnostics);
  for (const auto& d : diagnostics.all()) {
    if (d.code != "unknown-key") continue;
    const std::string prefix = "known keys: ";
    EXPECT_EQ(d.hint.rfind(prefix, 0), 0u) << "unexpected hint: " << d.hint;
    std::set<std::string> keys;
    std::stringstream list(d.hint.substr(prefix.size()));
    for (std::string key; std::getline(list, key, ',');) {
      size_t start = key.find_first_not_of(' ');
      keys.insert(start == std::string::npos ? key : key.substr(start));
    }
    return keys;
  }
  ADD_FAILURE() << "no unknown-key diagnostic for:\n" << document;
  return {};
}

TEST(ConfigDocs, SchemaKeysAreTheLoaderKeys) {
  // A key no real key is close to, so the hint lists the known keys instead of a suggestion.
  const std::string bogus = "qqqqqqqqqqqq: 1";
  const std::string net =
      "networks:\n  lan: { interface: eth0, subnet: 10.0.0.0/24, address: 10.0.0.1";
  const Json& defs = schema()["definitions"];
  struct Case {
    const char* object;
    std::string document;
    const Json& schema;
  };
  const Case cases[] = {
      {"top level", bogus + "\n" + net + " }\n", schema()},
      {"gateway", "gateway: { " + bogus + " }\n" + net + " }\n", schema()["properties"]["gateway"]},
      {"network", net + ", " + bogus + " }\n", defs["network"]},
      {"host", net + " }\nhosts:\n  h: { network: lan, address: 10.0.0.2, " + bogus + " }\n",
       defs["host"]},
      {"pool", net + " }\npools:\n  p: { network: lan, range: 10.0.0.10-20, " + bogus + " }\n",
       defs["pool"]},
      {"service",
       net + " }\nservices:\n  s: { address: 10.0.0.2, ports: { a: 1 }, " + bogus + " }\n",
       defs["service"]},
      {"service port",
       net + " }\nservices:\n  s: { address: 10.0.0.2, ports: { a: { port: 1, " + bogus +
           " } } }\n",
       defs["service_port"]},
      {"forward", net + " }\nforwards:\n  - { listen: lan:1, to: s:a, " + bogus + " }\n",
       defs["forward"]},
      {"dns", net + " }\ndns: { zone: lab, " + bogus + " }\n", schema()["properties"]["dns"]},
      {"http", net + " }\nhttp: { " + bogus + " }\n", schema()["properties"]["http"]},
      {"vlan", net + ", vlan: { id: 1, trunk: eth9, " + bogus + " } }\n",
       defs["network"]["properties"]["vlan"]},
      {"zone", net + " }\nzones:\n  z: { networks: [lan], intra: accept, " + bogus + " }\n",
       defs["zone"]},
      {"policies", net + " }\npolicies: { " + bogus + " }\n", schema()["properties"]["policies"]},
      {"policy rule", net + " }\npolicies:\n  rules:\n    - { from: a, to: b, " + bogus + " }\n",
       defs["policy_rule"]},
      {"policy log", net + " }\npolicies:\n  log: { group: 1, " + bogus + " }\n",
       schema()["properties"]["policies"]["properties"]["log"]},
      {"app", net + " }\napps:\n  a: { " + bogus + " }\n", defs["app"]},
      {"app service", net + " }\napps:\n  a: { service: { " + bogus + " } }\n",
       defs["app"]["properties"]["service"]},
      {"app ingress", net + " }\napps:\n  a: { ingress: { " + bogus + " } }\n",
       defs["app"]["properties"]["ingress"]},
      {"app gateway", net + " }\napps:\n  a: { gateway: { " + bogus + " } }\n",
       defs["app"]["properties"]["gateway"]},
      {"app tailscale", net + " }\napps:\n  a: { tailscale: { " + bogus + " } }\n",
       defs["app"]["properties"]["tailscale"]},
      {"app tls", net + " }\napps:\n  a: { tls: { " + bogus + " } }\n",
       defs["app"]["properties"]["tls"]},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.object);
    std::set<std::string> from_schema = property_names(c.schema);
    EXPECT_FALSE(from_schema.empty());
    EXPECT_EQ(loader_keys(c.document), from_schema);
  }
}

// --- the full example ---------------------------------------------------------------------------

// The fenced ```yaml blocks of docs/config.md that are whole documents (they start with
// "version:" and have networks); the others are fragments of one section.
std::vector<std::string> complete_examples() {
  std::vector<std::string> out;
  const std::string& md = config_md();
  const std::string open = "```yaml\n";
  for (size_t at = md.find(open); at != std::string::npos; at = md.find(open, at)) {
    at += open.size();
    size_t end = md.find("```", at);
    if (end == std::string::npos) break;
    std::string block = md.substr(at, end - at);
    if (block.rfind("version:", 0) == 0 && block.find("\nnetworks:") != std::string::npos)
      out.push_back(block);
    at = end + 3;
  }
  return out;
}

// Everything of a topology that matters to the reader of the example, in one comparable string.
std::string summary(const Topology& t) {
  std::ostringstream out;
  out << "gateway " << t.gateway_name << "\n";
  for (const auto& n : t.networks)
    out << "network " << n.name << " " << n.interface << " " << n.subnet.str() << " "
        << n.address.str() << " " << (n.router ? n.router->str() : "-") << " " << n.uplink << " "
        << n.masquerade << " " << to_string(n.inbound) << "\n";
  for (const auto& h : t.hosts)
    out << "host " << h.name << " " << h.network << " " << h.address.str() << " " << h.held_by
        << "\n";
  for (const auto& p : t.pools)
    out << "pool " << p.name << " " << p.network << " " << p.range.str() << "\n";
  for (const auto& s : t.services) {
    out << "service " << s.name << " " << s.address.str();
    for (const auto& p : s.ports)
      out << " " << p.name << "=" << p.port << "/" << to_string(p.protocol);
    out << "\n";
  }
  for (const auto& f : t.forwards)
    out << "forward " << f.listen_network << ":" << f.listen_port << " " << f.service << ":"
        << f.service_port << " " << to_string(f.via) << " " << f.snat << "\n";
  out << "dns " << t.dns.enabled << " " << t.dns.zone << " " << t.dns.ttl;
  for (const auto& n : t.dns.names) out << " " << n.name << "=" << n.service;
  for (const auto& u : t.dns.upstreams) out << " upstream " << u.str();
  out << "\n";
  for (const auto& a : t.apps)
    out << "app " << a.name << " " << a.backend.namespace_ << "/" << a.backend.name << ":"
        << a.backend.port << " " << to_string(a.backend.protocol) << " " << a.host() << " "
        << a.ingress_service() << " " << (a.tailscale ? a.device() : "-") << " "
        << (a.tls ? a.tls->issuer : "-") << "\n";
  return out.str();
}

TEST(ConfigDocs, FullExampleIsTheSeedAndPassesCheck) {
  auto examples = complete_examples();
  ASSERT_FALSE(examples.empty()) << "docs/config.md has no complete ```yaml example";
  Diagnostics seed_diagnostics;
  Topology seed = check_topology(read_source("examples/homelab.yaml"), seed_diagnostics);
  ASSERT_FALSE(seed_diagnostics.has_errors());
  for (const auto& text : examples) {
    Diagnostics diagnostics;
    Topology t = check_topology(text, diagnostics);
    for (const auto& d : diagnostics.all())
      ADD_FAILURE() << format_diagnostic("docs/config.md example", d);
    EXPECT_EQ(summary(t), summary(seed)) << "the full example differs from examples/homelab.yaml";
  }
}

// --- diagnostic codes ---------------------------------------------------------------------------

struct CodeUse {
  bool error = false;
  bool warning = false;
};

// The diagnostic codes a source file can emit, with the severities it emits them at:
//  - the second argument of every `error(...)` / `warning(...)` call when it is a string literal;
//  - a kebab-case string literal passed as the last argument of any other call, the way codes
//    reach a helper that reports them (e.g. known(..., "unknown-network")); these are errors.
std::map<std::string, CodeUse> codes_in(const std::string& source) {
  std::map<std::string, CodeUse> codes;
  static const std::regex call(R"(\b(error|warning)\()");
  static const std::regex code_literal(R"(^"([a-z][a-z0-9]*(-[a-z0-9]+)*)\")");
  for (auto it = std::sregex_iterator(source.begin(), source.end(), call);
       it != std::sregex_iterator(); ++it) {
    // Skip the first argument: up to the first comma outside brackets and string literals.
    size_t i = it->position(0) + it->length(0);
    int depth = 0;
    for (; i < source.size(); ++i) {
      char c = source[i];
      if (c == '"') {
        for (++i; i < source.size() && source[i] != '"'; ++i)
          if (source[i] == '\\') ++i;
      } else if (c == '(' || c == '{' || c == '[') {
        ++depth;
      } else if (c == ')' || c == '}' || c == ']') {
        if (depth-- == 0) break;  // the call ended with a single argument
      } else if (c == ',' && depth == 0) {
        break;
      }
    }
    if (i >= source.size() || source[i] != ',') continue;
    size_t start = source.find_first_not_of(" \t\r\n", i + 1);
    if (start == std::string::npos) continue;
    std::smatch m;
    std::string rest = source.substr(start, 80);
    if (std::regex_search(rest, m, code_literal)) {
      CodeUse& use = codes[m[1]];
      ((*it)[1] == "warning" ? use.warning : use.error) = true;
    }
  }
  static const std::regex last_argument(R"re("([a-z][a-z0-9]*(-[a-z0-9]+)+)"\s*\))re");
  for (auto it = std::sregex_iterator(source.begin(), source.end(), last_argument);
       it != std::sregex_iterator(); ++it) {
    std::string code = (*it)[1];
    if (!codes.count(code)) codes[code].error = true;
  }
  return codes;
}

// The files that report diagnostics of the file: the loader (loader.cc, load_*.cc, and the YAML
// reader yaml_tree.cc) and validate*.cc, relative to the source tree.
std::vector<std::string> topology_sources() {
  std::vector<std::string> out;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(LABGATE_SOURCE_DIR) + "/src/topology")) {
    std::string name = entry.path().filename().string();
    if (name == "loader.cc" || name == "yaml_tree.cc" ||
        (name.starts_with("validate") && name.ends_with(".cc")) || name == "load_context.h" ||
        (name.starts_with("load_") && name.ends_with(".cc")))
      out.push_back("src/topology/" + name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::map<std::string, CodeUse> source_codes() {
  std::map<std::string, CodeUse> all;
  for (const std::string& file : topology_sources()) {
    for (const auto& [code, use] : codes_in(read_source(file))) {
      all[code].error |= use.error;
      all[code].warning |= use.warning;
    }
  }
  return all;
}

// Rows "| `code` | severity | ..." of the tables of the section "## Diagnostics reference" of
// docs/config.md (up to the next level-2 heading), code -> severity cell.
std::map<std::string, std::string> documented_codes() {
  std::map<std::string, std::string> rows;
  static const std::regex row(R"(\n\|\s*`([a-z][a-z0-9-]*)`\s*\|\s*([a-z, ]+?)\s*\|)");
  const std::string heading = "\n## Diagnostics reference\n";
  size_t start = config_md().find(heading);
  EXPECT_NE(start, std::string::npos) << "docs/config.md has no section" << heading;
  if (start == std::string::npos) return rows;
  size_t end = config_md().find("\n## ", start + heading.size());
  const std::string md = config_md().substr(start, end - start);
  for (auto it = std::sregex_iterator(md.begin(), md.end(), row); it != std::sregex_iterator();
       ++it)
    rows[(*it)[1]] = (*it)[2];
  return rows;
}

TEST(ConfigDocs, ExtractsDiagnosticCodesFromSources) {
  // Guards the extraction itself: codes emitted directly, through a helper, and as warnings.
  auto codes = source_codes();
  EXPECT_GE(codes.size(), 20u);
  for (const char* code : {"syntax", "unknown-key", "wrong-type", "invalid-value",
                           "address-outside-subnet", "unknown-network", "unknown-service"})
    EXPECT_TRUE(codes.count(code) && codes[code].error) << code;
  EXPECT_TRUE(codes.count("unused-service") && codes["unused-service"].warning);
  // What is not a code is not extracted.
  auto sample = codes_in(
      R"(d.error({1, 2}, "first-code", fmt::format("a, b")); f(x, "not a code"); )"
      R"(d.warning(at(p + ".x"), "second-code"); known(a, "b", "third-code"); g("plain"); )"
      R"(d.error(pos_of(e.mark), "syntax", "m");)");
  std::set<std::string> names;
  for (const auto& [code, use] : sample) names.insert(code);
  EXPECT_EQ(names, (std::set<std::string>{"first-code", "second-code", "third-code", "syntax"}));
  EXPECT_TRUE(sample["second-code"].warning);
  EXPECT_FALSE(sample["second-code"].error);
}

TEST(ConfigDocs, EveryDiagnosticCodeIsDocumentedWithItsSeverity) {
  auto documented = documented_codes();
  for (const auto& [code, use] : source_codes()) {
    auto row = documented.find(code);
    if (row == documented.end()) {
      ADD_FAILURE() << "docs/config.md has no row \"| `" << code << "` | ... |\" for diagnostic "
                    << code << " of src/topology";
      continue;
    }
    if (use.error) {
      EXPECT_NE(row->second.find("error"), std::string::npos) << code;
    }
    if (use.warning) {
      EXPECT_NE(row->second.find("warning"), std::string::npos) << code;
    }
    if (!use.warning) {
      EXPECT_EQ(row->second.find("warning"), std::string::npos) << code;
    }
  }
}

TEST(ConfigDocs, EveryDocumentedCodeIsStillEmitted) {
  auto codes = source_codes();
  auto documented = documented_codes();
  EXPECT_GE(documented.size(), 20u);
  for (const auto& [code, severity] : documented)
    EXPECT_TRUE(codes.count(code))
        << "docs/config.md documents `" << code << "`, which src/topology no longer emits";
}

}  // namespace
}  // namespace labgate
