// `labgate export k8s`: the Kubernetes manifests of the file's apps (docs/k8s.md).
//
// For each app (plan/app_plan.h), in file order: an nginx Ingress (with `spec.tls` — hosts and
// secretName — when a cert-manager issuer is set, since cert-manager issues certificates only for
// Ingresses that have it) or a Gateway API HTTPRoute (with a cert-manager Certificate for the
// Gateway's listener when TLS is asked for, and a BackendTLSPolicy for the Service when the
// backend speaks HTTPS); and a Tailscale operator Ingress when the app is on
// the tailnet. Then a kustomization.yaml that lists every file in name order, with `labels:`
// (kustomize's replacement for the deprecated `commonLabels`).
//
// Contract: pure and deterministic — the same Plan gives byte-identical files (golden tests).
// Every value written was validated by the loader (labels, host names, tags), so plain or
// double-quoted YAML scalars are always safe.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "plan/app_plan.h"

namespace labgate::k8s {

struct Manifest {
  std::string file;  // e.g. "argocd.ingress.yaml"; "kustomization.yaml" last
  std::string text;
};

// The label kustomization.yaml puts on every object.
inline constexpr const char* kManagedByLabel = "app.kubernetes.io/managed-by";

// The manifests of `apps`, and kustomization.yaml last. No apps: only the kustomization.
std::vector<Manifest> render_manifests(const std::vector<AppPlan>& apps);

// What --check prints: a unified diff per file that differs from `have` (file name -> text of
// the directory's *.yaml files), files labgate would write that are missing, and *.yaml files
// of the directory labgate would not write. Empty when the directory is up to date.
std::string drift(const std::vector<Manifest>& want, const std::map<std::string, std::string>& have,
                  const std::string& dir_label);

}  // namespace labgate::k8s
