// How a reload's list of proxy forwards relates to the running one (TCP and UDP alike).
//
// A forward is identified by its listen address: a new forward on the address of a running one
// is that forward kept (unchanged, or changed if any setting differs); a running forward whose
// address is in no new forward is removed; the rest are added. Pure.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

namespace labgate::proxy {

struct ForwardDiff {
  // For each new forward: the index of the current forward on the same address, if any.
  std::vector<std::optional<size_t>> kept_from;
  std::vector<size_t> removed;  // current forwards whose address is gone
  size_t added = 0, changed = 0, unchanged = 0;
};

// `Forward` has a `listen` address and operator==.
template <typename Forward>
ForwardDiff diff_forwards(const std::vector<Forward>& current, const std::vector<Forward>& next) {
  ForwardDiff d;
  std::vector<bool> matched(current.size(), false);
  for (const auto& n : next) {
    std::optional<size_t> from;
    for (size_t i = 0; i < current.size() && !from; ++i)
      if (!matched[i] && current[i].listen == n.listen) from = i;
    d.kept_from.push_back(from);
    if (!from) {
      ++d.added;
      continue;
    }
    matched[*from] = true;
    if (current[*from] == n)
      ++d.unchanged;
    else
      ++d.changed;
  }
  for (size_t i = 0; i < current.size(); ++i)
    if (!matched[i]) d.removed.push_back(i);
  return d;
}

}  // namespace labgate::proxy
