// `labgate import k8s`: Kubernetes manifests (multi-document YAML, kustomize directories) into the
// `apps` and `services` of a labgate file (docs/k8s.md).
//
// Reads Ingresses of any class (nginx ones become `ingress`, tailscale ones `tailscale`, on the
// app of the same backend Service), Gateway API HTTPRoutes (`gateway`) with the BackendTLSPolicy
// of their Service (`protocol: https`, and `ca` when it names a ConfigMap), and Services of type
// LoadBalancer (`services`; the one serving HTTP(S) becomes `ingress`, the name apps reach the
// controller by). Whatever an app cannot say — another ingress class, several hosts or paths, a
// path other than "/", unknown annotations, an issuer annotation without spec.tls — becomes a
// comment, so nothing is dropped silently. Other kinds are listed as not expressed. A `List`
// (what `kubectl get KIND -o yaml` prints) or a typed `*List` (IngressList, as the API answers;
// its items may omit kind and apiVersion) is read item by item, each as its own document at its
// own line; a List inside a List is an error.
//
// Contract: pure, no exceptions. A document that is not YAML, or an object without the fields
// every object has, stops the import with FILE:LINE:COL.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "importers/fragment.h"

namespace labgate::importers {

struct ManifestFile {
  std::string name;  // as given on the command line, for messages
  std::string text;
};

// The error of an import that stopped, with the file it is in.
struct ManifestError {
  std::string file;
  ImportError error;
  std::string str() const { return format_import_error(file, error); }
};

struct K8sImport {
  Fragment fragment;
  std::optional<ManifestError> error;  // set: the import stopped here; fragment is empty
};

K8sImport import_k8s(const std::vector<ManifestFile>& files);

// The `resources:` of a kustomization.yaml, in order; an error at FILE:LINE:COL when it is not
// YAML or `resources` is not a list of strings.
struct KustomizationResources {
  std::vector<std::string> resources;
  std::optional<ManifestError> error;
};
KustomizationResources kustomization_resources(const ManifestFile& file);

}  // namespace labgate::importers
