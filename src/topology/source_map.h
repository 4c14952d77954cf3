// Where each part of a topology came from in its file.
//
// Paths are the dotted keys of the YAML document ("networks.lan.address", "forwards.2.to").
// The loader records the position of every key and of every value at the same path, so a
// diagnostic can point at the value that is wrong, or at the key when the value is missing.
// One entry per path holds both (a large file records tens of thousands of paths; one string and
// one hash per path, not two, is what keeps recording them cheap).
#pragma once

#include <string>
#include <unordered_map>

#include "diag/diagnostic.h"

namespace labgate {

class SourceMap {
 public:
  void set_key(const std::string& path, SourcePos pos) { positions_[path].key = pos; }
  void set_value(const std::string& path, SourcePos pos) { positions_[path].value = pos; }
  // Both at once: the common case of a map entry.
  void set(std::string&& path, SourcePos key, SourcePos value) {
    positions_.insert_or_assign(std::move(path), Entry{key, value});
  }
  // Room for `entries` paths without rehashing.
  void reserve(size_t entries) { positions_.reserve(entries); }

  // The position of the value at `path`, falling back to its key, then to the nearest enclosing
  // path that has a position, then to line 1 column 1.
  SourcePos value(const std::string& path) const;
  // The position of the key at `path`, with the same fallbacks.
  SourcePos key(const std::string& path) const;

 private:
  struct Entry {
    SourcePos key;    // unknown (line 0) until recorded
    SourcePos value;  // likewise
  };
  SourcePos lookup(const std::string& path, bool prefer_value) const;
  std::unordered_map<std::string, Entry> positions_;
};

}  // namespace labgate
