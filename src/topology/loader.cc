// load_topology(): the text's size, then YAML (yaml_tree), then the sections (load_*.cc).
#include "topology/loader.h"

#include <fmt/format.h>

#include "topology/load_context.h"
#include "topology/validate.h"
#include "topology/yaml_tree.h"

namespace labgate {
namespace {

// The loader proper. *readable is false when the document has no topology shape at all (it is too
// large, not YAML, empty, or not a map): validation would only echo that one problem.
Topology load(std::string_view text, Diagnostics& diagnostics, bool* readable) {
  Topology topology;
  *readable = false;
  if (text.size() > kMaxTopologyBytes) {
    diagnostics.error(
        {1, 1}, "file-too-large",
        fmt::format("the file is larger than {} bytes, the most labgate reads", kMaxTopologyBytes),
        "a topology is a few kilobytes; check that this is the right file");
    return topology;
  }
  YamlTree tree;
  if (YamlTree::Error error; !tree.parse(text, &error)) {
    diagnostics.error(error.pos, "syntax", std::move(error.message),
                      error.hint.empty() ? "check the indentation and quoting around this point"
                                         : std::move(error.hint));
    return topology;
  }
  // About one key and one value position per 16 bytes of a typical file.
  topology.where.reserve(text.size() / 8);
  LoadContext cx(topology, diagnostics);
  load_document(cx, tree.root());
  *readable = tree.root().is_map();
  return topology;
}

}  // namespace

Topology load_topology(std::string_view text, Diagnostics& diagnostics) {
  bool readable = false;
  return load(text, diagnostics, &readable);
}

Topology check_topology(std::string_view text, Diagnostics& diagnostics) {
  bool readable = false;
  Topology topology = load(text, diagnostics, &readable);
  if (readable) validate(topology, diagnostics);
  diagnostics.sort_by_position();
  return topology;
}

}  // namespace labgate
