// KubeApi (k8s/doctor.h) over HTTPS with libcurl: the kubeconfig's CA (in memory), its client
// certificate and key or its bearer token.
//
// Contract — the doctor never hangs:
// - every request ends within 10 s (connect, including the TLS handshake, within 3 s); a timeout,
//   a refused certificate or an HTTP status other than 200 is a failure whose message is curl's
//   reason ("... timed out after N milliseconds ...") or the status;
// - once a request of this object timed out, every later get() fails at once, naming that
//   timeout: a server that accepts connections but never answers costs one timeout, not one per
//   check;
// - with a `budget`, no request runs past it: each request's limit is the lesser of 10 s and
//   what is left, and when nothing is left get() fails at once saying so.
// So a doctor run (cli/cmd_doctor.cc: the reachability checks concurrently, then the apps' checks
// on one object with a budget) ends within about 10 s + the budget, whatever the server does.
// The server URL may be replaced (`base_url`) to reach the same API through another address — the
// gateway's forward or the VIP — with the same CA and credentials.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "k8s/doctor.h"
#include "k8s/kubeconfig.h"

namespace labgate::k8s {

class KubeHttp : public KubeApi {
 public:
  // `base_url`: "https://HOST:PORT" (empty: the kubeconfig's server). `budget`: the most time all
  // of this object's requests may take together (none: 10 s per request, no total).
  KubeHttp(Kubeconfig config, std::string base_url = {},
           std::optional<std::chrono::milliseconds> budget = std::nullopt);
  Result<std::string> get(const std::string& path) override;

 private:
  Kubeconfig config_;
  std::string base_url_;
  std::optional<std::chrono::steady_clock::time_point> deadline_;
  std::chrono::milliseconds budget_{0};
  std::string timed_out_;  // the first timeout's message; later requests fail with it
};

}  // namespace labgate::k8s
