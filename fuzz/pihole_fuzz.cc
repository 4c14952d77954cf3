// libFuzzer target: importers::parse_custom_list and parse_pihole_toml, then the import and the
// fragment writer. The first byte picks the parser ('T': TOML, else custom.list).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "importers/pihole.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  bool toml = data[0] == 'T';
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  labgate::importers::ImportError error;
  auto records = toml ? labgate::importers::parse_pihole_toml(text, &error)
                      : labgate::importers::parse_custom_list(text, &error);
  if (!records) {
    if (error.line < 1 || error.column < 1 || error.message.empty()) __builtin_trap();
    return 0;
  }
  auto out =
      labgate::importers::write_fragment(labgate::importers::import_pihole(*records, {}, "fuzz"));
  if (out.empty()) __builtin_trap();
  return 0;
}
