// libFuzzer target: the topology loader and validator on arbitrary bytes.
// Contract under test: any input yields diagnostics, never a crash, hang or unbounded memory; a
// file without errors compiles (the Plan, zones and policies included) into nft text.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "diag/diagnostic.h"
#include "plan/nft_ruleset.h"
#include "plan/plan.h"
#include "topology/loader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  labgate::Diagnostics diagnostics;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  labgate::Topology topology = labgate::check_topology(text, diagnostics);
  for (const auto& d : diagnostics.all()) {
    // Every diagnostic must be positioned and classed.
    if (d.pos.line < 1 || d.pos.column < 1 || d.code.empty() || d.message.empty()) __builtin_trap();
  }
  if (!diagnostics.has_errors()) {
    labgate::Plan plan = labgate::compile(topology);
    std::string table = labgate::compile_nft_table(plan.forwarding, plan.policy);
    if (table.empty()) __builtin_trap();
  }
  return 0;
}
