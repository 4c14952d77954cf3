#include "kernel/nft_counters.h"

#include <nlohmann/json.hpp>

#include "plan/nft_ruleset.h"

namespace labgate {

Result<std::vector<Ruleset::NamedCounter>> parse_nft_counters_json(std::string_view json_text) {
  using Out = Result<std::vector<Ruleset::NamedCounter>>;
  nlohmann::json doc = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("nftables") ||
      !doc["nftables"].is_array())
    return Out::failure("libnftables' counter listing is not the JSON it documents");
  std::vector<Ruleset::NamedCounter> out;
  for (const auto& item : doc["nftables"]) {
    if (!item.is_object() || !item.contains("counter")) continue;
    const auto& c = item["counter"];
    if (!c.is_object() || c.value("family", "") != kNftFamily ||
        c.value("table", "") != kNftTable || !c.contains("name") || !c["name"].is_string())
      continue;
    Ruleset::NamedCounter n;
    n.name = c["name"].get<std::string>();
    if (c.contains("packets") && c["packets"].is_number_unsigned())
      n.packets = c["packets"].get<uint64_t>();
    if (c.contains("bytes") && c["bytes"].is_number_unsigned())
      n.bytes = c["bytes"].get<uint64_t>();
    out.push_back(std::move(n));
  }
  return out;
}

}  // namespace labgate
