#include "proxy/backend_pool.h"

#include <algorithm>

namespace labgate::proxy {

std::optional<size_t> choose_backend(Balance balance, const BackendStates& backends,
                                     uint64_t ticket, uint64_t tried) {
  const size_t n = std::min(backends.size(), kMaxBackends);
  if (n == 0) return std::nullopt;
  const size_t start = static_cast<size_t>(ticket % n);
  for (bool want_up : {true, false}) {
    std::optional<size_t> best;
    uint32_t best_active = 0;
    size_t candidates[kMaxBackends];
    size_t count = 0;
    for (size_t k = 0; k < n; ++k) {
      size_t i = balance == Balance::kRoundRobin ? k : (start + k) % n;
      if (tried & (uint64_t{1} << i)) continue;
      if (backends[i]->up.load(std::memory_order_relaxed) != want_up) continue;
      if (balance == Balance::kRoundRobin) {
        candidates[count++] = i;
        continue;
      }
      uint32_t active = backends[i]->active.load(std::memory_order_relaxed);
      if (!best || active < best_active) {
        best = i;
        best_active = active;
      }
    }
    // The ticket-th of the candidates, so turns stay even when some backends are left out.
    if (count > 0) return candidates[static_cast<size_t>(ticket % count)];
    if (best) return best;
  }
  return std::nullopt;
}

}  // namespace labgate::proxy
