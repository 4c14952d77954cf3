// KubeApi (k8s/doctor.h) over HTTPS with libcurl: the kubeconfig's CA (in memory), its client
// certificate and key or its bearer token.
//
// Contract: every request ends within 10 s (connect 3 s); a timeout, a refused certificate or an
// HTTP status other than 200 is a failure whose message is curl's reason or the status. The
// server URL may be replaced (`base_url`) to reach the same API through another address — the
// gateway's forward or the VIP — with the same CA and credentials.
#pragma once

#include <string>

#include "k8s/doctor.h"
#include "k8s/kubeconfig.h"

namespace labgate::k8s {

class KubeHttp : public KubeApi {
 public:
  // `base_url`: "https://HOST:PORT" (empty: the kubeconfig's server).
  KubeHttp(Kubeconfig config, std::string base_url = {});
  Result<std::string> get(const std::string& path) override;

 private:
  Kubeconfig config_;
  std::string base_url_;
};

}  // namespace labgate::k8s
