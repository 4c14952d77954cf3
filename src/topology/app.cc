#include "topology/app.h"

namespace labgate {

const char* to_string(BackendProtocol p) {
  return p == BackendProtocol::kHttp ? "http" : "https";
}

namespace {
const std::string kEmpty;
}

const std::string& App::host() const {
  if (ingress) return ingress->host;
  if (gateway) return gateway->host;
  return kEmpty;
}

const std::string& App::ingress_service() const {
  if (ingress) return ingress->service;
  if (gateway) return gateway->service;
  return kEmpty;
}

const std::string& App::device() const {
  return tailscale && !tailscale->device.empty() ? tailscale->device : name;
}

std::string App::tls_secret() const {
  return tls && !tls->secret.empty() ? tls->secret : name + "-tls";
}

}  // namespace labgate
