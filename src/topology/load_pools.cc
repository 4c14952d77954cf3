// The `pools` section: name -> { network, range } (docs/config.md, "pools").
#include <array>

#include <fmt/format.h>

#include "topology/load_context.h"

namespace labgate {
namespace {

bool read_range(LoadContext& cx, YamlNode v, const std::string& path, Pool& pool) {
  auto r = cx.range(v, path, "'range'");
  if (r) pool.range = *r;
  return r.has_value();
}

constexpr std::array<KeyRule<Pool>, 2> kPoolKeys = {{
    {"network", true, read_reference<&Pool::network, kNetworkNoun>},
    {"range", true, read_range},
}};

}  // namespace

void load_pools(LoadContext& cx, YamlNode section) {
  for (const auto& [name, n] : cx.named_entries(section, "pools", "pool")) {
    Pool pool;
    pool.name = name;
    pool.ok = cx.read_object<Pool>(n, "pools." + name, Noun("pool", name), kPoolKeys, pool);
    cx.topology().pools.push_back(std::move(pool));
  }
}

}  // namespace labgate
