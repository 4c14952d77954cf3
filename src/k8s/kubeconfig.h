// A kubeconfig file read as `labgate doctor` needs it: the current context's cluster (server URL,
// certificate-authority-data) and user (client-certificate-data + client-key-data, or a token).
//
// Contract: pure (no I/O, never throws on any input). Base64 data is decoded; file references
// (certificate-authority:, client-certificate:, tokenFile) and exec plugins are refused with a
// hint to embed the data, since doctor reads one file and runs nothing. Every error names
// FILE:LINE:COL.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "diag/diagnostic.h"

namespace labgate::k8s {

struct Kubeconfig {
  std::string context;
  std::string server;           // e.g. https://10.0.20.10:6443
  std::string ca_pem;           // decoded certificate-authority-data; empty: system CAs
  std::string client_cert_pem;  // decoded client-certificate-data
  std::string client_key_pem;   // decoded client-key-data
  std::string token;
  bool insecure_skip_tls_verify = false;
};

struct KubeconfigError {
  std::string file;
  SourcePos pos{1, 1};
  std::string message;
  std::string hint;
  // "FILE:LINE:COL: message (hint: ...)"
  std::string to_string() const;
};

struct KubeconfigResult {
  std::optional<Kubeconfig> config;
  std::optional<KubeconfigError> error;
};

KubeconfigResult parse_kubeconfig(std::string_view text, const std::string& file);

// Standard base64 (padding optional, whitespace ignored); nullopt on any other character.
std::optional<std::string> decode_base64(std::string_view text);

}  // namespace labgate::k8s
