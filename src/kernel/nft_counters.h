// The named counters of `table inet labgate` as libnftables reports them in JSON
// (`list counters table inet labgate`, libnftables-json(5)): one object per counter,
// {"counter": {"family", "name", "table", "handle", "packets", "bytes"}}, after a "metainfo".
//
// Contract: pure. Only counters of table inet labgate are returned, in the listed order; other
// objects are skipped. Text that is not that JSON is a failure, never an exception.
#pragma once

#include <string_view>
#include <vector>

#include "diag/result.h"
#include "kernel/ruleset.h"

namespace labgate {

Result<std::vector<Ruleset::NamedCounter>> parse_nft_counters_json(std::string_view json_text);

}  // namespace labgate
