#include "topology/yaml_tree.h"

#include <libfyaml.h>

#include <memory>
#include <string>
#include <unordered_map>

#include <fmt/format.h>

namespace labgate {
namespace {

constexpr const char* kSecondDocument =
    "the file holds more than one YAML document; labgate reads one";
constexpr const char* kSecondDocumentHint = "remove the '---' line, or keep one topology per file";

constexpr size_t kMaxDepth = 64;

// The line and column of byte `at` of `text`, counting line breaks as YAML does (LF, CRLF, CR)
// and columns in characters (UTF-8 continuation bytes do not count).
SourcePos position_of(std::string_view text, size_t at) {
  SourcePos pos{1, 1};
  for (size_t i = 0; i < at; ++i) {
    char c = text[i];
    if (c == '\n' || (c == '\r' && (i + 1 >= text.size() || text[i + 1] != '\n'))) {
      ++pos.line;
      pos.column = 1;
    } else if (c != '\r' && (static_cast<unsigned char>(c) & 0xc0) != 0x80) {
      ++pos.column;
    }
  }
  return pos;
}

SourcePos pos_of(const fy_mark* m) {
  if (m == nullptr) return {1, 1};
  return {m->line + 1, m->column + 1};
}

std::string token_text(fy_token* t) {
  size_t len = 0;
  const char* p = t ? fy_token_get_text(t, &len) : nullptr;
  return p ? std::string(p, len) : std::string();
}

// YAML 1.2's core schema: a plain scalar that is empty, '~' or null (in three spellings) is null.
bool is_null_text(const std::string& s) {
  return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL";
}

// libfyaml 0.7.12 does not free the errors a diag object collected when the object is freed;
// turning collection off frees them (found by the fuzz target under LeakSanitizer).
struct DiagUnref {
  void operator()(fy_diag* d) const {
    fy_diag_set_collect_errors(d, false);
    fy_diag_unref(d);
  }
};
struct ParserDeleter {
  void operator()(fy_parser* p) const { fy_parser_destroy(p); }
};
struct EventFree {
  fy_parser* parser;
  void operator()(fy_event* e) const { fy_parser_event_free(parser, e); }
};

}  // namespace

YamlKind YamlNode::kind() const {
  return tree_ ? tree_->nodes_[index_].kind : YamlKind::kNull;
}

const std::string& YamlNode::text() const {
  static const std::string kEmpty;
  return tree_ ? tree_->nodes_[index_].text : kEmpty;
}

SourcePos YamlNode::pos() const {
  return tree_ ? tree_->nodes_[index_].pos : SourcePos{1, 1};
}

size_t YamlNode::size() const {
  return tree_ ? tree_->nodes_[index_].size : 0;
}

YamlNode YamlNode::item(size_t i) const {
  return YamlNode(tree_, tree_->children_[tree_->nodes_[index_].first + i]);
}

YamlNode YamlNode::key(size_t i) const {
  return YamlNode(tree_, tree_->children_[tree_->nodes_[index_].first + 2 * i]);
}

YamlNode YamlNode::value(size_t i) const {
  return YamlNode(tree_, tree_->children_[tree_->nodes_[index_].first + 2 * i + 1]);
}

const char* kind_name(YamlNode n) {
  switch (n.kind()) {
    case YamlKind::kMap:
      return "a map";
    case YamlKind::kList:
      return "a list";
    case YamlKind::kScalar:
      return "a scalar";
    case YamlKind::kNull:
      return "nothing";
  }
  return "nothing";
}

namespace {

// "%YAML 1.2", with optional trailing blanks and a comment: the one directive a file may carry.
bool is_yaml_version_directive(std::string_view line) {
  constexpr std::string_view kPrefix = "%YAML 1.";
  if (!line.starts_with(kPrefix)) return false;
  size_t i = kPrefix.size();
  const size_t digits = i;
  while (i < line.size() && line[i] >= '0' && line[i] <= '9') ++i;
  if (i == digits) return false;
  while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
  return i == line.size() || line[i] == '#';
}

}  // namespace

bool YamlTree::parse(std::string_view text, Error* error) {
  nodes_.clear();
  children_.clear();
  nodes_.push_back(Node{});  // index 0: the null root of an empty document
  root_ = 0;
  // A topology holds about one node per 12 bytes.
  nodes_.reserve(text.size() / 12 + 16);
  children_.reserve(text.size() / 12 + 16);

  auto fail = [&](SourcePos pos, std::string message, std::string hint = {}) {
    error->pos = pos;
    error->message = std::move(message);
    error->hint = std::move(hint);
    return false;
  };
  // libfyaml ends its input at a NUL byte and would read the text before it as the whole file.
  if (size_t nul = text.find('\0'); nul != std::string_view::npos)
    return fail(position_of(text, nul), "the file contains a NUL byte; a labgate file is text",
                "remove the NUL byte; check that the file is UTF-8 text, not UTF-16 or binary");
  // libfyaml 0.7's directive scanner can loop forever on a malformed `%` line (found by
  // fuzz/kubeconfig_fuzz.cc). No labgate file, manifest or kubeconfig needs a directive beyond
  // `%YAML 1.x`, so every other line that starts with `%` is refused before libfyaml sees the text.
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%' || (i > 0 && text[i - 1] != '\n' && text[i - 1] != '\r')) continue;
    if (!is_yaml_version_directive(text.substr(i, text.find_first_of("\r\n", i) - i)))
      return fail(position_of(text, i), "YAML directives other than %YAML 1.x are not supported",
                  "remove the line that starts with '%'; quote a value that starts with it");
  }

  // libfyaml's diagnostics are collected, never printed: the first error becomes ours.
  fy_diag_cfg diag_cfg{};
  fy_diag_cfg_default(&diag_cfg);
  diag_cfg.fp = nullptr;
  diag_cfg.output_fn = [](fy_diag*, void*, const char*, size_t) {};
  std::unique_ptr<fy_diag, DiagUnref> diag(fy_diag_create(&diag_cfg));
  if (!diag) {
    error->message = "the YAML parser could not be started";
    return false;
  }
  fy_diag_set_collect_errors(diag.get(), true);
  fy_parse_cfg cfg{};
  cfg.flags = static_cast<fy_parse_cfg_flags>(FYPCF_QUIET | FYPCF_COLLECT_DIAG);
  cfg.diag = diag.get();
  std::unique_ptr<fy_parser, ParserDeleter> parser(fy_parser_create(&cfg));
  if (!parser || fy_parser_set_string(parser.get(), text.data(), text.size()) != 0) {
    error->message = "the YAML parser could not be started";
    return false;
  }
  // The open maps and lists, innermost last, each with the children collected so far. The
  // vectors are kept for reuse at each depth.
  struct Open {
    uint32_t node;
    std::vector<uint32_t> children;
  };
  std::vector<Open> open;
  size_t depth = 0;
  std::unordered_map<std::string, uint32_t> anchors;
  std::vector<bool> complete;  // per node: its end has been read (an alias may refer to it)
  complete.push_back(true);
  int documents = 0;
  bool have_root = false;

  // Adds node `index` as the next child of the innermost open collection, or as the root.
  auto attach = [&](uint32_t index) {
    if (depth == 0) {
      root_ = index;
      have_root = true;
    } else {
      open[depth - 1].children.push_back(index);
    }
  };
  // The position of `m`, or of the character before it on the same line when that is `c` (the
  // quote or '*' that libfyaml's mark leaves out).
  auto mark_before = [&](const fy_mark* m, char c) -> SourcePos {
    SourcePos pos = pos_of(m);
    if (m && c && m->column > 0 && m->input_pos > 0 && m->input_pos <= text.size() &&
        text[m->input_pos - 1] == c)
      --pos.column;
    return pos;
  };
  auto new_node = [&](YamlKind kind, SourcePos pos, fy_token* anchor) -> uint32_t {
    auto index = static_cast<uint32_t>(nodes_.size());
    nodes_.push_back(Node{kind, pos, 0, 0, {}});
    complete.push_back(kind == YamlKind::kScalar || kind == YamlKind::kNull);
    if (anchor) anchors[token_text(anchor)] = index;
    return index;
  };

  while (true) {
    std::unique_ptr<fy_event, EventFree> event(fy_parser_parse(parser.get()),
                                               EventFree{parser.get()});
    if (!event) break;
    fy_event* e = event.get();
    if (documents == 2 && e->type != FYET_DOCUMENT_START && e->type != FYET_DOCUMENT_END &&
        e->type != FYET_STREAM_END)
      return fail(pos_of(fy_event_start_mark(e)), kSecondDocument, kSecondDocumentHint);
    if (documents == 2 && e->type == FYET_STREAM_END)
      return fail({1, 1}, kSecondDocument, kSecondDocumentHint);
    switch (e->type) {
      case FYET_DOCUMENT_START:
        // An implicit second document (after '...') has no marker: it is found at its content.
        if (++documents == 2 && !e->document_start.implicit)
          return fail(pos_of(fy_event_start_mark(e)), kSecondDocument, kSecondDocumentHint);
        break;
      case FYET_MAPPING_START:
      case FYET_SEQUENCE_START: {
        // A topology nests a few levels; a limit keeps hostile nesting cheap for every reader.
        if (depth >= kMaxDepth)
          return fail(pos_of(fy_event_start_mark(e)), "the document nests too deeply to be read",
                      "a topology nests a few levels deep; check for unclosed brackets");
        bool map = e->type == FYET_MAPPING_START;
        fy_token* anchor = map ? e->mapping_start.anchor : e->sequence_start.anchor;
        uint32_t index = new_node(map ? YamlKind::kMap : YamlKind::kList,
                                  pos_of(fy_event_start_mark(e)), anchor);
        attach(index);
        if (open.size() == depth) open.push_back(Open{});
        open[depth].node = index;
        open[depth].children.clear();
        ++depth;
        break;
      }
      case FYET_MAPPING_END:
      case FYET_SEQUENCE_END: {
        Open& o = open[--depth];
        Node& n = nodes_[o.node];
        n.first = static_cast<uint32_t>(children_.size());
        n.size = static_cast<uint32_t>(n.kind == YamlKind::kMap ? o.children.size() / 2
                                                                : o.children.size());
        children_.insert(children_.end(), o.children.begin(), o.children.end());
        complete[o.node] = true;
        break;
      }
      case FYET_SCALAR: {
        std::string value = token_text(e->scalar.value);
        fy_scalar_style style = fy_token_scalar_style(e->scalar.value);
        bool plain = style == FYSS_PLAIN;
        bool null = plain && e->scalar.tag == nullptr && is_null_text(value);
        // libfyaml marks a quoted scalar after its opening quote; a position names the quote.
        char quote = style == FYSS_SINGLE_QUOTED ? '\'' : style == FYSS_DOUBLE_QUOTED ? '"' : 0;
        uint32_t index = new_node(null ? YamlKind::kNull : YamlKind::kScalar,
                                  mark_before(fy_event_start_mark(e), quote), e->scalar.anchor);
        if (!null) nodes_[index].text = std::move(value);
        attach(index);
        break;
      }
      case FYET_ALIAS: {
        std::string name = token_text(e->alias.anchor);
        SourcePos pos = mark_before(fy_event_start_mark(e), '*');
        auto it = anchors.find(name);
        if (it == anchors.end())
          return fail(pos, fmt::format("the alias '*{}' names no anchor before it", name),
                      "define '&NAME' on a value before using '*NAME'");
        if (!complete[it->second])
          return fail(pos, fmt::format("the alias '*{}' is inside the value it names", name),
                      "an alias cannot contain itself");
        attach(it->second);
        break;
      }
      default:
        break;
    }
  }
  if (fy_parser_get_stream_error(parser.get())) {
    error->pos = {1, 1};
    error->message = "invalid YAML";
    error->hint = "check the indentation and quoting around this point";
    void* iter = nullptr;
    if (fy_diag_error* err = fy_diag_errors_iterate(diag.get(), &iter)) {
      error->pos = {err->line, err->column};  // libfyaml's error positions are 1-based
      // A token over several lines (a key indented unlike its siblings reads as the end of a
      // multi-line plain value) is wrong where it ends, at the ':' of the misplaced key.
      const fy_mark* start = err->fyt ? fy_token_start_mark(err->fyt) : nullptr;
      const fy_mark* end = err->fyt ? fy_token_end_mark(err->fyt) : nullptr;
      if (start && end && end->line > start->line) {
        error->pos = pos_of(end);
        error->hint = "check this line's indentation against the lines above it";
      }
      if (error->pos.line < 1 || error->pos.column < 1) error->pos = {1, 1};
      if (err->msg && *err->msg) error->message = err->msg;
    }
    return false;
  }
  (void)have_root;
  return true;
}

}  // namespace labgate
