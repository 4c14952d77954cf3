// A YAML document as a small read-only tree with positions: what the loader reads.
//
// Built from libfyaml's event stream (its parser, without its document builder) into one arena of
// nodes, so a 5,000-host file costs one pass and a few allocations instead of a graph of
// reference-counted nodes. The tree keeps exactly what the loader needs: each node's kind, its
// scalar text (escapes resolved), whether a scalar was written plain, and the line and column
// where it starts. Map entries stay in file order and duplicates are kept (the loader reports
// them as duplicate-key); '<<' is an ordinary key (merge keys are not applied). An alias is the
// anchored node itself, shared.
//
// Contract: parse() never throws on any input and does no I/O. On success the tree has exactly
// one document (possibly null); otherwise it reports one syntax error with its position: a YAML
// error, an undefined alias, an alias to a node that contains it, or a second document.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "diag/diagnostic.h"

namespace labgate {

class YamlTree;

enum class YamlKind : uint8_t { kNull, kScalar, kMap, kList };

// A handle on one node of a YamlTree; valid while the tree lives. Cheap to copy.
class YamlNode {
 public:
  YamlNode() = default;
  YamlNode(const YamlTree* tree, uint32_t index) : tree_(tree), index_(index) {}

  YamlKind kind() const;
  bool is_null() const { return kind() == YamlKind::kNull; }
  bool is_scalar() const { return kind() == YamlKind::kScalar; }
  bool is_map() const { return kind() == YamlKind::kMap; }
  bool is_list() const { return kind() == YamlKind::kList; }
  // The scalar's text; empty for other kinds.
  const std::string& text() const;
  // Where the node starts (1-based line and column).
  SourcePos pos() const;

  // Entries of a map, items of a list; 0 for scalars and nulls.
  size_t size() const;
  // The i-th item of a list.
  YamlNode item(size_t i) const;
  // The i-th entry of a map, in file order.
  YamlNode key(size_t i) const;
  YamlNode value(size_t i) const;

 private:
  const YamlTree* tree_ = nullptr;
  uint32_t index_ = 0;
};

// "a map", "a list", "a scalar", "nothing": the kind of a node as a message names it.
const char* kind_name(YamlNode n);

class YamlTree {
 public:
  // Parses `text`. Returns false and sets *error (its pos, message) on a syntax error.
  struct Error {
    SourcePos pos{1, 1};
    std::string message;
    std::string hint;
  };
  bool parse(std::string_view text, Error* error);

  // The document's root; a null node for an empty document.
  YamlNode root() const { return YamlNode(this, root_); }

 private:
  friend class YamlNode;
  struct Node {
    YamlKind kind = YamlKind::kNull;
    SourcePos pos;
    uint32_t first = 0;  // maps: 2*size children (key, value, ...); lists: size children
    uint32_t size = 0;
    std::string text;
  };
  std::vector<Node> nodes_;
  std::vector<uint32_t> children_;  // the children of each map and list, contiguous per node
  uint32_t root_ = 0;
};

}  // namespace labgate
