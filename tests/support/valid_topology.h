// Loads a topology that a test states is valid: every error (with kNoDiagnostics, every warning
// too) is reported as a test failure naming its position, and the model is returned either way,
// so the test goes on and shows what else differs.
#pragma once

#include <string_view>

#include <gtest/gtest.h>

#include "diag/diagnostic.h"
#include "topology/loader.h"

namespace labgate::test_support {

enum class Allow { kWarnings, kNoDiagnostics };

inline Topology load_valid(std::string_view yaml, Allow allow = Allow::kWarnings) {
  Diagnostics d;
  Topology t = check_topology(yaml, d);
  for (const auto& x : d.all())
    if (x.severity == Severity::kError || allow == Allow::kNoDiagnostics)
      ADD_FAILURE() << format_diagnostic("<test>", x);
  return t;
}

}  // namespace labgate::test_support
