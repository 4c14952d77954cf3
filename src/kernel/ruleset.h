// The live nftables ruleset, as labgate sees it: a small interface so the apply logic
// (datapath.h) is tested with a fake, and the real one (nftables_ruleset.h) is libnftables.
#pragma once

#include <optional>
#include <string>

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
  virtual Status list_labgate_table(std::optional<std::string>* table) = 0;
};

}  // namespace labgate
