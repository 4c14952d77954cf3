// `labgate doctor`: the seed's "Troubleshooting Tailscale" list as checks against the live
// Kubernetes API (docs/k8s.md).
//
// From the Plan's apps and what `export k8s` writes for them (k8s/manifests.h), each check reads
// API responses through KubeApi (JSON bodies, shapes of the Kubernetes API reference) and compares:
//   ingressclass NAME           the IngressClasses the apps use (nginx, tailscale) exist
//   gateway NS/NAME             the Gateway an app's route attaches to exists, Programmed=True
//   ingress|httproute NS/NAME   the object exists with the class, host, TLS and backend export
//                               writes
//   httproute status NS/NAME    the route's status from its Gateway: Accepted, ResolvedRefs True
//   certificate NS/NAME         an app with tls: cert-manager's Certificate exists, Ready=True
//   backendtlspolicy NS/NAME    an HTTPS backend's policy: target, hostname, CA as export writes
//   endpoints NS/SERVICE        the backing Service has a ready endpoint (EndpointSlices)
//   tailscale hostname NS/NAME  the Tailscale Ingress holds its ts.net hostname in its status
//   tailscale proxy NS/NAME     the operator's proxy pod for that Ingress is Running
//   warnings NS                 no Warning events (the tailscale namespace; the apps' objects)
// An API error (timeout, refused certificate, HTTP status) fails the check that needed it, with
// the reason as observed.
//
// Contract: pure apart from KubeApi::get; one request per path (answers are cached per run).
#pragma once

#include <string>
#include <vector>

#include "diag/result.h"
#include "plan/app_plan.h"

namespace labgate::k8s {

// GET of an API path (with its query) returning the body; a failure carries the reason.
class KubeApi {
 public:
  virtual ~KubeApi() = default;
  virtual Result<std::string> get(const std::string& path) = 0;
};

struct DoctorCheck {
  std::string name;
  std::string expected;
  std::string observed;
  bool pass = false;
  std::string hint;  // for a failure
};

// The checks of the apps, in a stable order (classes, then per app, then warnings).
std::vector<DoctorCheck> run_doctor(const std::vector<AppPlan>& apps, KubeApi& api);

// "api reachable (LABEL)": GET /version answers with a gitVersion.
DoctorCheck check_api_reachable(KubeApi& api, const std::string& label);

// The table (check, expected, observed, PASS/FAIL, and a hint line under each failure).
std::string doctor_table(const std::vector<DoctorCheck>& checks);
// {"checks":[{"check","expected","observed","pass","hint"}],"pass":bool}
std::string doctor_json(const std::vector<DoctorCheck>& checks);
bool all_pass(const std::vector<DoctorCheck>& checks);

}  // namespace labgate::k8s
