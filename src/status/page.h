// The status page served at `/` by `labgate run`: one self-contained HTML document (inline CSS
// and JavaScript, no external asset), kept in src/status/page.html and built into the binary.
// It draws /topology.svg and refreshes its tables from /api/status (docs/observability.md).
#pragma once

#include <string_view>

namespace labgate::status {

std::string_view status_page_html();

}  // namespace labgate::status
