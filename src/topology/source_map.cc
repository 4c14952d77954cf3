#include "topology/source_map.h"

namespace labgate {

SourcePos SourceMap::value(const std::string& path) const {
  return lookup(path, true);
}

SourcePos SourceMap::key(const std::string& path) const {
  return lookup(path, false);
}

SourcePos SourceMap::lookup(const std::string& path, bool prefer_value) const {
  std::string p = path;
  while (true) {
    if (auto it = positions_.find(p); it != positions_.end()) {
      if (prefer_value && it->second.value.known()) return it->second.value;
      if (it->second.key.known()) return it->second.key;
    }
    size_t dot = p.rfind('.');
    if (dot == std::string::npos) return SourcePos{1, 1};
    p.resize(dot);
    prefer_value = false;  // an enclosing entry is best pointed at by its key
  }
}

}  // namespace labgate
