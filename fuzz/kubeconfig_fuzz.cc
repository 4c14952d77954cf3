// libFuzzer target: k8s::parse_kubeconfig (the YAML tree, the context/cluster/user lookup, base64).
// An error must carry a position in the input; a success must name an https:// server.
#include <cstddef>
#include <cstdint>
#include <string>

#include "k8s/kubeconfig.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto result = labgate::k8s::parse_kubeconfig(text, "fuzz.yaml");
  if (result.error) {
    const auto& e = *result.error;
    if (e.pos.line < 1 || e.pos.column < 1 || e.message.empty()) __builtin_trap();
  } else if (!result.config || !result.config->server.starts_with("https://")) {
    __builtin_trap();
  }
  labgate::k8s::decode_base64(text);
  return 0;
}
