#include "cli/commands.h"

#include <algorithm>

namespace labgate {
namespace {

std::vector<std::pair<int, AddCommand>>& registry() {
  static std::vector<std::pair<int, AddCommand>> commands;
  return commands;
}

}  // namespace

CommandRegistration::CommandRegistration(int order, AddCommand add) {
  registry().emplace_back(order, add);
}

std::vector<AddCommand> registered_commands() {
  auto sorted = registry();
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<AddCommand> out;
  for (const auto& [order, add] : sorted) out.push_back(add);
  return out;
}

}  // namespace labgate
