// libFuzzer target: importers::parse_iptables, then the import and the fragment writer, on
// arbitrary bytes. Parsing must never crash; a parsed input must import and write.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "importers/iptables_save.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  labgate::importers::ImportError error;
  auto input = labgate::importers::parse_iptables(text, &error);
  if (!input) {
    if (error.line < 1 || error.column < 1 || error.message.empty()) __builtin_trap();
    return 0;
  }
  labgate::importers::ImportNames names;
  names.networks["vmbr0"] = "lan";
  auto out = labgate::importers::write_fragment(
      labgate::importers::import_iptables(*input, names, "fuzz"));
  if (out.empty()) __builtin_trap();
  return 0;
}
