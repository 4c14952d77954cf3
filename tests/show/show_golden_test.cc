// Golden tests of `labgate show` on the seed topology, examples/homelab.yaml, and on the zones
// example, examples/homelab-vlan.yaml: the text, the JSON and the SVG rendered in process, and the
// same through the built binary. The README's picture, docs/seed.svg, must equal the seed's SVG
// too, so it cannot go stale.
//
// The expected outputs are tests/show/golden/homelab.txt, homelab.json and homelab.svg (and
// docs/seed.svg, a copy of the last), and homelab-vlan.txt, .json and .svg. After an intended
// change of the output, rewrite them and review the diff:
//
//   LABGATE_UPDATE_GOLDEN=1 build/tests/labgate_tests --gtest_filter='ShowGolden*'
//   git diff tests/show/golden
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "show/format.h"
#include "show/json.h"
#include "show/svg.h"
#include "show/text.h"
#include "topology/loader.h"

namespace labgate::show {
namespace {

// The show functions read the topology and its Plan; these tests start from a topology.
std::string render_text(const Topology& t) {
  return show::render_text(t, compile(t));
}
nlohmann::ordered_json render_json(const Topology& t) {
  return show::render_json(t, compile(t));
}

const std::string kSource = LABGATE_SOURCE_DIR;
const std::string kSeedPath = kSource + "/examples/homelab.yaml";
// The seed's routed future: VLANs, zones and policies (docs/zones.md).
const std::string kVlanPath = kSource + "/examples/homelab-vlan.yaml";
const std::string kGoldenDir = kSource + "/tests/show/golden/";

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

bool updating() {
  const char* v = std::getenv("LABGATE_UPDATE_GOLDEN");
  return v && std::string(v) == "1";
}

// The first line where two texts differ, both versions, for a readable failure message.
std::string first_difference(const std::string& actual, const std::string& expected) {
  std::istringstream a(actual), e(expected);
  std::string la, le;
  for (int line = 1;; ++line) {
    bool more_a = static_cast<bool>(std::getline(a, la));
    bool more_e = static_cast<bool>(std::getline(e, le));
    if (!more_a && !more_e) return "(they differ only in the final newline) ";
    if (!more_a || !more_e || la != le)
      return "line " + std::to_string(line) + ":\n  expected: " + (more_e ? le : "<end>") +
             "\n  actual:   " + (more_a ? la : "<end>") + "\n";
  }
}

// Compares `actual` with the golden file, or rewrites it under LABGATE_UPDATE_GOLDEN=1.
void expect_golden(const std::string& name, const std::string& actual) {
  const std::string path = kGoldenDir + name;
  if (updating()) {
    std::ofstream(path, std::ios::binary) << actual;
    return;
  }
  std::string expected = read(path);
  ASSERT_FALSE(expected.empty()) << path << " is missing; run with LABGATE_UPDATE_GOLDEN=1";
  EXPECT_TRUE(actual == expected) << first_difference(actual, expected) << "differs from " << path
                                  << "; if the change is intended, rerun with "
                                     "LABGATE_UPDATE_GOLDEN=1";
}

Topology load_example(const std::string& path) {
  Diagnostics d;
  Topology t = check_topology(read(path), d);
  EXPECT_FALSE(d.has_errors());
  return t;
}

Topology seed() {
  return load_example(kSeedPath);
}

struct CommandResult {
  int status = -1;
  std::string out;
};

// Runs the built labgate with `args`, capturing stdout (stderr is discarded).
CommandResult run_labgate(const std::string& args) {
  CommandResult r;
  std::string command = std::string(LABGATE_BINARY) + " " + args + " 2>/dev/null";
  FILE* p = popen(command.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) r.out.append(buf, n);
  int status = pclose(p);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

TEST(ShowGolden, TextOfTheSeed) {
  expect_golden("homelab.txt", render_text(seed()));
}

TEST(ShowGolden, JsonOfTheSeed) {
  expect_golden("homelab.json", render_json(seed()).dump(2) + "\n");
}

TEST(ShowGolden, BinaryPrintsTheSameTextAndJson) {
  if (updating()) GTEST_SKIP() << "golden files are being rewritten";
  CommandResult text = run_labgate("show -c " + kSeedPath);
  EXPECT_EQ(text.status, 0);
  EXPECT_TRUE(text.out == read(kGoldenDir + "homelab.txt"))
      << first_difference(text.out, read(kGoldenDir + "homelab.txt"));
  CommandResult json = run_labgate("show --json -c " + kSeedPath);
  EXPECT_EQ(json.status, 0);
  EXPECT_TRUE(json.out == read(kGoldenDir + "homelab.json"))
      << first_difference(json.out, read(kGoldenDir + "homelab.json"));
}

TEST(ShowGolden, SvgOfTheSeed) {
  Topology t = seed();
  const std::string svg = render_svg(compile(t));
  expect_golden("homelab.svg", svg);
  if (updating()) std::ofstream(kSource + "/docs/seed.svg", std::ios::binary) << svg;
}

TEST(ShowGolden, BinaryPrintsTheSameSvgAndTheReadmePictureIsCurrent) {
  if (updating()) GTEST_SKIP() << "golden files are being rewritten";
  CommandResult svg = run_labgate("show --format svg -c " + kSeedPath);
  EXPECT_EQ(svg.status, 0);
  EXPECT_TRUE(svg.out == read(kGoldenDir + "homelab.svg"))
      << first_difference(svg.out, read(kGoldenDir + "homelab.svg"));
  EXPECT_TRUE(svg.out == read(kSource + "/docs/seed.svg"))
      << "docs/seed.svg is stale: " << first_difference(svg.out, read(kSource + "/docs/seed.svg"))
      << "rerun with LABGATE_UPDATE_GOLDEN=1";
  CommandResult json = run_labgate("show --format json -c " + kSeedPath);
  EXPECT_EQ(json.status, 0);
  EXPECT_TRUE(json.out == read(kGoldenDir + "homelab.json"));
  EXPECT_NE(run_labgate("show --format png -c " + kSeedPath).status, 0);
}

// The zones example: the same three renderings, each with its zones, VLANs and policy matrix.
TEST(ShowGolden, TextJsonAndSvgOfTheZonesExample) {
  Topology t = load_example(kVlanPath);
  const Plan plan = compile(t);
  expect_golden("homelab-vlan.txt", show::render_text(t, plan));
  expect_golden("homelab-vlan.json", show::render_json(t, plan).dump(2) + "\n");
  expect_golden("homelab-vlan.svg", render_svg(plan));
}

TEST(ShowGolden, BinaryPrintsTheZonesExampleAlike) {
  if (updating()) GTEST_SKIP() << "golden files are being rewritten";
  for (const auto& [format, golden] : {std::pair{"text", "homelab-vlan.txt"},
                                       {"json", "homelab-vlan.json"},
                                       {"svg", "homelab-vlan.svg"}}) {
    CommandResult r = run_labgate(std::string("show --format ") + format + " -c " + kVlanPath);
    EXPECT_EQ(r.status, 0) << format;
    EXPECT_TRUE(r.out == read(kGoldenDir + golden))
        << format << ": " << first_difference(r.out, read(kGoldenDir + golden));
  }
}

TEST(ShowCli, ConfigErrorsExitTwoAndPrintNoPlan) {
  const std::string path = ::testing::TempDir() + "/show_bad.yaml";
  std::ofstream(path) << "networks:\n  lan: { interface: eth0, subnet: 10.0.0.0/24, address: "
                         "10.1.0.1 }\n";
  CommandResult r = run_labgate("show -c " + path);
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.out, "");
  CommandResult missing = run_labgate("show -c " + path + ".does-not-exist");
  EXPECT_EQ(missing.status, 1);
  std::remove(path.c_str());
}

TEST(ShowText, FitsA100ColumnTerminal) {
  for (const auto& path : {kSeedPath, kVlanPath}) {
    std::istringstream lines(render_text(load_example(path)));
    for (std::string line; std::getline(lines, line);) {
      EXPECT_LE(display_width(line), 100u) << path << ": " << line;
      EXPECT_TRUE(line.empty() || line.back() != ' ') << "trailing space: '" << line << "'";
    }
  }
}

// Every key the JSON uses is documented in docs/show-json.md, written as `key`.
void collect_keys(const nlohmann::ordered_json& j, std::set<std::string>& keys) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      keys.insert(it.key());
      collect_keys(it.value(), keys);
    }
  } else if (j.is_array()) {
    for (const auto& e : j) collect_keys(e, keys);
  }
}

TEST(ShowJson, EveryFieldIsDocumented) {
  const std::string doc = read(kSource + "/docs/show-json.md");
  ASSERT_FALSE(doc.empty());
  std::set<std::string> keys;
  collect_keys(render_json(seed()), keys);
  collect_keys(render_json(load_example(kVlanPath)), keys);
  EXPECT_GT(keys.size(), 30u);
  for (const auto& k : keys)
    EXPECT_NE(doc.find("`" + k + "`"), std::string::npos)
        << "docs/show-json.md lacks `" << k << "`";
  auto j = render_json(seed());
  EXPECT_EQ(j.begin().key(), "schema_version");
  EXPECT_EQ(j["schema_version"], 1);
  // `zones` only with `zones:`, so that the seed's output is what it was before zones existed.
  EXPECT_FALSE(j.contains("zones"));
  EXPECT_TRUE(render_json(load_example(kVlanPath)).contains("zones"));
}

}  // namespace
}  // namespace labgate::show
