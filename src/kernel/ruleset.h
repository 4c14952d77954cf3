// The live nftables ruleset, as labgate sees it: a small interface so the apply logic
// (datapath.h) is tested with a fake, and the real one (nftables_ruleset.h) is libnftables.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "diag/status.h"

namespace labgate {

class Ruleset {
 public:
  virtual ~Ruleset() = default;

  // Parses `script` and has the kernel validate the whole batch, then aborts it: nothing changes.
  virtual Status check(const std::string& script) = 0;

  // Runs `script` as ONE transaction: all of it takes effect, or none of it.
  virtual Status run(const std::string& script) = 0;

  // The text of `list table inet labgate`, or nullopt in *table when there is no such table.
  // Stateless: counters' values are left out, so the text changes only when the rules do.
  virtual Status list_labgate_table(std::optional<std::string>* table) = 0;

  // The named counters of `table inet labgate` with their values (empty without the table).
  struct NamedCounter {
    std::string name;
    uint64_t packets = 0;
    uint64_t bytes = 0;
    bool operator==(const NamedCounter&) const = default;
  };
  virtual Status list_counters(std::vector<NamedCounter>* counters) = 0;
};

}  // namespace labgate
