// The backends of one proxy forward as every relay loop sees them: whether each is up, how many
// connections it has, and the choice of a backend for a new connection.
//
// Sharing: a BackendState is read and written by every loop with relaxed atomics (no lock on the
// data path). Only the health checker turns a backend up; a loop may turn one down on a failed
// connect (passive marking), and tells the checker so through `passive_failures`.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "topology/topology.h"

namespace labgate::proxy {

inline constexpr size_t kMaxBackends = 64;  // a `tried` set is one bit per backend

struct BackendState {
  std::atomic<bool> up{true};                 // a new backend is up until checks say otherwise
  std::atomic<uint32_t> active{0};            // connections to it now, connecting or relaying
  std::atomic<uint32_t> passive_failures{0};  // failed connects of real connections, ever
};

using BackendStates = std::vector<std::shared_ptr<BackendState>>;

// The backend for a new connection, among backends[0, n) (n <= kMaxBackends), leaving out those
// whose bit is set in `tried` (the ones this connection already failed to reach). Among the
// healthy ones, round-robin takes the (ticket % count)-th, so each gets an even share of the
// tickets; least-connections the one with the fewest active connections, ties broken by the
// first at or after `ticket % n`. When no untried backend is
// up, the same rule picks among the untried ones that are down: a check may lag behind a backend
// that came back, and trying it beats a certain refusal. nullopt: every backend was tried.
std::optional<size_t> choose_backend(Balance balance, const BackendStates& backends,
                                     uint64_t ticket, uint64_t tried);

}  // namespace labgate::proxy
