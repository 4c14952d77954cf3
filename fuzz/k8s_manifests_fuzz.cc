// libFuzzer target: importers::import_k8s (the multi-document splitter, the YAML tree, the object
// readers) and the fragment writer; and kustomization_resources. An error must carry a position
// in the input; an import that succeeds must write a fragment.
#include <cstddef>
#include <cstdint>
#include <string>

#include "importers/k8s_manifests.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto result = labgate::importers::import_k8s({{"fuzz.yaml", text}});
  if (result.error) {
    const auto& e = result.error->error;
    if (e.line < 1 || e.column < 1 || e.message.empty()) __builtin_trap();
  } else if (labgate::importers::write_fragment(result.fragment).empty()) {
    __builtin_trap();
  }
  auto k = labgate::importers::kustomization_resources({"kustomization.yaml", text});
  if (k.error && (k.error->error.line < 1 || k.error->error.column < 1)) __builtin_trap();
  return 0;
}
