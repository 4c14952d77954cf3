// Validates Kubernetes objects offline against the API schemas of the npm packages
// kubernetes-models (Ingress) and @kubernetes-models/gateway-api (HTTPRoute; BackendTLSPolicy v1
// from the package's 2.x, the first to ship gateway.networking.k8s.io/v1 BackendTLSPolicy — 0.5.1
// has only v1alpha2 — installed apart in GATEWAY_V1_MODULES_DIR since it wants kubernetes-models 5;
// it is an ES module, loaded with import()).
//
// usage: node validate_objects.cjs NODE_MODULES_DIR OBJECTS.json GATEWAY_V1_MODULES_DIR
// OBJECTS.json: [{ "file": NAME, "object": {...} }, ...]. Prints one line per object, "ok FILE KIND"
// or "invalid FILE KIND: why"; exits 1 if any object is invalid or of a kind it cannot check.
"use strict";
const path = require("path");
const fs = require("fs");
const [modules, objectsFile, gatewayV1Modules] = process.argv.slice(2);
const need = (m) => require(path.join(modules, m));
const { Ingress } = need("kubernetes-models/networking.k8s.io/v1/Ingress");
const { HTTPRoute } = need("@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute");

// cert-manager's Certificate is in neither package: its required fields (cert-manager.io/v1 API
// reference) are checked by hand, so it is not waved through.
function checkCertificate(o) {
  const s = o.spec || {};
  if (typeof s.secretName !== "string" || !s.secretName) throw new Error("spec.secretName must be a string");
  if (!Array.isArray(s.dnsNames) || !s.dnsNames.every((n) => typeof n === "string"))
    throw new Error("spec.dnsNames must be a list of strings");
  if (!s.issuerRef || typeof s.issuerRef.name !== "string") throw new Error("spec.issuerRef.name must be a string");
}

// kustomize's Kustomization: the fields labgate writes, and no deprecated commonLabels.
function checkKustomization(o) {
  if (o.commonLabels !== undefined) throw new Error("commonLabels is deprecated; use labels");
  if (!Array.isArray(o.labels) || !o.labels.every((l) => l.pairs && typeof l.pairs === "object"))
    throw new Error("labels must be a list of {pairs}");
  if (!Array.isArray(o.resources) || !o.resources.every((r) => typeof r === "string"))
    throw new Error("resources must be a list of file names");
}

async function main() {
  const { BackendTLSPolicy } = await import(
    path.join(gatewayV1Modules, "@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/BackendTLSPolicy.js"));
  const checks = {
    "networking.k8s.io/v1/Ingress": (o) => new Ingress(o).validate(),
    "gateway.networking.k8s.io/v1/BackendTLSPolicy": (o) => new BackendTLSPolicy(o).validate(),
    "gateway.networking.k8s.io/v1/HTTPRoute": (o) => new HTTPRoute(o).validate(),
    "cert-manager.io/v1/Certificate": checkCertificate,
    "kustomize.config.k8s.io/v1beta1/Kustomization": checkKustomization,
  };

  let bad = 0;
  for (const { file, object } of JSON.parse(fs.readFileSync(objectsFile, "utf8"))) {
    const kind = `${object.apiVersion}/${object.kind}`;
    const check = checks[kind];
    try {
      if (!check) throw new Error("no schema for this kind");
      check(object);
      console.log(`ok ${file} ${kind}`);
    } catch (e) {
      bad++;
      console.log(`invalid ${file} ${kind}: ${String(e.message).split("\n")[0]}`);
    }
  }
  process.exit(bad ? 1 : 0);
}

main().catch((e) => {
  console.log(`error: ${e.message}`);
  process.exit(1);
});
